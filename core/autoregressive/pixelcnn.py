"""PixelCNN and the gated PixelCNN (van den Oord et al. 2016; notes §7.4) for binary images.

Masked convolution: a k x k kernel whose weights below the centre row, and right of the centre in
the centre row, are zeroed, so output (r, c) sees only pixels before (r, c) in raster order:

    type A (first layer): the centre is masked too   (x̂_{r,c} must not see x_{r,c})
    type B (later layers): the centre is kept         (feature (r, c) already excludes x_{r,c})

Stacking them leaves a *blind spot*: a wedge of pixels above and to the right that no path of
masked 3x3 kernels reaches, however deep the stack. The gated PixelCNN removes it with two
stacks: a vertical stack (a k x k kernel over the rows above and the current row, shifted down one
row before it feeds the horizontal stack, so it sees rows < r entirely) and a horizontal stack
(1 x k over the current row, left of c). Each layer is gated: y = tanh(W_f * x) ⊙ sigmoid(W_g * x).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.autoregressive.base import ARModel


def causal_mask(k: int, mask_type: str) -> torch.Tensor:
    """(k, k) {0, 1}: rows above the centre, and the centre row left of (A) / up to (B) centre."""
    if mask_type not in ("A", "B"):
        raise ValueError(f"unknown mask type: {mask_type!r}; choose from A, B")
    m = torch.zeros(k, k)
    m[: k // 2] = 1  # every row above the centre
    m[k // 2, : k // 2 + (mask_type == "B")] = 1  # the centre row: left of centre (+ centre, B)
    return m


class MaskedConv2d(nn.Conv2d):
    """A same-size convolution whose kernel is multiplied by ``mask`` (a (kh, kw) 0/1 array)."""

    def __init__(self, c_in: int, c_out: int, mask: torch.Tensor):
        kh, kw = mask.shape
        super().__init__(c_in, c_out, (kh, kw), padding=(kh // 2, kw // 2))
        self.register_buffer("mask", mask[None, None].clone(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


@dataclass(frozen=True)
class PixelCNNConfig:
    channels: int = 32  # feature maps per layer
    layers: int = 6  # masked convolutions after the first (type B, or gated layers)
    kernel_a: int = 7  # first layer's kernel (type A)
    kernel: int = 3  # later layers' kernel
    gated: bool = False  # False: plain PixelCNN (blind spot); True: vertical + horizontal stacks
    shape: tuple[int, ...] = (1, 28, 28)

    @property
    def reach(self) -> int:
        """Rows (and columns) a pixel can see: k_A//2 + layers * k//2 (the nominal field)."""
        return self.kernel_a // 2 + self.layers * (self.kernel // 2)


