"""Figures of the §6 page: pure functions ``data -> plotly Figure`` (no Streamlit here).

Images travel as small PNG layout images (base64) rather than heat-maps of thousands of cells,
so a 20x20 manifold of decoded digits costs ~100 kB, not megabytes of JSON.
"""

from __future__ import annotations

import base64
import functools

import numpy as np
import plotly.graph_objects as go

from core.imaging import make_grid, to_png_bytes
from core.theme import PALETTE

# class c -> DIGIT_COLOURS[c]: ten distinct colours and no black, which marks the decoded z
DIGIT_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#8C564B",
    "#999999",
    "#882255",
)
MARKER_COLOUR = "#000000"  # the decoded-z cross (no class uses black)
STAR_COLOUR = "#D55E00"  # the ★ of an uploaded digit


def png_uri(img: np.ndarray, scale: int = 1) -> str:
    """A float [0, 1] (H, W) image as a data: URI (for layout images)."""
    return "data:image/png;base64," + base64.b64encode(to_png_bytes(img, scale=scale)).decode()


def strip_png(images: np.ndarray, scale: int = 3) -> bytes:
    """A row of images (T, 28, 28) in [0, 1] as one PNG (black ink on white), for ``st.image``.

    Pure images need no plotly figure: a PNG is smaller and costs no theme/JSON work per rerun.
    """
    strip = make_grid(np.asarray(images), nrow=len(images), pad=1, pad_value=0.0)
    return to_png_bytes(1.0 - strip, scale=scale)


def grid_png(images: np.ndarray, nrow: int, scale: int = 3) -> bytes:
    """A grid of images (N, 28, 28) in [0, 1] as one PNG (black ink on white)."""
    return to_png_bytes(
        1.0 - make_grid(np.asarray(images), nrow=nrow, pad=1, pad_value=0.0), scale=scale
    )


def latent_map(
    z: np.ndarray, labels: np.ndarray, manifold: np.ndarray | None = None, extent: float = 3.0
) -> go.Figure:
    """Held-out codes z (N, 2) coloured by class over the decoded manifold image.

    ``manifold``: a (H, W) image tiling g(z) over [-extent, extent]^2 (row 0 = top = +z2). The
    page draws the decoded z and an uploaded digit over it in the browser (ui/vae/latent_map.py).
    """
    fig = go.Figure()
    if manifold is not None:
        fig.add_layout_image(
            source=png_uri(1.0 - manifold),
            xref="x",
            yref="y",
            x=-extent,
            y=extent,
            sizex=2 * extent,
            sizey=2 * extent,
            sizing="stretch",
            opacity=0.55,
            layer="below",
        )
    for c in range(10):
        m = labels == c
        fig.add_trace(
            go.Scatter(
                x=z[m, 0],
                y=z[m, 1],
                mode="markers",
                name=str(c),
                marker=dict(size=7, color=DIGIT_COLOURS[c], line=dict(width=0.5, color="white")),
                hovertemplate=f"digit {c}<br>z = (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
            )
        )
    fig.update_xaxes(range=[-extent, extent], title="z₁", zeroline=False)
    fig.update_yaxes(range=[-extent, extent], title="z₂", zeroline=False, scaleanchor="x")
    fig.update_layout(legend_title_text="class", dragmode="select", clickmode="event+select")
    return fig


def posterior_bars(mu: np.ndarray, sigma: np.ndarray, kl: np.ndarray) -> go.Figure:
    """Per latent dimension j: mu_j with ±sigma_j error bars and its KL term
    1/2(mu²+σ²-logσ²-1), on hand-placed axes (cheaper to build than ``make_subplots``). It
    depends on the digit only, so changing the number of ε draws leaves it alone (`elbo_bar`)."""
    dims = [f"z{j + 1}" for j in range(len(mu))]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=dims, y=mu, error_y=dict(type="data", array=sigma), name="μ ± σ",
                         marker_color=PALETTE[0], xaxis="x", yaxis="y"))  # fmt: skip
    fig.add_trace(
        go.Bar(x=dims, y=kl, name="KL_j", marker_color=PALETTE[1], xaxis="x2", yaxis="y2")
    )
    fig.update_layout(xaxis=dict(domain=[0, 0.47]), xaxis2=dict(domain=[0.53, 1], anchor="y2"),
                      yaxis=dict(title="q(z|x): μ ± σ"), yaxis2=dict(anchor="x2", title="KL_j"),
                      showlegend=False, height=340)  # fmt: skip
    return fig


def elbo_bar(recon: float, kl: float) -> go.Figure:
    """−ELBO(x) of one digit as a stacked bar: reconstruction (mean over the ε draws) + KL."""
    fig = go.Figure()
    for y, name, colour, pos in ((recon, "recon", PALETTE[0], "inside"),
                                 (kl, "KL", PALETTE[1], "outside")):  # fmt: skip
        fig.add_trace(go.Bar(x=["−ELBO"], y=[y], name=f"{name} {y:.1f}", marker_color=colour,
                             text=[f"{name} {y:.1f}"], textposition=pos))  # fmt: skip
    fig.update_layout(barmode="stack", yaxis_title="nats / image", showlegend=False, height=340)
    return fig


