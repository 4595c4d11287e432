"""AppTest of pages/12_Deep_RL.py: every view, its main controls, bad inputs (buffer 0, period
0, lr 0, a huge lr, silly URL values) and a few live steps."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import assert_ok

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "12_Deep_RL.py")


@pytest.fixture  # a fresh page per test: a shared one made tests depend on their order
def at():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["drl_pg_n"] = "50"  # a small variance table keeps the test quick
    at.run()
    assert_ok(at, checks=True)
    return at


def _view(at, name):
    at.radio(key="drl_view").set_value(name).run()
    assert_ok(at, checks=True)


def test_cartpole_episode_policies_and_seed(at):
    _view(at, "CartPole")
    for policy in ("pretrained DQN", "lean rule: push toward the lean", "random"):
        at.radio(key="drl_policy").set_value(policy).run()
        assert_ok(at, checks=True)
    at.number_input(key="drl_ep_seed").set_value(123).run()
    assert_ok(at, checks=True)
    assert any("env.reset(seed=123)" in c.value for c in at.caption), [c.value for c in at.caption]


def test_dqn_live_bad_inputs_then_steps(at):
    _view(at, "DQN live")
    for key, bad, message in (
        ("drl_buffer", 0, "at least one transition"),
        ("drl_period", 0, "at least 1 step"),
        ("drl_lr", 0.0, "must be positive"),
        ("drl_lr", 100.0, "above 10"),
    ):
        at.number_input(key=key).set_value(bad).run()
        assert_ok(at, checks=True)
        assert any(message in e.value for e in at.error), (key, [e.value for e in at.error])
        at.number_input(key=key).set_value({"drl_buffer": 10_000, "drl_period": 500,
                                            "drl_lr": 1e-3}[key]).run()  # fmt: skip
        assert_ok(at, checks=True)
        assert not at.error
    at.number_input(key="drl_lr").set_value(1.0).run()  # huge, but allowed: a warning
    assert any("far above" in w.value for w in at.warning)
    at.number_input(key="drl_lr").set_value(1e-3)
    at.toggle(key="drl_double").set_value(True)
    at.toggle(key="drl_target").set_value(False)
    at.toggle(key="drl_replay").set_value(False).run()
    assert_ok(at, checks=True)
    for _ in range(3):  # 1,500 env steps: past learning_starts, so updates run
        at.button(key="drl_dqn_live_step").click().run()
        assert_ok(at, checks=True)
    assert any("step 1,500" in c.value for c in at.caption), [c.value for c in at.caption]


def test_tricks_policy_gradient_actor_critic_compare(at):
    _view(at, "Why the tricks")
    assert any("lag-1 correlation" in str(m.label) for m in at.metric)
    _view(at, "Policy gradient variance")
    assert at.table, "the variance table is shown"
    at.select_slider(key="drl_pg_gamma").set_value(0.9).run()
    assert_ok(at, checks=True)
    _view(at, "Actor-critic")
    at.radio(key="drl_ac_sign").set_value("notes").run()
    at.button(key="drl_ac_live_step").click().run()
    assert_ok(at, checks=True)
    assert any("step 2,000" in c.value for c in at.caption), [c.value for c in at.caption]
    _view(at, "Compare")


def test_silly_url_values_are_repaired():
    at = AppTest.from_file(PAGE, default_timeout=120)
    for k, v in {"drl_view": "DQN live", "drl_buffer": "-5", "drl_lr": "nan",
                 "drl_eps": "banana", "drl_period": "1e99"}.items():  # fmt: skip
        at.query_params[k] = v
    at.run()
    assert_ok(at, checks=True)
