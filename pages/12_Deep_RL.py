"""§11.3 Deep RL: DQN, REINFORCE with baselines and actor-critic on gymnasium's CartPole-v1.

The page is its table of contents: each view is an ``@st.fragment`` in ``ui/deep_rl/<view>.py``,
so a view's own controls rerun only that view; the view switch is a full rerun.
"""

from __future__ import annotations

import ui
from ui.deep_rl import ac, compare, dqn_live, episode, pg, tricks

ctx = ui.page(
    "Deep RL",
    "🕹️",
    section="§11.3",
    intuition=(
        "A table of Q values cannot cover CartPole's continuous states, so a network Q_θ "
        "learns them from transitions. Two tricks make that stable: a replay buffer that "
        "samples old transitions at random (consecutive ones are near copies), and a target "
        "network θ̄ that holds the bootstrap target still. Policy search skips Q and follows "
        "the score-function gradient; a baseline keeps its mean and cuts its variance, and a "
        "critic's TD error becomes the advantage."
    ),
    equation=(
        r"\ell(\theta)=\big(Q_\theta(s,a)-(r+\gamma\,Q_{\bar\theta}(s',a'))\big)^2,\ "
        r"a'\in\arg\max_a Q_{\bar\theta}(s',a);\qquad "
        r"\nabla_\theta J=\mathbb E_\tau\Big[\sum_t\nabla_\theta\log\pi_\theta(a_t|s_t)"
        r"\,(R_t-b_t)\Big]"
    ),
)
VIEWS = {
    "CartPole": episode.view,
    "DQN live": dqn_live.view,
    "Why the tricks": tricks.view,
    "Policy gradient variance": pg.view,
    "Actor-critic": ac.view,
    "Compare": compare.view,
}
ui.prose(
    "gymnasium's **CartPole-v1**, real and seeded: +1 per step, the episode ends when the pole "
    "passes 12° or the cart leaves ±2.4, and is cut at 500 steps; a mean return of 475 counts "
    "as solved."
)
view = ui.url_radio("View", "drl_view", list(VIEWS), horizontal=True)
with ui.error_boundary(f"the {view} view"):
    VIEWS[view](ctx)