def rate_distortion(points: list[dict], chosen_beta: float | None = None) -> go.Figure:
    """Rate (KL, nats) vs distortion (reconstruction, nats) of the β-VAEs; one point per β."""
    pts = sorted(points, key=lambda p: p["beta"])
    fig = go.Figure(
        go.Scatter(
            x=[p["kl"] for p in pts],
            y=[p["recon"] for p in pts],
            mode="lines+markers+text",
            text=[f"β={p['beta']:g}" for p in pts],
            textposition="top right",
            marker=dict(
                size=[20 if p["beta"] == chosen_beta else 11 for p in pts],
                color=[PALETTE[3] if p["beta"] == chosen_beta else PALETTE[0] for p in pts],
            ),
            hovertemplate="rate (KL) %{x:.2f} nats<br>distortion %{y:.1f} nats<extra></extra>",
        )
    )
    top = max([p["kl"] for p in pts] + [1.0])
    fig.update_xaxes(range=[0, top * 1.2])
    fig.update_layout(
        xaxis_title="rate: KL(q(z|x) ‖ p(z))  [nats/image]",
        yaxis_title="distortion: −log p(x|z)  [nats/image]",
        height=380,
    )
    return fig


def beta_overview(
    points: list[dict], chosen_beta: float, kl_per_dim: np.ndarray, threshold: float = 0.1
) -> go.Figure:
    """Rate–distortion curve over all β (left) and the chosen model's KL per dimension (right).

    One figure with hand-placed axes instead of two figures (each figure costs a theme pass).
    """
    rd = rate_distortion(points, chosen_beta)
    bars = kl_bars(kl_per_dim, threshold)
    fig = go.Figure()
    for tr in rd.data:
        fig.add_trace(tr.update(xaxis="x", yaxis="y"))
    for tr in bars.data:
        fig.add_trace(tr.update(xaxis="x2", yaxis="y2"))
    top = max([p["kl"] for p in points] + [1.0])
    kl = np.asarray(kl_per_dim)
    active = int((kl > threshold).sum())
    fig.update_layout(
        xaxis=dict(
            domain=[0, 0.45], range=[0, top * 1.2], title="rate: KL(q(z|x) ‖ p(z))  [nats/image]"
        ),
        yaxis=dict(title="distortion: −log p(x|z)  [nats/image]"),
        xaxis2=dict(domain=[0.55, 1], anchor="y2"),
        yaxis2=dict(anchor="x2", title="KL per dimension [nats]"),
        annotations=[
            dict(
                text=f"β = {chosen_beta:g}: {active} of {len(kl)} dims carry > "
                f"{threshold:g} nats (green)",
                x=0.775,
                y=1.08,
                xref="paper",
                yref="paper",
                showarrow=False,
            )
        ],
        showlegend=False,
        height=400,
    )
    return fig


def kl_bars(kl_per_dim: np.ndarray, threshold: float = 0.1, title: str = "") -> go.Figure:
    """Mean KL per latent dimension, sorted; dims above ``threshold`` nats are 'active'."""
    kl = np.asarray(kl_per_dim, dtype=np.float64)
    order = np.argsort(-kl)
    colours = [PALETTE[2] if kl[j] > threshold else PALETTE[8] for j in order]
    fig = go.Figure(
        go.Bar(
            x=[f"z{j + 1}" for j in order],
            y=kl[order],
            marker_color=colours,
            hovertemplate="%{x}: %{y:.3f} nats<extra></extra>",
        )
    )
    fig.update_layout(title=title, yaxis_title="KL per dimension [nats]", height=320)
    return fig


def angle_bars(angles_deg: np.ndarray, limit: float = 5.0) -> go.Figure:
    """Principal angles between the linear AE's decoder span and the PCA subspace."""
    a = np.asarray(angles_deg)
    fig = go.Figure(
        go.Bar(
            x=[f"θ{i + 1}" for i in range(len(a))],
            y=a,
            text=[f"{v:.3f}°" for v in a],
            textposition="outside",
            marker_color=PALETTE[0],
            hovertemplate="%{y:.4f}°<extra></extra>",
        )
    )
    fig.add_hline(
        y=limit, line_dash="dash", line_color=PALETTE[3], annotation_text=f"{limit:g}° bar"
    )
    fig.update_layout(yaxis_title="principal angle [degrees]", height=300)
    return fig


def live_extent(z: np.ndarray, floor: float = 3.0) -> float:
    """A symmetric axis half-width that holds every code: max(floor, 1.15 max|z|) rounded up to
    the next half unit (so the live map's axes fit the points instead of cutting them off)."""
    zmax = float(np.nanmax(np.abs(z))) if np.size(z) else 0.0
    if not np.isfinite(zmax):
        return floor
    return max(floor, float(np.ceil(2 * 1.15 * zmax) / 2))


