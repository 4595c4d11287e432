"""Pure figure functions for the diffusion page (notes §10): data in, plotly Figure out, or
plotly's JSON form (a dict, float32 base64 arrays) for the figures a control redraws on every
rerun (schedules, guidance, the live snapshot): building a validated ``go.Figure`` costs more
than the data it shows; ``ui.figure`` and ``ui.plot_player`` take both.

Images are shown by the page with ``st.image`` (faster than a heatmap when scrubbing); these
functions draw the schedules, histograms, point clouds, eps fields, loss and guidance curves.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.diffusion.frames import b64
from core.diffusion.schedules import Schedule
from core.theme import PALETTE


def to_display(x: np.ndarray) -> np.ndarray:
    """Data scale [-1, 1] -> display pixels [0, 1] (values outside are clipped)."""
    return np.clip((np.asarray(x, dtype=np.float32) + 1) / 2, 0, 1)


def _panels(n: int, titles: list[str], gap: float = 0.07) -> tuple[dict, list[dict]]:
    """Explicit axis domains for n panels in a row and their titles (annotations): a dict
    figure needs no ``make_subplots``, which costs more than the figure's data."""
    w = (1 - gap * (n - 1)) / n
    layout, notes = {}, []
    for i in range(n):
        k = "" if i == 0 else str(i + 1)
        x0 = i * (w + gap)
        layout[f"xaxis{k}"] = {"domain": [x0, min(x0 + w, 1.0)], "anchor": f"y{k}",
                               "title": {"text": "t"}}  # fmt: skip
        layout[f"yaxis{k}"] = {"anchor": f"x{k}"}
        notes.append({"text": titles[i], "x": x0 + w / 2, "y": 1.0, "xref": "paper",
                      "yref": "paper", "xanchor": "center", "yanchor": "bottom",
                      "showarrow": False})  # fmt: skip
    return layout, notes


def schedule_figure(scheds: list[Schedule], t: int | None = None) -> dict:
    """beta_t, alpha_bar_t and log10 SNR(t) against t (one line per schedule, the first one
    thick; a marker at t), in plotly's JSON form (float32 arrays as base64, no validation).

    The beta_t panel's log axis gets one tick per decade (``dtick=1``): left to itself, plotly
    labels the digits between decades ("D" ticks) at 3/4 of the font size, under the 18 px that
    presentation mode needs."""
    layout, notes = _panels(3, ["β_t (log scale)", "ᾱ_t = ∏ α_s", "log₁₀ SNR(t)"])
    data = []
    b_lo, b_hi = np.inf, -np.inf
    for i, s in enumerate(scheds):
        ts = np.arange(1, s.T + 1, dtype=np.float32)
        betas = s.betas.numpy()
        b_lo, b_hi = min(b_lo, float(betas.min())), max(b_hi, float(betas.max()))
        snr = np.log10(np.clip(s.snr.numpy(), 1e-12, None))
        line = {"color": PALETTE[i % len(PALETTE)], "width": 3 if i == 0 else 1.5}
        for col, y in enumerate((betas, s.alpha_bar.numpy(), snr), start=1):
            k = "" if col == 1 else str(col)
            data.append({"type": "scatter", "x": b64(ts), "y": b64(y), "name": s.name,
                         "mode": "lines", "line": line, "showlegend": col == 1,
                         "legendgroup": s.name, "xaxis": f"x{k}", "yaxis": f"y{k}"})  # fmt: skip
    layout["yaxis"].update(type="log", exponentformat="power")
    if b_lo > 0 and np.log10(b_hi / b_lo) >= 1:  # at least one decade: a label per decade
        layout["yaxis"]["dtick"] = 1
    shapes = []
    if t is not None and t > 0:
        for k in ("", "2", "3"):
            shapes.append({"type": "line", "x0": t, "x1": t, "xref": f"x{k}", "y0": 0, "y1": 1,
                           "yref": f"y{k} domain", "line": {"color": "#D55E00",
                                                            "dash": "dash"}})  # fmt: skip
    layout.update(height=300, annotations=notes, shapes=shapes,
                  legend={"orientation": "h", "y": -0.25})  # fmt: skip
    return {"data": data, "layout": layout}


def histogram_figure(values: np.ndarray, t: int, alpha_bar_t: float, bins: int = 60) -> go.Figure:
    """Histogram of x_t's values (standardised data) with the N(0, 1) density it drifts to."""
    v = np.asarray(values, dtype=np.float32).reshape(-1)
    lo, hi = min(-4.0, float(v.min())), max(4.0, float(v.max()))
    fig = go.Figure(
        go.Histogram(
            x=v,
            histnorm="probability density",
            nbinsx=bins,
            marker_color=PALETTE[0],
            opacity=0.75,
            name=f"x_{t} values",
        )
    )
    u = np.linspace(lo, hi, 200)
    fig.add_trace(
        go.Scatter(
            x=u,
            y=np.exp(-(u**2) / 2) / np.sqrt(2 * np.pi),
            mode="lines",
            name="N(0, 1)",
            line=dict(color=PALETTE[3], width=3),
        )
    )
    fig.update_layout(
        height=300,
        xaxis_title="value",
        yaxis_title="density",
        title=f"t = {t}: ᾱ_t = {alpha_bar_t:.3g}",
        bargap=0.02,
        legend=dict(orientation="h", y=-0.3),
    )
    return fig


