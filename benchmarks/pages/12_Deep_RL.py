"""§11.3 Deep RL: rerun latency of the episode seed and the variance table's γ, the live DQN's
raw environment steps per second, evaluation of 100 episodes (budget ≤ 2 s) and the pretrained
DQN's recorded training time."""

from __future__ import annotations

import time

from benchmarks.harness import Interaction, Row, in_view

PAGE = "pages/12_Deep_RL.py"

INTERACTIONS = [
    Interaction(
        "episode seed (records and sends an episode, cached after the first)",
        in_view(
            "drl_view",
            "CartPole",
            lambda at, i: at.number_input(key="drl_ep_seed").set_value([10_001, 10_002][i % 2]),
        ),
    ),  # fmt: skip
    Interaction(
        "policy-gradient γ (cached variance tables)",
        in_view(
            "drl_view",
            "Policy gradient variance",
            lambda at, i: at.select_slider(key="drl_pg_gamma").set_value([0.99, 0.95][i % 2]),
        ),
    ),  # fmt: skip
]

# Browser benchmark (benchmarks/browser.py): the episode plays in a client-side player; the DQN
# and actor-critic views train live.
BROWSER_VIEWS = ["", "?drl_view=Policy+gradient+variance", "?drl_view=Why+the+tricks"]
BROWSER_LIVE = ["?drl_view=DQN+live", "?drl_view=Actor-critic"]
BROWSER_SCRUB = [""]


def raw_steps_per_s(query: str = "") -> float:
    """The live stepper of the view (DQN with the page's defaults past its learning start, or
    actor-critic) in a plain loop for ~2 s: environment steps per second."""
    import torch

    torch.set_num_threads(1)
    if "Actor" in query:
        from core.rl.actor_critic import ACConfig, ActorCriticTrainer

        tr = ActorCriticTrainer(ACConfig(), seed=0)
    else:
        from core.rl.dqn import DQNTrainer
        from ui.deep_rl.dqn_live import live_config

        tr = DQNTrainer(live_config(), seed=0, threads=1)
        tr.step(1_000)  # past learning_starts: the loop below includes the updates
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 2.0:
        tr.step(50)
        n += 50
    return n / (time.perf_counter() - t0)


def extra() -> list[Row]:
    import torch

    from core.pretrained import load
    from core.rl.pretrained import DQN_NAME, evaluate_q

    torch.set_num_threads(1)
    q, man = load(DQN_NAME)
    returns, seconds = evaluate_q(q)
    m = man["metrics"]
    return [
        Row("pretrained DQN: 100 seeded evaluation episodes", seconds, "s", "≤ 2 s",
            seconds <= 2.0, f"mean return {returns.mean():.1f} (manifest "
            f"{m['eval_mean_return']:.1f}); lockstep, one batched forward per step"),
        Row("pretrained DQN: mean return over the 100 evaluation seeds", float(returns.mean()),
            "return", "≥ 475", bool(returns.mean() >= 475), "greedy policy"),
        Row("pretrained DQN: training time (manifest, 500k steps, one thread)",
            m["train_seconds"] / 60, "min", "", None,
            "measured by `python -m core.pretrained train rl_dqn_cartpole` on the shared "
            "2-core machine, under load"),
        Row("live DQN stepper: environment steps per second (raw loop)", raw_steps_per_s(),
            "steps/s", "", None, "page defaults, updates every 4 steps"),
    ]  # fmt: skip
