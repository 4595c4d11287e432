"""Chapter thumbnails for the home page: each page's main visual, small, from the real core code.

Every builder returns an (H, W, 4) uint8 RGBA image of exactly `THUMB_SHAPE` (3:2), computed by
the same functions and shipped pretrained weights the pages use; margins of square visuals are
transparent. They are cheap on purpose (about 0.1 s each on one CPU core, the diffusion reverse
process about 0.3 s): the UI computes them once per process and caches the PNG bytes.

Colours come from the pages' own palettes (`core.theme`, `core.backprop.figures`,
`core.vae.figures`, `core.rl.figures`); colour scales are sampled from plotly's named scales
into 256-entry lookup tables, so no plotting library renders anything here.

Pure numpy / torch / PIL: no Streamlit, no file I/O beyond the loaders' own.
"""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image, ImageDraw

THUMB_SHAPE = (240, 360)  # (H, W) px: 3:2, sharp on a ~300-480 px wide card


# ----------------------------------------------------------------------------- colour helpers
def _rgb(colour: str) -> tuple[int, int, int]:
    """'#rrggbb' or 'rgb(r, g, b)' -> (r, g, b)."""
    c = colour.strip()
    if c.startswith("#"):
        return tuple(int(c[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]
    r, g, b = (float(v) for v in c[c.index("(") + 1 : c.index(")")].split(",")[:3])
    return int(round(r)), int(round(g)), int(round(b))


def lut(scale: str | list) -> np.ndarray:
    """A (256, 3) uint8 lookup table from a plotly colour scale name ("Viridis") or stops."""
    from plotly.colors import get_colorscale

    stops = get_colorscale(scale) if isinstance(scale, str) else scale
    pos = np.array([float(p) for p, _ in stops])
    cols = np.array([_rgb(c) for _, c in stops], dtype=np.float64)  # (K, 3)
    x = np.linspace(0.0, 1.0, 256)
    return np.stack([np.interp(x, pos, cols[:, k]) for k in range(3)], 1).round().astype(np.uint8)


def colourise(values: np.ndarray, table: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """(H, W) floats -> (H, W, 3) uint8 through ``table`` over [lo, hi] (NaN -> lo)."""
    q = (np.nan_to_num(values, nan=lo) - lo) / ((hi - lo) or 1.0)
    return table[np.clip(np.rint(q * 255), 0, 255).astype(np.uint8)]


def _blend(rgb: np.ndarray, alpha: float, under: tuple[int, int, int] = (255, 255, 255)):
    """``rgb`` drawn with opacity ``alpha`` over a plain ``under`` colour (uint8)."""
    out = alpha * rgb.astype(np.float32) + (1 - alpha) * np.array(under, np.float32)
    return out.round().astype(np.uint8)


# ----------------------------------------------------------------------------- canvas helpers
def fit(rgb: np.ndarray, shape: tuple[int, int] = THUMB_SHAPE, smooth: bool = True) -> np.ndarray:
    """Scale an (h, w, 3|4) uint8 image to fit ``shape`` keeping its aspect, centred on a
    transparent canvas: (H, W, 4) uint8."""
    H, W = shape
    h, w = rgb.shape[:2]
    s = min(H / h, W / w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    im = Image.fromarray(np.ascontiguousarray(rgb)).convert("RGBA")
    if (nh, nw) != (h, w):
        im = im.resize((nw, nh), Image.LANCZOS if smooth else Image.NEAREST)
    canvas = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    canvas.paste(im, ((W - nw) // 2, (H - nh) // 2))
    return np.asarray(canvas).copy()


def ink_grid(images: np.ndarray, ncol: int) -> np.ndarray:
    """(N, 28, 28) digits in [0, 1] (white on black) -> one (h, w, 3) uint8 grid drawn as the
    pages draw digits: black ink on white, 1 px white gaps."""
    from core.imaging import make_grid

    g = make_grid(np.clip(np.asarray(images, np.float32), 0, 1), nrow=ncol, pad=1, pad_value=0.0)
    grey = ((1.0 - g) * 255).round().astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


def to_png(img: np.ndarray) -> bytes:
    """An (H, W, 3|4) uint8 image as PNG bytes."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img)).save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _box_3x2(cx: float, cy: float, half_h: float) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of a 3:2 box centred on (cx, cy) with half-height ``half_h``."""
    return cx - 1.5 * half_h, cx + 1.5 * half_h, cy - half_h, cy + half_h


def _pixel_centres(box, shape: tuple[int, int]) -> np.ndarray:
    """Points (H*W, 2) at the pixel centres of ``box`` (H, W), row 0 = top (largest y)."""
    x0, x1, y0, y1 = box
    H, W = shape
    xs = x0 + (np.arange(W) + 0.5) * (x1 - x0) / W
    ys = y1 - (np.arange(H) + 0.5) * (y1 - y0) / H
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], 1)


def _to_px(X: np.ndarray, box, shape: tuple[int, int]) -> np.ndarray:
    """Data points (n, 2) -> pixel coordinates (n, 2) as (column, row) floats."""
    x0, x1, y0, y1 = box
    H, W = shape
    return np.stack([(X[:, 0] - x0) / (x1 - x0) * W, (y1 - X[:, 1]) / (y1 - y0) * H], 1)


def _dots(rgb: np.ndarray, px: np.ndarray, colours: list, r: float = 3.0) -> np.ndarray:
    """Draw filled dots with a white rim at pixel positions ``px`` (n, 2)."""
    im = Image.fromarray(rgb)
    d = ImageDraw.Draw(im)
    for (x, y), c in zip(px, colours, strict=True):
        d.ellipse((x - r, y - r, x + r, y + r), fill=c, outline=(255, 255, 255), width=1)
    return np.asarray(im).copy()


# ----------------------------------------------------------------------------- §1 backprop
def backprop_boundary(dataset: str = "spiral", steps: int = 400, seed: int = 0) -> np.ndarray:
    """§1 playground: the decision boundary P(y=1 | x) of a small MLP trained by the page's own
    hand-backprop stepper (`BackpropTrainer`), with the training points."""
    from core.backprop.datasets import make_dataset
    from core.backprop.figures import BINARY_SCALE, CLASS_COLOURS
    from core.backprop.trainer import BackpropTrainer, TrainConfig

    data = make_dataset(dataset, n=300, noise=0.1, seed=seed, train_frac=0.5)
    cfg = TrainConfig(hidden=(8, 8), activation="tanh", optimizer="adam", lr=0.03, seed=seed)
    trainer = BackpropTrainer(cfg, data)
    trainer.step(steps)
    X = data.X_train
    lo, hi = X.min(0), X.max(0)
    c = (lo + hi) / 2
    half = max((hi[1] - lo[1]) / 2, (hi[0] - lo[0]) / 3) * 1.12
    box = _box_3x2(c[0], c[1], half)
    small = (THUMB_SHAPE[0] // 2, THUMB_SHAPE[1] // 2)  # evaluate at half resolution
    pts = _pixel_centres(box, small)
    p = trainer.output(pts).reshape(small)  # P(y=1)
    heat = _blend(colourise(p, lut(BINARY_SCALE), 0.0, 1.0), 0.6)  # the page's opacity
    heat = np.asarray(Image.fromarray(heat).resize(THUMB_SHAPE[::-1], Image.BILINEAR))
    colours = [_rgb(CLASS_COLOURS[int(k)]) for k in data.y_train]
    out = _dots(heat.copy(), _to_px(X, box, THUMB_SHAPE), colours, r=3.2)
    return fit(out)


# ----------------------------------------------------------------------------- §2-3 convolution
def conv_edges(photo_name: str = "china", kernel: str = "Sobel x") -> np.ndarray:
    """§2 explorer: a bundled photo and its correlation with an edge kernel, computed by the
    page's `core.conv.ops.conv2d`, side by side (output signed: blue-white-red)."""
    from core.conv import kernels, ops
    from core.conv.figures import to_rgb
    from core.data import photo, to_grayscale

    H, W = THUMB_SHAPE
    g = (to_grayscale(photo(photo_name)) * 255).round().astype(np.uint8)
    g = np.asarray(Image.fromarray(g).resize((W, H), Image.LANCZOS), np.float32) / 255.0
    g = np.ascontiguousarray(g[:, : W // 2])  # (H, W/2): the left half (china: the temple)
    K = torch.from_numpy(kernels.get_kernel(kernel))
    out = ops.conv2d(torch.from_numpy(g)[None, None], K[None, None], padding=1)[0, 0].numpy()
    m = float(np.quantile(np.abs(out), 0.97)) or 1.0  # saturate the strongest 3 %: crisp edges
    img = np.concatenate([to_rgb(g, signed=False), to_rgb(np.clip(out, -m, m), signed=True)], 1)
    img[:, W // 2 - 1 : W // 2 + 1] = 255  # a white seam between input and output
    return fit(img)


# ----------------------------------------------------------------------------- §6 VAE
@torch.inference_mode()
def vae_latent_map(model, x: torch.Tensor, labels: np.ndarray, extent: float = 3.0) -> np.ndarray:
    """§6 latent map: held-out codes mu(x) of the 2-D VAE coloured by class over its decoded
    manifold g(z) (faint), z1 in [-1.5 extent, 1.5 extent], z2 in [-extent, extent]."""
    from core.imaging import make_grid
    from core.vae.figures import DIGIT_COLOURS

    box = _box_3x2(0.0, 0.0, extent)
    rows, cols = 8, 12
    z1 = np.linspace(box[0], box[1], cols + 1)[:-1] + (box[1] - box[0]) / cols / 2
    z2 = np.linspace(box[3], box[2], rows + 1)[:-1] - (box[3] - box[2]) / rows / 2
    gz1, gz2 = np.meshgrid(z1, z2)  # row 0 = top = largest z2
    dev = next(model.parameters()).device
    z = torch.as_tensor(np.stack([gz1.ravel(), gz2.ravel()], 1), dtype=torch.float32).to(dev)
    digits = model.decode(z).cpu().numpy()[:, 0]  # (rows*cols, 28, 28)
    manifold = make_grid(digits, nrow=cols, pad=0)  # (224, 336)
    grey = ((1.0 - manifold) * 255).round().astype(np.uint8)
    grey = np.asarray(Image.fromarray(grey).resize(THUMB_SHAPE[::-1], Image.BILINEAR))
    bg = _blend(np.repeat(grey[..., None], 3, axis=2), 0.45)  # the page's faint manifold
    mu = model.embed(x.to(dev)).cpu().numpy()  # (N, 2)
    inside = (np.abs(mu[:, 0]) < 1.5 * extent) & (np.abs(mu[:, 1]) < extent)
    colours = [_rgb(DIGIT_COLOURS[int(c)]) for c in labels[inside]]
    return fit(_dots(bg, _to_px(mu[inside], box, THUMB_SHAPE), colours, r=2.6))


# ----------------------------------------------------------------------------- §8 flows
@torch.inference_mode()
def flow_density(flow, target: str = "moons_density", res: int = 100) -> np.ndarray:
    """§8 2-D flows: the exact density p_X(x) of a pretrained RealNVP over its target's box
    (widened to 3:2), from ``flow.log_prob`` by the change of variables."""
    from core.data import make_toy
    from core.theme import SEQUENTIAL

    X = make_toy(target, 2000, seed=1).X
    lo, hi = np.quantile(X, 0.002, axis=0), np.quantile(X, 0.998, axis=0)
    half = max((hi[1] - lo[1]) / 2, (hi[0] - lo[0]) / 3) * 1.2
    box = _box_3x2((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, half)
    shape = (res, res * 3 // 2)
    pts = _pixel_centres(box, shape)
    p_param = next(flow.parameters())
    logp = flow.log_prob(torch.as_tensor(pts, dtype=p_param.dtype, device=p_param.device))
    dens = np.exp(logp.float().cpu().numpy().reshape(shape))  # p_X(x)
    img = colourise(dens, lut(SEQUENTIAL), 0.0, float(np.nanmax(dens)) or 1.0)
    return fit(img)


# ----------------------------------------------------------------------------- §9 GANs
def gan_samples(G, rows: int = 4, cols: int = 6, seed: int = 0) -> np.ndarray:
    """§9 MNIST panel: DCGAN samples G(z), z ~ N(0, I) drawn with ``seed``."""
    from core.gan.mnist import sample

    x = sample(G, rows * cols, seed).cpu().numpy()[:, 0]  # (n, 28, 28) in [0, 1]
    return fit(ink_grid(x, cols))


# ----------------------------------------------------------------------------- §10 diffusion
def diffusion_reverse(
    model, digits: tuple[int, ...] = (2, 4, 7, 9), S: int = 10, frames: int = 6, seed: int = 0
) -> np.ndarray:
    """§10 reverse process: x_t from pure noise x_T to the sample x_0 (left to right), one row
    per class-guided digit, by DDIM with S steps on the pretrained pixel U-Net."""
    from core.diffusion.mnist import sample_digits, to_pixels

    labels = torch.tensor(digits)
    _, traj = sample_digits(model, len(digits), seed, labels, S=S, record=True)
    K = len(traj) - 1
    idx = np.unique(np.round(np.linspace(0, K, frames)).astype(int))  # frames incl. x_T, x_0
    xs = to_pixels(traj.xs[idx]).cpu().numpy()[:, :, 0]  # (F, B, 28, 28)
    grid = xs.transpose(1, 0, 2, 3).reshape(-1, 28, 28)  # row = digit, column = frame
    return fit(ink_grid(grid, len(idx)))


# ----------------------------------------------------------------------------- §11 RL
def value_map(env: str = "FrozenLake 8×8", gamma: float = 0.99) -> np.ndarray:
    """§11 value iteration: v* of a gymnasium FrozenLake (slippery) with its greedy policy's
    arrows, coloured as the page's heatmap (holes navy, goal gold)."""
    from core.rl import gridworlds as G
    from core.rl import mdp as M
    from core.rl.figures import _FILL, _VALUE_SCALE

    mdp = G.make_env(env, slippery=True)
    vi = M.value_iteration(mdp, gamma, tol=1e-10, max_iter=5000, keep_history=False)
    greedy = M.greedy_actions(mdp, vi.v, gamma)  # (S, A) bool
    nH, nW = mdp.shape
    cell = THUMB_SHAPE[0] // nH
    live = ~mdp.terminal
    lo, hi = float(vi.v[live].min()), float(vi.v[live].max())
    colours = colourise(vi.v.reshape(nH, nW), lut(_VALUE_SCALE), lo, hi)
    im = Image.new("RGB", (nW * cell, nH * cell), (68, 68, 68))
    d = ImageDraw.Draw(im)
    for i, row in enumerate(mdp.desc):
        for j, code in enumerate(row):
            fill = _rgb(_FILL[code][0]) if code in _FILL else tuple(int(v) for v in colours[i, j])
            d.rectangle((j * cell + 1, i * cell + 1, (j + 1) * cell - 1, (i + 1) * cell - 1), fill)
            s = i * nW + j
            if mdp.terminal[s]:
                continue
            cx, cy, L = (j + 0.5) * cell, (i + 0.5) * cell, 0.32 * cell
            for a, (dr, dc) in enumerate(M.DELTAS):
                if not greedy[s, a]:
                    continue
                tip = (cx + dc * L, cy + dr * L)
                d.line((cx, cy, *tip), fill=(20, 20, 20), width=2)
                w = 0.16 * cell  # arrowhead half-width
                back = (tip[0] - dc * w * 1.2, tip[1] - dr * w * 1.2)
                d.polygon(
                    [
                        tip,
                        (back[0] + dr * w, back[1] + dc * w),
                        (back[0] - dr * w, back[1] - dc * w),
                    ],
                    fill=(20, 20, 20),
                )
    return fit(np.asarray(im))


# ----------------------------------------------------------------------------- §5 generative
def families_side_by_side(samples: dict[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    """§5: the recorded same-seed samples of several families (VAE, GAN, diffusion), a 4×3
    block each, side by side. ``samples[name]`` is (N, 1, 28, 28) uint8 from the measure run."""
    blocks = [samples[n][:12, 0].astype(np.float32) / 255.0 for n in names]  # (12, 28, 28) each
    cols = []
    for b in blocks:
        cols.extend(b.reshape(4, 3, 28, 28).transpose(1, 0, 2, 3))  # column-major: 3 columns
    grid = np.stack(cols, 0).transpose(1, 0, 2, 3).reshape(-1, 28, 28)  # rows of 3*len(blocks)
    return fit(ink_grid(grid, 3 * len(blocks)))
