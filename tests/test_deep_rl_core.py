"""§11.3 core against references: the DQN loss vs the notes' formula, Double DQN by hand, the
score-function gradient vs the exact ∇J of bandits, the actor-critic sign, the replay buffer."""

import copy

import gymnasium as gym
import numpy as np
import pytest
import torch

from core.rl import cartpole as C
from core.rl import policy_gradient as PG
from core.rl.actor_critic import ACConfig, ActorCriticTrainer, actor_critic_losses
from core.rl.dqn import DQNConfig, DQNTrainer, QNetwork, dqn_loss, linear_epsilon, td_target
from core.rl.replay import ReplayBuffer, lag1_correlation

torch.set_num_threads(1)


def _batch(B=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {
        "s": torch.randn(B, 4, generator=g),
        "a": torch.randint(0, 2, (B,), generator=g),
        "r": torch.rand(B, generator=g),
        "s2": torch.randn(B, 4, generator=g),
        "done": (torch.rand(B, generator=g) < 0.3).float(),
    }


def test_dqn_loss_is_the_notes_formula_with_a_frozen_target():
    torch.manual_seed(0)
    q = QNetwork(DQNConfig(hidden=(8,)))
    q_bar = copy.deepcopy(q)
    with torch.no_grad():  # θ and θ̄ differ, as between two target refreshes
        for p in q.parameters():
            p.add_(0.3 * torch.randn_like(p))
    b, gamma = _batch(), 0.9
    loss, _ = dqn_loss(q, q_bar, b, gamma)
    by_hand = []
    for i in range(len(b["r"])):  # ℓ = (Q_θ(s,a) − (r + γ Q_θ̄(s', a')))², a' = argmax Q_θ̄(s', ·)
        qn = q_bar(b["s2"][i : i + 1])[0]
        a2 = int(qn.argmax())
        y = b["r"][i] + (0.0 if b["done"][i] else gamma * qn[a2])
        by_hand.append((q(b["s"][i : i + 1])[0, b["a"][i]] - y) ** 2)
    assert float(loss.detach()) == pytest.approx(float(torch.stack(by_hand).mean()), rel=1e-6)
    before = [p.clone() for p in q_bar.parameters()]
    opt = torch.optim.SGD(q.parameters(), lr=0.1)
    loss.backward()
    opt.step()
    assert all(p.grad is None for p in q_bar.parameters())  # no gradient reaches θ̄
    assert all(torch.equal(a, p) for a, p in zip(before, q_bar.parameters(), strict=True))


def _constant_net(values):
    net = torch.nn.Linear(4, 2)
    with torch.no_grad():
        net.weight.zero_()
        net.bias.copy_(torch.tensor(values))
    return net


def test_double_dqn_target_by_hand():
    b = {"r": torch.tensor([1.0, 2.0]), "s2": torch.zeros(2, 4), "done": torch.tensor([0.0, 1.0])}
    online, target = _constant_net([5.0, 2.0]), _constant_net([1.0, 3.0])  # disagree on a'
    y = td_target(b, 0.5, target, online, double=False)
    y_double = td_target(b, 0.5, target, online, double=True)
    # DQN: a' = argmax Q_θ̄ = 1 → 1 + 0.5·3; Double: a' = argmax Q_θ = 0 → 1 + 0.5·1
    assert y.tolist() == [2.5, 2.0]
    assert y_double.tolist() == [1.5, 2.0]  # a terminated s' has target r either way


def test_epsilon_schedule_and_target_switches():
    cfg = DQNConfig(eps_start=1.0, eps_end=0.1, eps_decay_steps=100)
    assert [linear_epsilon(t, cfg) for t in (0, 50, 100, 10_000)] == pytest.approx(
        [1.0, 0.55, 0.1, 0.1]
    )
    small = dict(learning_starts=20, train_every=1, batch_size=8, hidden=(8,))
    tr = DQNTrainer(DQNConfig(**small, target_period=25), seed=0)
    tr.step(24)
    assert not torch.equal(tr.q.net[0].weight, tr.q_target.net[0].weight)  # θ moved, θ̄ not
    tr.step(1)
    assert torch.equal(tr.q.net[0].weight, tr.q_target.net[0].weight)  # refreshed at 25
    assert DQNTrainer(DQNConfig(**small, target=False)).q_target is not None
    off = DQNTrainer(DQNConfig(**small, target=False))
    assert off.q_target is off.q  # no target network: θ̄ = θ
    for bad in (dict(buffer_size=0), dict(target_period=0), dict(lr=0.0), dict(lr=50.0)):
        with pytest.raises(ValueError):
            DQNConfig(**bad).validate()


def test_replay_sampling_is_uniform_over_the_last_n_and_never_from_the_future():
    buf = ReplayBuffer(100, 1, seed=0)
    for t in range(1000):
        buf.add([t + 1], 0, 0.0, [t + 2], False)  # s = t + 1: an empty slot would hold s = 0
        if t % 97 == 0:  # sampled along the way: only what was already added
            b = buf.sample(64)
            assert int(b["t"].max()) <= t and float(b["s"].min()) >= 1
    t = buf.sample(200_000)["t"].numpy()
    assert t.min() == 900 and t.max() == 999  # only the last n = 100 transitions
    counts = np.bincount(t - 900, minlength=100)
    chi2 = float(((counts - 2000) ** 2 / 2000).sum())  # 99 dof: mean 99, sd 14
    assert chi2 < 99 + 5 * 14, chi2
    latest = buf.latest(5)["t"].tolist()
    assert latest == [995, 996, 997, 998, 999]  # consecutive, in order


def test_consecutive_states_are_correlated_and_a_minibatch_is_not():
    policy = C.random_policy(0)
    ep = C.record_episode(policy, seed=3)
    assert lag1_correlation(ep["states"][:20]) > 0.8
    buf = ReplayBuffer(5000, 4, seed=1)
    env = C.make_env()
    env.action_space.seed(0)  # unseeded, the last 128 states' correlation ranged 0.78-0.93
    s, _ = env.reset(seed=0)
    for _ in range(5000):
        s2, r, term, trunc, _ = env.step(int(env.action_space.sample()))
        buf.add(s, 0, r, s2, term)
        s = s2 if not (term or trunc) else env.reset()[0]
    # episode boundaries in the last 128 lower it; a shuffled minibatch gives |corr| < 0.15
    assert lag1_correlation(buf.latest(128)["s"].numpy()) > 0.6
    assert abs(lag1_correlation(buf.sample(128)["s"].numpy())) < 0.3


def _bandit(K=3, offset=10.0, noise=1.0, N=4000, seed=0):
    """A one-step MDP: a constant state, K arms with mean rewards offset + (0, 1, 2, ...)."""
    torch.manual_seed(seed)
    pi = PG.CategoricalPolicy(obs_dim=2, n_actions=K, hidden=6)
    s0 = torch.tensor([[0.5, -1.0]])
    r_bar = offset + torch.arange(K, dtype=torch.float32)
    # the exact ∇J, J(θ) = Σ_a π_θ(a|s0) r̄_a, by autograd on J itself (not a score estimate)
    J = (torch.softmax(pi.logits(s0), -1)[0] * r_bar).sum()
    exact = torch.cat([g.reshape(-1) for g in torch.autograd.grad(J, list(pi.parameters()))])
    rng = np.random.default_rng(seed)
    p = torch.softmax(pi.logits(s0), -1)[0].detach().numpy().astype(np.float64)
    a = rng.choice(K, size=N, p=p / p.sum())
    r = r_bar.numpy()[a] + noise * rng.standard_normal(N)
    trajs = [{"s": s0.numpy(), "a": np.array([a[i]]), "r": np.array([r[i]])} for i in range(N)]
    return pi, trajs, exact.double().numpy(), float(J)


@pytest.mark.parametrize("baseline", ["none", "mean", "value"])
def test_score_function_gradient_is_unbiased_and_a_baseline_lowers_its_variance(baseline):
    pi, trajs, exact, J = _bandit()
    value_fn = (lambda s: np.full(len(s), J)) if baseline == "value" else None  # V(s0) = J
    if baseline == "mean":  # batches of 2: a mean that included the trajectory itself would
        # halve the gradient, (r_i − (r_i + r_j)/2) = (r_i − r_j)/2; leave-one-out does not
        sc = PG.step_scores(
            pi, np.concatenate([t["s"] for t in trajs]), np.concatenate([t["a"] for t in trajs])
        )  # one step per trajectory
        g = np.concatenate([PG.gradient_estimates(pi, trajs[i : i + 2], 0.99, "mean", True,
                                                  scores=sc[i : i + 2])
                            for i in range(0, len(trajs), 2)])  # fmt: skip
    else:
        g = PG.gradient_estimates(pi, trajs, 0.99, baseline, True, value_fn)  # (N, P)
    se = g.std(0, ddof=1) / np.sqrt(len(g))
    z = (g.mean(0) - exact) / np.maximum(se, 1e-12)
    assert np.abs(z).max() < 4.5, np.abs(z).max()  # unbiased within its standard error
    var = ((g - g.mean(0)) ** 2).sum(1).mean()
    g0 = PG.gradient_estimates(pi, trajs, 0.99, "none", True)
    var0 = ((g0 - g0.mean(0)) ** 2).sum(1).mean()
    if baseline != "none":
        assert var < 0.1 * var0  # the offset 10 dominates the spread without a baseline


def test_notes_bt_turns_the_whole_return_into_the_reward_to_go():
    rng = np.random.default_rng(0)
    trajs = [{"s": np.zeros((n, 4)), "a": np.zeros(n, int), "r": rng.random(n)} for n in (5, 9)]
    a = PG.weights(trajs, 0.9, "notes", False)
    b = PG.weights(trajs, 0.9, "none", True)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12)
    r = trajs[0]["r"]  # R_t = Σ_{t'≥t} γ^{t'} r_{t'} = γ^t G_t
    np.testing.assert_allclose(b[0], 0.9 ** np.arange(5) * PG.returns_to_go(r, 0.9))
    with pytest.raises(ValueError, match="unknown baseline"):
        PG.weights(trajs, 0.9, "median", True)


