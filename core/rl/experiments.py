"""The §11.3 page's precomputed measurements: learning curves over seeds and the tricks' "why".

    python -m core.rl.experiments            # writes pretrained/rl_curves.json (one thread)
    python -m core.rl.experiments --quick    # a tiny version, for a smoke check

Every run is one of the page's steppers (``DQNTrainer``, ``ReinforceTrainer``,
``ActorCriticTrainer``) driven for a fixed number of environment steps; each finished episode's
(env step, return) is kept, downsampled. The file is rewritten after every run, so a partial
file is usable. What it holds:

* ``curves``: DQN (CleanRL's settings scaled to a 100k-step run: ε decays over 50k steps, as
  CleanRL's 100k figure), REINFORCE (learned-V baseline, reward-to-go), actor-critic with the
  right sign and with the notes' sign; seeds 0, 1, 2; 100k environment steps each;
* ``tricks``: DQN without a target network and without replay next to the full DQN (one seed,
  60k steps): Q_θ(s, a) of the training batches against steps, and the returns;
* ``cleanrl``: CleanRL's published CartPole-v1 DQN figures, as reference points.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import torch

from core.rl.actor_critic import ACConfig, ActorCriticTrainer
from core.rl.dqn import DQNConfig, DQNTrainer
from core.rl.reinforce import ReinforceConfig, ReinforceTrainer

OUT = Path(__file__).resolve().parents[2] / "pretrained" / "rl_curves.json"
CLEANRL = [  # CleanRL dqn.py, CartPole-v1, 3 seeds (docs: "dqn.py" benchmark table)
    {"steps": 100_000, "mean": 301.0, "std": 52.0, "label": "CleanRL DQN, 100k steps"},
    {"steps": 500_000, "mean": 488.69, "std": 16.11, "label": "CleanRL DQN, 500k steps"},
]
DQN_100K = DQNConfig(total_steps=100_000, eps_decay_steps=50_000)


def _thin(steps: list[int], returns: list[float], k: int = 300) -> dict:
    idx = np.unique(np.linspace(0, len(steps) - 1, min(len(steps), k)).astype(int))
    return {"step": [int(steps[i]) for i in idx], "return": [float(returns[i]) for i in idx]}


def run_dqn(cfg: DQNConfig, seed: int, steps: int) -> dict:
    tr = DQNTrainer(cfg, seed)
    tr.step(steps)
    return {
        **_thin(tr.return_steps, tr.returns),
        "q_step": tr.history["step"][::5],
        "q_mean": [float(x) for x in tr.history["q_mean"][::5]],
        "loss": [float(x) for x in tr.history["loss"][::5]],
    }


def run_reinforce(cfg: ReinforceConfig, seed: int, steps: int) -> dict:
    tr = ReinforceTrainer(cfg, seed)
    while tr.env_steps < steps:
        tr.step(1)
    s, r = zip(*tr.curve, strict=True)
    return _thin(list(s), list(r))


def run_actor_critic(cfg: ACConfig, seed: int, steps: int) -> dict:
    tr = ActorCriticTrainer(cfg, seed)
    tr.step(steps)
    return _thin(tr.return_steps, tr.returns)


def merge(paths: list[Path], out: Path) -> int:
    """One file from several runs of this command (e.g. seeds run in parallel processes)."""
    base = json.loads(paths[0].read_text())
    for p in paths[1:]:
        more = json.loads(p.read_text())
        for group in ("curves", "tricks"):
            for name, runs in more[group].items():
                base[group].setdefault(name, {}).update(runs)
        base["seconds"].update(more["seconds"])
    base["seeds"] = sorted({int(s) for runs in base["curves"].values() for s in runs})
    base["command"] = (
        "one process per seed, in parallel: python -m core.rl.experiments --seeds S --out F_S "
        "(seed 0 also runs the tricks), then python -m core.rl.experiments --merge F_0 F_1 F_2"
    )
    out.write_text(json.dumps(base) + "\n")
    print(f"merged {len(paths)} files into {out}: seeds {base['seeds']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny budgets (smoke check)")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="runs' seeds")
    ap.add_argument(
        "--merge", nargs="+", metavar="JSON", help="merge these result files into --out"
    )
    args = ap.parse_args(argv)
    if args.merge:
        return merge([Path(p) for p in args.merge], Path(args.out))
    torch.set_num_threads(1)
    steps, trick_steps, seeds = (
        (3_000, 3_000, (0,)) if args.quick else (100_000, 60_000, tuple(args.seeds))
    )
    dqn_cfg = dataclasses.replace(DQN_100K, learning_starts=1_000) if args.quick else DQN_100K
    out: dict = {
        "command": "python -m core.rl.experiments",
        "env": "CartPole-v1",
        "env_steps": steps,
        "seeds": list(seeds),
        "cleanrl": CLEANRL,
        "configs": {
            "dqn": dataclasses.asdict(dqn_cfg),
            "reinforce": dataclasses.asdict(ReinforceConfig()),
            "actor_critic": dataclasses.asdict(ACConfig()),
        },
        "curves": {},
        "tricks": {},
        "seconds": {},
    }
    path = Path(args.out)

    def save() -> None:
        path.write_text(json.dumps(out) + "\n")

    jobs = []
    for seed in seeds:
        jobs.append(("curves", "DQN", seed, lambda s: run_dqn(dqn_cfg, s, steps)))
        jobs.append(
            ("curves", "REINFORCE", seed, lambda s: run_reinforce(ReinforceConfig(), s, steps))
        )
        jobs.append(
            ("curves", "actor-critic (+δ)", seed, lambda s: run_actor_critic(ACConfig(), s, steps))
        )
        jobs.append(
            (
                "curves",
                "actor-critic (notes' −δ)",
                seed,
                lambda s: run_actor_critic(ACConfig(sign="notes"), s, steps),
            )
        )
        if seed == 0:
            for name, kw in (
                ("DQN", {}),
                ("no target network", {"target": False}),
                ("no replay", {"replay": False}),
            ):
                cfg = dataclasses.replace(dqn_cfg, **kw)
                jobs.append(("tricks", name, seed, lambda s, cfg=cfg: run_dqn(cfg, s, trick_steps)))
    for group, name, seed, fn in jobs:
        t0 = time.perf_counter()
        res = fn(seed)
        out[group].setdefault(name, {})[str(seed)] = res
        out["seconds"][f"{group}/{name}/{seed}"] = round(time.perf_counter() - t0, 1)
        last = res["return"][-10:]
        print(
            f"{group:6} {name:26} seed {seed}: last returns {np.mean(last):6.1f} "
            f"({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
        save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
