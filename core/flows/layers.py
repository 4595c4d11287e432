"""Invertible layers of 2-D (in fact D-dimensional) normalizing flows, notes §8.2–8.5.

Direction convention. The notes write the *generative* map x = f(z) (latent -> data). In code every
layer's ``forward`` is the *normalizing* direction, the notes' f⁻¹ (data -> latent), because that
is the direction training needs:

    forward(x) -> (z, log_det_jacobian)   with log_det_jacobian = log|det ∂z/∂x|      # (B,)
    inverse(z) -> (x, log_det_jacobian)   with log_det_jacobian = log|det ∂x/∂z|      # (B,)

so ``inverse`` is the notes' f and the two log-determinants of one point are negatives of each
other. The exact log-likelihood (notes §8.3) is then

    log p_X(x) = log p_Z(f⁻¹(x)) + Σ_k log|det J_{f_k⁻¹}|.

Layers: `AdditiveCoupling` (NICE), `Scaling` (NICE's final diagonal scaling), `AffineCoupling`
(RealNVP, with a soft-clamped log-scale so exp(s) can never overflow), `ActNorm` (Glow, data-
dependent initialisation), `InvertibleLinear` (Glow's invertible 1×1 convolution, which for a
2-D point is a 2×2 matrix, LU-parameterised) and `Permute` (the fixed swap/reversal between
coupling layers). Each is checked against ``torch.autograd.functional.jacobian`` in the tests.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class FlowLayer(nn.Module):
    """An invertible map with a tractable log|det J| in both directions (see module docstring)."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # pragma: no cover
        raise NotImplementedError

    def inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # pragma: no cover
        raise NotImplementedError


def conditioner(dim: int, hidden: int, n_hidden: int, out_mult: int) -> nn.Sequential:
    """beta(x_B): an MLP dim -> hidden (ReLU) x n_hidden -> out_mult*dim, last layer zero-init.

    The zero initialisation makes every coupling layer start as the identity, so a fresh flow is
    exactly the base Gaussian and training starts from a finite, sensible likelihood.
    """
    layers: list[nn.Module] = []
    width = dim
    for _ in range(n_hidden):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    last = nn.Linear(width, out_mult * dim)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    layers.append(last)
    return nn.Sequential(*layers)


class AdditiveCoupling(FlowLayer):
    """NICE additive coupling (notes §8.5): y_A = x_A + beta(x_B), y_B = x_B; log|det J| = 0.

    ``mask`` (D,) is 1 on the conditioning part x_B (copied through) and 0 on x_A.
    """

    def __init__(self, mask: torch.Tensor, hidden: int = 64, n_hidden: int = 2):
        super().__init__()
        self.register_buffer("mask", mask.float())  # (D,)
        self.beta = conditioner(mask.numel(), hidden, n_hidden, 1)

    def _shift(self, x_b: torch.Tensor) -> torch.Tensor:
        return self.beta(x_b) * (1 - self.mask)  # (B, D), zero on the x_B coordinates

    def forward(self, x):
        x_b = x * self.mask
        z = x + self._shift(x_b)  # z_A = x_A + beta(x_B)
        return z, x.new_zeros(x.shape[0])

    def inverse(self, z):
        z_b = z * self.mask  # = x_B
        x = z - self._shift(z_b)  # x_A = z_A - beta(z_B)
        return x, z.new_zeros(z.shape[0])


class Scaling(FlowLayer):
    """NICE's final diagonal scaling: z = x ⊙ exp(s); log|det J| = Σ_i s_i (a constant)."""

    def __init__(self, dim: int):
        super().__init__()
        self.log_scale = nn.Parameter(torch.zeros(dim))  # s, (D,)

    def forward(self, x):
        return x * torch.exp(self.log_scale), self.log_scale.sum().expand(x.shape[0])

    def inverse(self, z):
        return z * torch.exp(-self.log_scale), (-self.log_scale.sum()).expand(z.shape[0])