def live_snapshot(
    z: np.ndarray,
    labels: np.ndarray,
    history: list[dict],
    pairs_uri: str,
    extent: float,
) -> go.Figure:
    """One frame of the live 2-D VAE: held-out codes μ(x) by class (left), recon / KL / loss
    in nats per image (top right) and 8 held-out digits over their reconstructions (bottom
    right). Every frame has the same 14 traces in the same order (10 classes, 3 curves, 1
    image), float32, so the browser only moves what changed."""
    z = np.asarray(z, np.float32)
    fig = go.Figure()
    for c in range(10):
        m = labels == c
        fig.add_trace(
            go.Scatter(
                x=z[m, 0],
                y=z[m, 1],
                mode="markers",
                name=str(c),
                marker=dict(size=6, color=DIGIT_COLOURS[c], line=dict(width=0.4, color="white")),
                hovertemplate=f"digit {c}<br>z = (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
            )
        )
    steps = np.array([h["step"] for h in history], np.float32)
    for k, colour, label in (
        ("recon", PALETTE[0], "recon"),
        ("kl", PALETTE[1], "KL"),
        ("loss", PALETTE[7], "−β-ELBO"),
    ):
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=np.array([h[k] for h in history], np.float32),
                name=label,
                mode="lines",
                line=dict(color=colour),
                xaxis="x2",
                yaxis="y2",
                showlegend=False,
                hovertemplate=f"{label} %{{y:.1f}} at step %{{x}}<extra></extra>",
            )
        )
    fig.add_trace(go.Image(source=pairs_uri, xaxis="x3", yaxis="y3", hoverinfo="skip"))
    fig.update_layout(
        xaxis=dict(domain=[0, 0.5], range=[-extent, extent], title="z₁", zeroline=False),
        yaxis=dict(domain=[0, 1], range=[-extent, extent], title="z₂", zeroline=False,
                   scaleanchor="x"),
        xaxis2=dict(domain=[0.62, 1], anchor="y2", title="step"),
        yaxis2=dict(domain=[0.52, 0.93], anchor="x2", title="nats / image",
                    rangemode="tozero"),
        xaxis3=dict(domain=[0.62, 1], anchor="y3", visible=False),
        yaxis3=dict(domain=[0, 0.25], anchor="x3", visible=False),
        annotations=[  # above their panels, clear of the tick labels and the "step" title
            dict(text="recon (blue), KL (orange), −β-ELBO (black)", x=0.81, y=0.95,
                 xref="paper", yref="paper", yanchor="bottom", showarrow=False),
            dict(text="held-out digits (top) and reconstructions", x=0.81, y=0.27,
                 xref="paper", yref="paper", yanchor="bottom", showarrow=False),
        ],
        legend=dict(title_text="class", orientation="h", x=0, y=1.01, yanchor="bottom"),
        margin=dict(l=50, r=10, t=90, b=45),
        title="the 2-D VAE's held-out codes μ(x)",
    )  # fmt: skip
    return fig


def f4(a) -> dict:
    """A float32 array in plotly's JSON form (a base64 typed array, what ``to_json`` writes)."""
    a = np.ascontiguousarray(np.asarray(a, dtype="<f4").ravel())
    return {"dtype": "f4", "bdata": base64.b64encode(a.tobytes()).decode("ascii")}


@functools.lru_cache(maxsize=1)
def _live_template() -> dict:
    """`live_snapshot` of nothing, in plotly's JSON form: built and validated once."""
    import json

    fig = live_snapshot(np.zeros((0, 2)), np.zeros(0, int), [], "", 3.0)
    return json.loads(fig.to_json())


def live_snapshot_frame(
    z: np.ndarray, labels: np.ndarray, history: list[dict], pairs_uri: str, extent: float
) -> dict:
    """`live_snapshot` as a plain dict in plotly's JSON form, without building a validated
    ``go.Figure`` (that costs ~50 ms a frame on 2 cores, more than the model's work): the
    cached template's traces and layout with this frame's arrays, ranges and image."""
    base = _live_template()
    data = [dict(tr) for tr in base["data"]]  # shallow copies: only replaced keys change
    for c in range(10):
        m = labels == c
        data[c]["x"], data[c]["y"] = f4(z[m, 0]), f4(z[m, 1])
    steps = [h["step"] for h in history]
    for i, k in enumerate(("recon", "kl", "loss")):
        data[10 + i]["x"], data[10 + i]["y"] = f4(steps), f4([h[k] for h in history])
    data[13]["source"] = pairs_uri
    lay = dict(base["layout"])
    lay["xaxis"] = {**lay["xaxis"], "range": [-extent, extent]}
    lay["yaxis"] = {**lay["yaxis"], "range": [-extent, extent]}
    lay["title"] = dict(lay.get("title") or {})
    return {"data": data, "layout": lay}
