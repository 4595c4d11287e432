"""Hand attention (notes §7.7) against torch's scaled_dot_product_attention, the notes' strict mask
and its two fixes, causality, permutation equivariance and the KV cache."""

import math

import pytest
import torch
import torch.nn.functional as F

from core.transformer.attention import (
    attention,
    attention_steps,
    attention_with_start,
    mask_matrix,
    row_entropy,
    softmax_rows,
)
from core.transformer.gpt import GPT, GPTConfig, sinusoidal_table
from core.transformer.sampling import entropy_bits, filter_probs, generate

torch.set_num_threads(1)
TINY = GPTConfig(block_size=16, n_layer=2, n_head=2, n_embd=16)


def _qkv(seed=0, shape=(2, 3, 7, 8)):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g, dtype=torch.float64) for _ in range(3))


def test_hand_attention_matches_sdpa_unmasked():
    Q, K, V = _qkv()
    Y, A = attention(Q, K, V)
    ref = F.scaled_dot_product_attention(Q, K, V)
    assert torch.allclose(Y, ref, atol=1e-12)
    assert torch.allclose(A.sum(-1), torch.ones(2, 3, 7, dtype=torch.float64))


def test_hand_attention_matches_sdpa_causal():
    Q, K, V = _qkv(1)
    Y, A = attention(Q, K, V, mask_matrix(7, "causal", torch.float64))
    ref = F.scaled_dot_product_attention(Q, K, V, is_causal=True)
    assert torch.allclose(Y, ref, atol=1e-12)
    assert torch.all(A.triu(1) == 0)  # nothing above the diagonal


def test_scale_is_sqrt_d():
    """Without the 1/√d the result differs from SDPA (guards a dropped or wrong scale)."""
    Q, K, V = _qkv(2)
    ref = F.scaled_dot_product_attention(Q, K, V)
    wrong = softmax_rows(Q @ K.transpose(-2, -1)) @ V
    assert (wrong - ref).abs().max() > 1e-2


def test_notes_strict_mask_gives_nan_in_row_one_only():
    M = mask_matrix(5, "strict")
    assert torch.isinf(M.diagonal()).all() and torch.isinf(M[0]).all()
    Q, K, V = _qkv(3, (5, 4))
    Y, A = attention(Q, K, V, M.double())
    assert torch.isnan(A[0]).all() and torch.isnan(Y[0]).all()  # 0/0, computed
    assert not torch.isnan(A[1:]).any() and not torch.isnan(Y[1:]).any()
    assert torch.allclose(A[1, 0], torch.tensor(1.0, dtype=torch.float64))  # row 2 sees only x_1


def test_fix_include_diagonal_has_no_nan():
    Q, K, V = _qkv(4, (5, 4))
    Y, A = attention(Q, K, V, mask_matrix(5, "causal", torch.float64))
    assert not torch.isnan(Y).any()
    assert torch.allclose(A[0, 0], torch.tensor(1.0, dtype=torch.float64))  # token 1 sees itself


def test_fix_start_token_has_no_nan_and_is_strict():
    Q, K, V = _qkv(5, (5, 4))
    q_s, k_s, v_s = (torch.randn(4, dtype=torch.float64) for _ in range(3))
    Y = attention_with_start(Q, K, V, q_s, k_s, v_s)
    assert Y.shape == (5, 4) and not torch.isnan(Y).any()
    assert torch.allclose(Y[0], v_s)  # token 1 can see only the start token
    # token i sees ⟨s⟩ and tokens < i, never itself: changing V_i leaves Y_i unchanged
    V2 = V.clone()
    V2[3] += 10
    Y2 = attention_with_start(Q, K, V2, q_s, k_s, v_s)
    assert torch.allclose(Y2[:4], Y[:4]) and not torch.allclose(Y2[4], Y[4])


def test_attention_steps_consistent_with_sdpa():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(6, 8, generator=g)
    W = [torch.randn(8, 4, generator=g) for _ in range(3)]
    s = attention_steps(X, *W, mask="causal")
    ref = F.scaled_dot_product_attention(s["Q"], s["K"], s["V"], is_causal=True)
    assert torch.allclose(s["Y"], ref, atol=1e-5)
    assert torch.isnan(attention_steps(X, *W, mask="strict")["A"][0]).all()
    st = attention_steps(X, *W, mask="strict+start")
    assert st["A"].shape == (7, 7) and not torch.isnan(st["A"]).any()
    with pytest.raises(ValueError, match="unknown mask"):
        attention_steps(X, *W, mask="diagonal")


def test_row_entropy_uniform_and_onehot():
    A = torch.full((3, 8), 1 / 8)
    assert torch.allclose(row_entropy(A), torch.full((3,), math.log(8)))
    assert row_entropy(torch.eye(4)).abs().max() < 1e-6