def points_figure(
    x: np.ndarray, title: str = "", ref: np.ndarray | None = None, lim: float = 3.5
) -> go.Figure:
    """A 2-D point cloud (Scattergl), optionally over a faint reference cloud."""
    fig = go.Figure()
    if ref is not None:
        fig.add_trace(
            go.Scattergl(
                x=ref[:, 0],
                y=ref[:, 1],
                mode="markers",
                name="data x_0",
                marker=dict(size=3, color="#BBBBBB"),
            )
        )
    fig.add_trace(
        go.Scattergl(
            x=x[:, 0],
            y=x[:, 1],
            mode="markers",
            name="x_t",
            marker=dict(size=4, color=PALETTE[0], opacity=0.7),
        )
    )
    _square(fig, lim)
    fig.update_layout(title=title)
    return fig


def _square(fig: go.Figure, lim: float) -> None:
    fig.update_xaxes(range=[-lim, lim], zeroline=False)
    fig.update_yaxes(range=[-lim, lim], zeroline=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(height=430, legend=dict(orientation="h", y=-0.12))


def reverse_2d_figure(
    x_t: np.ndarray,
    t: int,
    grid: np.ndarray | None = None,
    eps: np.ndarray | None = None,
    paths: np.ndarray | None = None,
    ref: np.ndarray | None = None,
    lim: float = 3.5,
    arrow_scale: float = 0.25,
) -> go.Figure:
    """The reverse process at step t: points x_t, arrows -eps_hat(x, t) (the score direction,
    score = -eps_hat / sqrt(1 - alpha_bar_t)) on a grid, and a few particle paths x_T..x_t."""
    fig = go.Figure()
    if ref is not None:
        fig.add_trace(
            go.Scattergl(
                x=ref[:, 0],
                y=ref[:, 1],
                mode="markers",
                name="data",
                marker=dict(size=3, color="#CCCCCC"),
            )
        )
    if grid is not None and eps is not None:
        d = -np.asarray(eps, dtype=np.float32) * arrow_scale
        xs, ys = [], []
        for (px, py), (dx, dy) in zip(grid, d, strict=False):
            xs += [px, px + dx, None]
            ys += [py, py + dy, None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name="−ε̂(x, t) (score direction)",
                line=dict(color=PALETTE[2], width=1.5),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=grid[:, 0] + d[:, 0],
                y=grid[:, 1] + d[:, 1],
                mode="markers",
                showlegend=False,
                hoverinfo="skip",
                marker=dict(size=4, color=PALETTE[2]),
            )
        )
    fig.add_trace(
        go.Scattergl(
            x=x_t[:, 0],
            y=x_t[:, 1],
            mode="markers",
            name=f"x_{t}",
            marker=dict(size=4, color=PALETTE[0], opacity=0.7),
        )
    )
    if paths is not None:  # (K, P, 2): P particle paths over the visited frames
        for j in range(paths.shape[1]):
            fig.add_trace(
                go.Scatter(
                    x=paths[:, j, 0],
                    y=paths[:, j, 1],
                    mode="lines",
                    line=dict(color=PALETTE[3], width=1.5),
                    opacity=0.8,
                    showlegend=j == 0,
                    name="particle paths" if j == 0 else None,
                    legendgroup="paths",
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=paths[-1:, j, 0],
                    y=paths[-1:, j, 1],
                    mode="markers",
                    marker=dict(size=8, color=PALETTE[3]),
                    showlegend=False,
                )
            )
    _square(fig, lim)
    fig.update_layout(title=f"reverse process at t = {t}")
    return fig