def test_scores_match_autograd_and_the_gaussian_score_is_unbiased():
    torch.manual_seed(1)
    pi = PG.CategoricalPolicy()
    s = np.random.default_rng(0).standard_normal((40, 4)).astype(np.float32)
    a = np.arange(40) % 2
    np.testing.assert_allclose(
        PG.step_scores(pi, s, a), PG.step_scores_autograd(pi, s, a), atol=1e-5
    )
    # π = N(μ_θ, σ²) on a continuous bandit r(a) = −(a − a*)²: J = −((μ − a*)² + σ²)
    g = PG.GaussianPolicy(obs_dim=1, hidden=4, log_sigma=-0.5)
    s1 = np.ones((1, 1), np.float32)
    np.testing.assert_allclose(
        PG.step_scores(g, np.repeat(s1, 7, 0), np.linspace(-1, 1, 7).astype(np.float32)),
        PG.step_scores_autograd(g, np.repeat(s1, 7, 0), np.linspace(-1, 1, 7).astype(np.float32)),
        atol=1e-5,
    )
    mu = g.mu(torch.as_tensor(s1)).squeeze()
    J = -((mu - 0.7) ** 2 + torch.exp(2 * g.log_sigma))
    exact = torch.cat([x.reshape(-1) for x in torch.autograd.grad(J, list(g.parameters()))])
    rng = np.random.default_rng(2)
    acts = float(mu) + float(g.log_sigma.exp()) * rng.standard_normal(20_000)
    trajs = [
        {"s": s1, "a": np.array([x], np.float32), "r": np.array([-((x - 0.7) ** 2)])} for x in acts
    ]
    est = PG.gradient_estimates(g, trajs, 1.0, "mean", True)
    se = est.std(0, ddof=1) / np.sqrt(len(est))
    assert np.abs((est.mean(0) - exact.double().numpy()) / np.maximum(se, 1e-12)).max() < 4.5


