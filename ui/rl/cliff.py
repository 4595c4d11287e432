"""Sutton & Barto's Example 6.6 (§11.2): SARSA and Q-learning on CliffWalking, learning curves
against the book's Figure 6.4 and the greedy paths each method learns."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from core.rl import curves as C
from core.rl import figures as F
from core.rl import tabular as T
from ui.rl.common import Setting, grid_chart


@st.cache_resource(
    show_spinner="Running SARSA and Q-learning on CliffWalking (cached)…", max_entries=4
)
def cliff_runs(n_seeds: int, seed: int) -> dict:
    return T.cliff_experiment(n_seeds=n_seeds, episodes=500, seed=seed)


@st.cache_resource(show_spinner=False, max_entries=4)
def cliff_figures(n_seeds: int, seed: int):
    """The cached runs' learning curves, summary table and greedy paths, drawn once."""
    runs = cliff_runs(n_seeds, seed)
    curves = {m: runs[m].curves()["return"] for m in T.CONTROL}
    curve_fig = C.learning_curves(
        curves,
        smooth=10,
        ylabel="sum of rewards",
        yrange=(-100, 0),
        references={
            f"book {m} ≈ {T.BOOK_EXAMPLE_6_6[m]:g}": T.BOOK_EXAMPLE_6_6[m] for m in T.CONTROL
        },
    )
    rows = []
    for m in T.CONTROL:
        per_seed = curves[m][:, 99:500].mean(1)
        rows.append(
            {
                "method": m,
                "ours: mean return, episodes 100–500": f"{per_seed.mean():.1f} ± "
                f"{per_seed.std():.1f} (sd over {n_seeds} runs)",
                "Sutton & Barto Fig. 6.4 (read off)": f"≈ {T.BOOK_EXAMPLE_6_6[m]:g}",
            }
        )
    cliff, paths = runs["SARSA"].mdp, {}
    for m in ("SARSA", "Q-learning"):
        Q = runs[m].Q.mean(0)
        path = T.greedy_path(cliff, Q)
        paths[m] = F.value_heatmap(
            cliff,
            Q.max(1),
            T.greedy_from_q(Q),
            show_values=False,
            path=path,
            colorbar_title="max Q",
            title=f"{m}: greedy path, {len(path) - 1} steps (Q averaged over runs)",
        )
    return curve_fig, pd.DataFrame(rows), paths


@st.fragment
@ui.guarded("the Cliff: SARSA vs Q-learning view")
def view(s: Setting) -> None:
    """The cliff experiment (a fragment: its run-count slider reruns only it)."""
    n_seeds = int(ui.url_select_slider("Independent runs", "rl_cliff_seeds", [10, 20, 50], 20))
    st.caption(
        "Sum of rewards per episode, 10-episode moving average, mean ± sd over runs; "
        "dashed: the values read off the book's Figure 6.4."
    )
    curve_fig, rows, paths = cliff_figures(n_seeds, s.seed)
    ui.figure(curve_fig, key="rl_cliff_curves")
    st.table(rows, hide_index=True)  # read-only: a plain HTML table, not the canvas grid
    for m, fig in paths.items():
        grid_chart(fig, key=f"rl_cliff_{m}")
    ui.prose(
        "**What to notice.** ε = 0.1, α = 0.5, γ = 1, as in Sutton & Barto Example 6.6. "
        "Q-learning learns the optimal path along the cliff edge but, exploring with ε, "
        "falls off now and then: its online return is worse. SARSA learns the value of the "
        "ε-greedy policy it actually follows and takes a safer path further from the edge."
    )