class AffineCoupling(FlowLayer):
    """RealNVP affine coupling (notes §8.5): z_A = x_A ⊙ exp(s(x_B)) + t(x_B), z_B = x_B.

    log|det J| = Σ_A s(x_B). The raw log-scale is soft-clamped, s = c·tanh(s_raw / c) with
    c = ``scale_bound``, so |s| < c: exp(s) can neither overflow nor vanish (a stable
    parameterisation; near 0 it is the identity map s ≈ s_raw).
    """

    def __init__(
        self, mask: torch.Tensor, hidden: int = 64, n_hidden: int = 2, scale_bound: float = 3.0
    ):
        super().__init__()
        self.register_buffer("mask", mask.float())  # (D,) 1 on x_B
        self.register_buffer("free", 1 - mask.float(), persistent=False)  # (D,) 1 on x_A
        self.scale_bound = float(scale_bound)
        self.beta = conditioner(mask.numel(), hidden, n_hidden, 2)

    def _s_t(self, x_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s_raw, t = self.beta(x_b).chunk(2, dim=-1)  # (B, D) each
        c = self.scale_bound
        s = torch.tanh(s_raw * (1.0 / c)) * (c * self.free)  # c·tanh(s_raw/c), 0 on x_B
        return s, t * self.free

    def forward(self, x):
        s, t = self._s_t(x * self.mask)
        z = x * torch.exp(s) + t  # on x_B: s = t = 0, so z_B = x_B
        return z, s.sum(-1)

    def inverse(self, z):
        s, t = self._s_t(z * self.mask)
        x = (z - t) * torch.exp(-s)
        return x, -s.sum(-1)


class ActNorm(FlowLayer):
    """Glow's activation normalisation: z = (x - mu) ⊙ exp(log_s) per dimension (notes §8.5).

    Data-dependent initialisation: the first batch seen in training mode sets mu to its mean
    and exp(log_s) to 1/std, so the output starts with zero mean and unit variance. The flag is a
    buffer, so a loaded model is not re-initialised. log|det J| = Σ_i log_s_i.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.mu = nn.Parameter(torch.zeros(dim))  # (D,)
        self.log_s = nn.Parameter(torch.zeros(dim))  # (D,)
        self.register_buffer("initialized", torch.tensor(0, dtype=torch.uint8))

    @torch.no_grad()
    def initialize(self, x: torch.Tensor) -> None:
        self.mu.copy_(x.mean(0))
        self.log_s.copy_(-torch.log(x.std(0) + 1e-6))
        self.initialized.fill_(1)

    def forward(self, x):
        if self.training and not bool(self.initialized) and x.shape[0] > 1:
            self.initialize(x)
        z = (x - self.mu) * torch.exp(self.log_s)
        return z, self.log_s.sum().expand(x.shape[0])

    def inverse(self, z):
        x = z * torch.exp(-self.log_s) + self.mu
        return x, (-self.log_s.sum()).expand(z.shape[0])


class InvertibleLinear(FlowLayer):
    """Glow's invertible 1×1 convolution for D channels (a 2×2 matrix for 2-D points), notes §8.5.

    LU parameterisation: W = P L (U + diag(sign_s ⊙ exp(log_s))) with P a fixed permutation,
    L unit lower-triangular, U strictly upper-triangular. Then z = x Wᵀ and
    log|det W| = Σ_i log_s_i costs O(D), and W stays invertible for every parameter value.
    Initialised from the LU factors of a random rotation (seeded by ``seed``).
    """

    def __init__(self, dim: int, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        q, _ = torch.linalg.qr(torch.randn(dim, dim, generator=g, dtype=torch.float64))
        P, L, U = torch.linalg.lu(q)
        diag = torch.diagonal(U)
        self.register_buffer("P", P.float())  # (D, D)
        self.register_buffer("sign_s", torch.sign(diag).float())  # (D,)
        self.register_buffer("lower_mask", torch.tril(torch.ones(dim, dim), -1))
        self.register_buffer("eye", torch.eye(dim))
        self.L = nn.Parameter(torch.tril(L, -1).float())
        self.U = nn.Parameter(torch.triu(U, 1).float())
        self.log_s = nn.Parameter(torch.log(diag.abs()).float())

    def weight(self) -> torch.Tensor:
        """W = P L (U + diag(sign_s exp(log_s)))   # (D, D)"""
        L = self.L * self.lower_mask + self.eye
        U = self.U * self.lower_mask.T + torch.diag(self.sign_s * torch.exp(self.log_s))
        return self.P @ L @ U

    def forward(self, x):
        W = self.weight().to(x.dtype)
        return x @ W.T, self.log_s.sum().to(x.dtype).expand(x.shape[0])

    def inverse(self, z):
        W = self.weight().to(z.dtype)
        x = torch.linalg.solve(W, z.T).T  # x = W⁻¹ z, per row
        return x, (-self.log_s.sum()).to(z.dtype).expand(z.shape[0])


class Permute(FlowLayer):
    """A fixed permutation of the coordinates (|det J| = 1); ``Permute.reverse(D)`` flips them."""

    def __init__(self, perm: torch.Tensor):
        super().__init__()
        self.register_buffer("perm", perm.long())
        self.register_buffer("inv_perm", torch.argsort(perm).long())

    @classmethod
    def reverse(cls, dim: int) -> Permute:
        return cls(torch.arange(dim - 1, -1, -1))

    def forward(self, x):
        return x[:, self.perm], x.new_zeros(x.shape[0])

    def inverse(self, z):
        return z[:, self.inv_perm], z.new_zeros(z.shape[0])


def standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    """log p_Z(z) for p_Z = N(0, I):  -½‖z‖² - (D/2) log 2π   # (B,)"""
    return -0.5 * (z**2).sum(-1) - 0.5 * z.shape[-1] * math.log(2 * math.pi)


def brute_force_log_det(fn, x: torch.Tensor) -> torch.Tensor:
    """log|det ∂fn(x_i)/∂x_i| per row from ``torch.autograd.functional.jacobian`` (the reference).

    ``fn`` maps (B, D) -> (B, D) row-wise; the Jacobian of one row is taken at a time.  # (B,)
    """
    out = []
    for row in x:
        J = torch.autograd.functional.jacobian(lambda v: fn(v[None])[0], row)  # (D, D)
        out.append(torch.linalg.slogdet(J)[1])
    return torch.stack(out)