class PixelCNN(ARModel):
    """7x7 mask-A conv, ``layers`` residual 3x3 mask-B convs (ReLU), two 1x1 convs -> 1 logit."""

    def __init__(self, cfg: PixelCNNConfig = PixelCNNConfig()):
        super().__init__()
        self.cfg, self.shape = cfg, tuple(cfg.shape)
        self.n = int(torch.tensor(cfg.shape).prod())
        c = cfg.channels
        self.first = MaskedConv2d(1, c, causal_mask(cfg.kernel_a, "A"))
        self.convs = nn.ModuleList(
            MaskedConv2d(c, c, causal_mask(cfg.kernel, "B")) for _ in range(cfg.layers)
        )
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, 1), nn.ReLU(), nn.Conv2d(c, 1, 1))
        self.register_buffer("order", torch.arange(self.n))

    def logit_map(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) -> (B, 1, H, W) logits of p(x_{r,c} = 1 | pixels before (r, c))."""
        h = self.first(x)
        for conv in self.convs:
            h = h + conv(F.relu(h))  # residual: keeps the gradient alive through depth
        return self.head(h)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.logit_map(x.reshape(len(x), *self.shape)).reshape(len(x), -1)

    def free_parameters(self) -> int:
        """Unmasked weights + biases (the masked half of each kernel is never used)."""
        total = 0
        for m in self.modules():
            if isinstance(m, MaskedConv2d):
                total += int(m.mask.sum()) * m.in_channels * m.out_channels + m.out_channels
            elif isinstance(m, nn.Conv2d):
                total += sum(p.numel() for p in m.parameters())
        return total

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, trace: bool = False,
               prompt: torch.Tensor | None = None, start: int = 0):  # fmt: skip
        """Raster sampling; each pass sees only the rows within ``reach`` above (the output at
        row r does not depend on rows further up), so a pass costs (reach + 1) rows, not H."""
        if trace:
            return super().sample(n, generator, True, prompt, start)
        _, H, W = self.shape
        R = self.cfg.reach + 2  # + the gated stack's one-row shift, + a margin
        x, u = self._start(n, generator, prompt, start)
        x, u = x.reshape(n, 1, H, W), u.reshape(n, 1, H, W)
        for k in range(start, self.n):
            r, c = divmod(k, W)
            top = max(0, r - R)
            p = torch.sigmoid(self.logit_map(x[:, :, top : r + 1])[:, 0, -1, c])  # (n,)
            x[:, 0, r, c] = (u[:, 0, r, c] < p).to(x.dtype)
        return x


class GatedLayer(nn.Module):
    """One gated PixelCNN layer: (v, h) -> (v', h').

    v' = gate(V * v)                          V: k x k kernel over rows <= r (mask: rows up to the
                                              centre row, every column)
    h' = h + W_o gate(H * h + W_vh shift_down(V * v))    H: 1 x k kernel, columns < c (A) / <= c (B)
    gate(a) = tanh(a_1) ⊙ sigmoid(a_2)
    """

    def __init__(self, c_in: int, c: int, k: int, mask_type: str):
        super().__init__()
        v_mask = torch.zeros(k, k)
        v_mask[: k // 2 + 1] = 1  # rows above and the centre row, all columns
        h_mask = torch.zeros(1, k)
        h_mask[0, : k // 2 + (mask_type == "B")] = 1  # left of (A) / up to (B) the centre
        self.v_conv = MaskedConv2d(c_in, 2 * c, v_mask)
        self.h_conv = MaskedConv2d(c_in, 2 * c, h_mask)
        self.v_to_h = nn.Conv2d(2 * c, 2 * c, 1)
        self.h_out = nn.Conv2d(c, c, 1)
        self.residual = mask_type == "B"

    @staticmethod
    def gate(a: torch.Tensor) -> torch.Tensor:
        f, g = a.chunk(2, 1)
        return torch.tanh(f) * torch.sigmoid(g)

    def forward(self, v: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        v_pre = self.v_conv(v)  # (B, 2c, H, W): sees rows <= r
        v_down = F.pad(v_pre, (0, 0, 1, 0))[:, :, :-1]  # shift down one row: sees rows < r
        h_pre = self.h_conv(h) + self.v_to_h(v_down)
        h_new = self.h_out(self.gate(h_pre))
        return self.gate(v_pre), (h + h_new if self.residual else h_new)


class GatedPixelCNN(PixelCNN):
    """A gated layer of type A (kernel_a) then ``layers`` gated layers of type B, 1x1 head."""

    def __init__(self, cfg: PixelCNNConfig = PixelCNNConfig(gated=True)):
        ARModel.__init__(self)
        self.cfg, self.shape = cfg, tuple(cfg.shape)
        self.n = int(torch.tensor(cfg.shape).prod())
        c = cfg.channels
        self.first = GatedLayer(1, c, cfg.kernel_a, "A")
        self.gated = nn.ModuleList(GatedLayer(c, c, cfg.kernel, "B") for _ in range(cfg.layers))
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, 1), nn.ReLU(), nn.Conv2d(c, 1, 1))
        self.register_buffer("order", torch.arange(self.n))

    def logit_map(self, x: torch.Tensor) -> torch.Tensor:
        v, h = self.first(x, x)
        for layer in self.gated:
            v, h = layer(v, h)
        return self.head(h)


def build(cfg: PixelCNNConfig) -> PixelCNN:
    return GatedPixelCNN(cfg) if cfg.gated else PixelCNN(cfg)


def frozen_double(model: PixelCNN) -> PixelCNN:
    """A private float64 copy without parameter gradients (a shared model is never touched)."""
    m = copy.deepcopy(model).cpu().double().eval()
    for p in m.parameters():
        p.requires_grad_(False)
    return m


def input_gradient(model: PixelCNN, r: int, c: int, n_inputs: int = 4, seed: int = 0):
    """|d logit(r, c) / d x| summed over ``n_inputs`` random binary images, (H, W) float64.

    Zero exactly where no path of the network connects the input pixel to output (r, c): the
    receptive field, blind spot included. Float64 so that tiny true gradients are not rounded.
    A ReLU that is off at (r, c) for every input and channel also gives zeros (a narrow random
    net can have one); the trained models and 8+ channels do not show it."""
    _, H, W = model.shape
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(n_inputs, 1, H, W, generator=g) < 0.5).double().requires_grad_(True)
    m = model if model.dtype == torch.float64 else frozen_double(model)
    m.logit_map(x)[:, 0, r, c].sum().backward()
    return x.grad.abs().sum((0, 1))  # (H, W)


def blind_spot(grad: torch.Tensor, r: int, c: int, reach: int) -> dict[str, int]:
    """Counts over the causal pixels (before (r, c) in raster order) within ``reach`` rows above
    and ``reach`` columns either side: how many there are and how many have zero gradient."""
    H, W = grad.shape
    rows = torch.arange(H)[:, None]
    cols = torch.arange(W)[None, :]
    causal = (rows < r) | ((rows == r) & (cols < c))
    near = (rows >= r - reach) & ((cols - c).abs() <= reach)
    box = causal & near
    return {
        "causal_in_reach": int(box.sum()),
        "zero_gradient": int((box & (grad == 0)).sum()),
        "future_nonzero": int((~causal & (grad != 0)).sum()),  # must be 0: causality
    }