def loss_figure(losses: np.ndarray, max_points: int = 400) -> go.Figure:
    """The training loss (Algorithm 2) with a running mean; downsampled to max_points."""
    y = np.asarray(losses, dtype=np.float32)
    fig = go.Figure()
    if len(y):
        k = max(1, len(y) // max_points)
        m = len(y) // k * k
        yd = y[:m].reshape(-1, k).mean(1) if m else y
        xd = (np.arange(len(yd)) + 0.5) * k
        fig.add_trace(
            go.Scatter(x=xd, y=yd, mode="lines", name="loss", line=dict(color=PALETTE[0]))
        )
        w = max(1, len(yd) // 20)
        if len(yd) > w:
            sm = np.convolve(yd, np.ones(w) / w, mode="valid")
            fig.add_trace(
                go.Scatter(
                    x=xd[w - 1 :],
                    y=sm,
                    mode="lines",
                    name="running mean",
                    line=dict(color=PALETTE[3], width=3),
                )
            )
    fig.update_layout(
        height=260,
        xaxis_title="step",
        yaxis_title="‖ε − ε̂‖²",
        legend=dict(orientation="h", y=-0.35),
    )
    return fig


def guidance_figure(sweep: dict, current: float | None = None) -> dict:
    """Judged class accuracy (left axis) and within-class diversity (right axis) against the
    guidance scale rho, a dashed line at the current rho; plotly's JSON form (no validation)."""
    rho = [float(r) for r in sweep["rho"]]
    data = [
        {"type": "scatter", "x": rho, "y": [float(v) for v in sweep["accuracy"]],
         "mode": "lines+markers", "name": "judged class accuracy",
         "line": {"color": PALETTE[0], "width": 3}},
        {"type": "scatter", "x": rho, "y": [float(v) for v in sweep["diversity"]],
         "mode": "lines+markers", "name": "within-class diversity", "yaxis": "y2",
         "line": {"color": PALETTE[1], "width": 3}},
    ]  # fmt: skip
    shapes = []
    if current is not None:
        shapes.append({"type": "line", "x0": float(current), "x1": float(current), "xref": "x",
                       "y0": 0, "y1": 1, "yref": "paper",
                       "line": {"color": "#D55E00", "dash": "dash"}})  # fmt: skip
    layout = {
        "height": 330, "legend": {"orientation": "h", "y": -0.3}, "shapes": shapes,
        "xaxis": {"title": {"text": "guidance scale ρ"}},
        "yaxis": {"title": {"text": "accuracy"}, "range": [0, 1.02]},
        "yaxis2": {"title": {"text": "mean pairwise judge-feature distance"}, "overlaying": "y",
                   "side": "right", "showgrid": False},
    }  # fmt: skip
    return {"data": data, "layout": layout}


def speed_figure(labels: list[str], seconds: list[float]) -> go.Figure:
    """Bar chart of measured sampling times."""
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=seconds,
            marker_color=[PALETTE[0], PALETTE[2]][: len(labels)],
            text=[f"{s * 1000:.0f} ms" for s in seconds],
            textposition="outside",
        )
    )
    fig.update_layout(height=280, yaxis_title="seconds", showlegend=False)
    return fig


def live_2d_figure(
    samples: np.ndarray, ref: np.ndarray, losses: np.ndarray, lim: float = 3.5,
    max_points: int = 200, ddim_steps: int = 10,
) -> dict:  # fmt: skip
    """The live-training snapshot (§10.3): samples of the current model (left, over the data;
    drawn by a deterministic DDIM run of ``ddim_steps`` steps)
    and the loss of Algorithm 2 (right, downsampled to ``max_points``). Cheap by design: plotly's
    JSON form (float32 base64 arrays, no validation), the same four traces and fixed x ranges in
    every snapshot."""
    y = np.asarray(losses, dtype=np.float32)
    k = max(1, int(np.ceil(len(y) / max_points)))
    m = len(y) // k * k
    yd = y[:m].reshape(-1, k).mean(1) if m else y
    xd = ((np.arange(len(yd)) + 0.5) * k).astype(np.float32)
    w = max(1, len(yd) // 20)
    sm = np.convolve(yd, np.ones(w) / w, mode="valid").astype(np.float32) if len(yd) > w else yd
    s = np.asarray(samples, dtype=np.float32)
    r = np.asarray(ref, dtype=np.float32)
    data = [
        dict(type="scatter", x=b64(r[:, 0]), y=b64(r[:, 1]), mode="markers", name="data",
             marker=dict(size=3, color="#BBBBBB")),
        dict(type="scatter", x=b64(s[:, 0]), y=b64(s[:, 1]), mode="markers",
             name=f"samples now (DDIM, {ddim_steps} steps)", marker=dict(size=4, color=PALETTE[0])),
        dict(type="scatter", x=b64(xd), y=b64(yd), mode="lines", name="loss ‖ε − ε̂‖²",
             line=dict(color=PALETTE[0], width=1), xaxis="x2", yaxis="y2", opacity=0.5),
        dict(type="scatter", x=b64(xd[len(xd) - len(sm):]), y=b64(sm), mode="lines",
             name="running mean", line=dict(color=PALETTE[3], width=3), xaxis="x2", yaxis="y2"),
    ]  # fmt: skip
    layout = dict(
        title=dict(text="samples now"), height=380, uirevision="live2d",
        margin=dict(l=40, r=10, t=50, b=40), legend=dict(orientation="h", y=-0.15),
        xaxis=dict(domain=[0, 0.45], range=[-lim, lim], zeroline=False),
        yaxis=dict(range=[-lim, lim], scaleanchor="x", zeroline=False),
        xaxis2=dict(domain=[0.55, 1], anchor="y2", title=dict(text="training step"),
                    range=[0, max(100.0, float(len(y)))]),
        yaxis2=dict(anchor="x2", range=[0, max(2.2, 1.05 * float(yd.max()) if len(yd) else 0)],
                    title=dict(text="loss")),
    )  # fmt: skip
    return {"data": data, "layout": layout}