def test_actor_critic_sign():
    torch.manual_seed(0)
    pi, v = PG.CategoricalPolicy(), PG.mlp((4, 8, 1))
    b = {
        "s": torch.randn(1, 4),
        "a": torch.tensor([1]),
        "r": torch.tensor([5.0]),
        "s2": torch.randn(1, 4),
        "done": torch.tensor([0.0]),
    }
    with torch.no_grad():
        delta = b["r"] + 0.9 * v(b["s2"]).squeeze(-1) - v(b["s"]).squeeze(-1)
    assert float(delta) > 0  # r = 5 beats the untrained critic's guess: a good action
    moved = {}
    for sign in ("td", "notes"):
        p = copy.deepcopy(pi)
        actor, _, d = actor_critic_losses(p, v, b, 0.9, sign)
        torch.testing.assert_close(d, delta)  # δ = r + γV(s′) − V(s)
        before = float(p.log_prob(b["s"], b["a"]))
        actor.backward()
        with torch.no_grad():
            for q in p.parameters():
                q -= 0.01 * q.grad  # one descent step on the actor loss = ascent on log π · Â
        moved[sign] = float(p.log_prob(b["s"], b["a"])) - before
    assert moved["td"] > 0 > moved["notes"]  # the notes' V(s) − (r + γV(s′)) lowers a good action
    for bad in (dict(sign="minus"), dict(lr=0.0)):
        with pytest.raises(ValueError):
            ActorCriticTrainer(ACConfig(**bad))


def test_lockstep_evaluation_matches_gymnasium_episodes():
    def policy(s):
        return (s[:, 2] + 0.3 * s[:, 3] > 0).astype(int)

    seeds = (0, 1, 2)
    ours = C.evaluate(policy, seeds)
    for k, ret in zip(seeds, ours, strict=True):
        env, total = gym.make("CartPole-v1"), 0.0
        s, _ = env.reset(seed=k)
        while True:  # the real wrapped env, TimeLimit included
            s, r, term, trunc, _ = env.step(int(policy(s[None])[0]))
            total += r
            if term or trunc:
                break
        assert ret == total
    ep = C.record_episode(policy, seed=1)
    assert ep["return"] == ours[1] and len(ep["states"]) == len(ep["actions"]) + 1


def test_pendulum_rollout_keeps_the_unclipped_gaussian_action():
    from core.rl.gaussian import rollout_pendulum

    g = PG.GaussianPolicy(obs_dim=3, hidden=4, log_sigma=1.5)  # σ ≈ 4.5: many |a| > 2
    trajs = rollout_pendulum(g, 2, seed=0, horizon=30)
    assert [len(t["r"]) for t in trajs] == [30, 30]
    a = np.concatenate([t["a"] for t in trajs])
    assert np.abs(a).max() > 2.0  # what π scored, not the clipped torque
    assert all((t["r"] <= 0).all() for t in trajs)  # Pendulum's reward is a cost
    assert trajs[0]["s"].shape == (30, 3)