def test_model_hand_path_equals_fused_path():
    torch.manual_seed(0)
    m = GPT(TINY).eval()
    x = torch.randint(0, 96, (3, 16))
    with torch.no_grad():
        fast = m(x)
        hand, attns = m(x, return_attn=True, fast=False)
    assert torch.allclose(fast, hand, atol=1e-5)
    assert len(attns) == 2 and attns[0].shape == (3, 2, 16, 16)
    assert torch.all(attns[1].triu(1) == 0)


def test_causality_future_token_does_not_change_past_outputs():
    torch.manual_seed(1)
    m = GPT(TINY).eval()
    x = torch.randint(0, 96, (1, 12))
    x2 = x.clone()
    x2[0, 8] = (x[0, 8] + 1) % 96
    with torch.no_grad():
        a, b = m(x), m(x2)
    assert torch.allclose(a[0, :8], b[0, :8], atol=1e-6)
    assert (a[0, 8:] - b[0, 8:]).abs().max() > 1e-4  # the change does reach later outputs
    leak = GPT(GPTConfig(**{**TINY.__dict__, "causal": False})).eval()
    with torch.no_grad():  # without the mask the past does see the future
        assert (leak(x)[0, :8] - leak(x2)[0, :8]).abs().max() > 1e-4


def test_permutation_equivariance_without_positions():
    torch.manual_seed(2)
    m = GPT(GPTConfig(**{**TINY.__dict__, "positions": "none", "causal": False})).eval()
    x = torch.randint(0, 96, (1, 10))
    perm = torch.randperm(10)
    with torch.no_grad():
        assert torch.allclose(m(x)[:, perm], m(x[:, perm]), atol=1e-5)
    pos = GPT(GPTConfig(**{**TINY.__dict__, "causal": False})).eval()
    with torch.no_grad():  # with positions it is not
        assert (pos(x)[:, perm] - pos(x[:, perm])).abs().max() > 1e-4


def test_sinusoidal_table():
    P = sinusoidal_table(50, 16)
    assert torch.allclose(P[:, 0], torch.sin(torch.arange(50.0)))
    assert torch.allclose(P[:, 1], torch.cos(torch.arange(50.0)))
    assert torch.allclose(P[7, 14], torch.sin(torch.tensor(7.0) / 10000 ** (14 / 16)))


def test_kv_cache_logits_equal_full_forward():
    torch.manual_seed(3)
    m = GPT(TINY).eval()
    x = torch.randint(0, 96, (2, 12))
    cache: list = []
    with torch.no_grad():
        full = m(x)
        part = [m(x[:, :5], cache=cache)]
        part += [m(x[:, t : t + 1], cache=cache) for t in range(5, 12)]
    assert torch.allclose(torch.cat(part, 1), full, atol=1e-5)
    assert cache[0][0].shape == (2, 2, 12, 8)


@pytest.mark.parametrize("temperature,top_k,top_p", [(1.0, 0, 1.0), (0.7, 5, 0.9), (0.0, 0, 1.0)])
def test_kv_cache_sampling_equals_uncached_token_for_token(temperature, top_k, top_p):
    torch.manual_seed(4)
    m = GPT(TINY).eval()  # block 16: 40 new tokens cross the context limit twice
    kw = dict(temperature=temperature, top_k=top_k, top_p=top_p, seed=7)
    a, ia = generate(m, [5, 6, 7], 40, use_cache=True, **kw)
    b, ib = generate(m, [5, 6, 7], 40, use_cache=False, **kw)
    assert a.tolist() == b.tolist()
    assert abs(ia["entropy_model"] - ib["entropy_model"]).max() < 1e-4


def test_filter_probs():
    z = torch.tensor([2.0, 1.0, 0.5, -1.0])
    p = filter_probs(z)
    assert torch.allclose(p, torch.softmax(z, 0))
    assert filter_probs(z, 0.0).tolist() == [1.0, 0.0, 0.0, 0.0]
    assert (filter_probs(z, top_k=2) > 0).tolist() == [True, True, False, False]
    p1 = torch.softmax(z, 0)  # [0.61, 0.22, 0.14, 0.03]: top-p 0.7 keeps the first two
    assert (filter_probs(z, top_p=0.7) > 0).tolist() == [True, True, False, False]
    assert (filter_probs(z, top_p=0.5) > 0).tolist() == [True, False, False, False]
    assert torch.allclose(filter_probs(z, top_k=2).sum(), torch.tensor(1.0))
    assert entropy_bits(p1) < entropy_bits(filter_probs(z, 3.0))  # hotter is flatter
    for bad in (dict(temperature=-1.0), dict(top_p=0.0), dict(top_k=-2)):
        with pytest.raises(ValueError):
            filter_probs(z, **bad)


def test_generate_rejects_empty_prompt():
    with pytest.raises(ValueError, match="empty"):
        generate(GPT(TINY), [], 3)
