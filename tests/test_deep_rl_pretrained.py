"""The pretrained DQN reproduces its manifest: the same 100 seeded greedy episodes, the same
returns (the evaluation is deterministic), and the mean clears CartPole's 475."""

import numpy as np
import pytest
import torch

from core.pretrained import PretrainedError, load
from core.rl import cartpole as C
from core.rl.pretrained import DQN_NAME, evaluate_q

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def dqn():
    try:
        return load(DQN_NAME)
    except PretrainedError as e:  # pragma: no cover - the file ships with the repo
        pytest.fail(str(e))


def test_pretrained_dqn_reproduces_its_manifest(dqn):
    q, man = dqn
    returns, _ = evaluate_q(q)
    assert len(returns) == 100 == man["metrics"]["eval_episodes"]
    np.testing.assert_array_equal(returns, np.asarray(man["eval_returns"]))
    assert returns.mean() == pytest.approx(man["metrics"]["eval_mean_return"], abs=1e-9)
    assert returns.mean() >= C.SOLVED
    assert set(C.EVAL_SEEDS).isdisjoint(C.SELECT_SEEDS)  # the checkpoint was not picked on them
