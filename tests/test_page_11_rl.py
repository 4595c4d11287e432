"""AppTest of pages/11_Gridworld_RL.py: every control, invalid edited maps, gamma = 0 and 1."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import assert_ok
from ui.checks import PASS

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "11_Gridworld_RL.py")


def _app(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert_ok(at)
    return at


def _texts(elements) -> str:
    return " ".join(e.value for e in elements)


def test_value_iteration_controls_and_checks():
    at = _app()
    assert "v_0 and its greedy policy" not in _texts(at.markdown)  # figures, not text
    assert "one by one" in _texts(at.caption)  # the sweeps play in the browser player
    expander = [e for e in at.expander if "Math checks" in e.label]
    assert expander and expander[0].label.startswith(PASS), [e.label for e in at.expander]
    for env in ("FrozenLake 8×8", "CliffWalking", "Editable gridworld", "FrozenLake random map"):
        at.selectbox(key="rl_env").set_value(env).run()
        assert_ok(at)
        expander = [e for e in at.expander if "Math checks" in e.label]
        assert expander and expander[0].label.startswith(PASS), env
    at.number_input(key="rl_map_seed").set_value(7).run()
    at.slider(key="rl_map_size").set_value(5).run()
    at.slider(key="rl_map_p").set_value(0.7).run()
    at.checkbox(key="rl_slippery").set_value(False).run()
    assert_ok(at)


def test_value_iteration_player_starts_at_the_bookmarked_sweep():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["rl_vi_step"] = "junk"  # a bad value falls back to t = 0
    at.run()
    assert_ok(at)


def test_gamma_zero_and_one():
    at = _app()
    at.slider(key="rl_gamma").set_value(0.0).run()
    assert_ok(at)
    assert "γ = 0" in _texts(at.info)
    # gamma = 1 on non-slippery FrozenLake: the greedy policy w.r.t. v* can loop forever
    at.checkbox(key="rl_slippery").set_value(False)
    at.slider(key="rl_gamma").set_value(1.0).run()
    assert_ok(at)
    assert "γ = 1" in _texts(at.info)
    for view in ("Policy iteration", "Rollouts", "Model-free learning"):
        at.radio(key="rl_view").set_value(view).run()
        assert_ok(at)
    at.radio(key="rl_target").set_value("optimal policy π*")
    at.selectbox(key="rl_method").set_value("TD(0) evaluation").run()
    assert_ok(at)
    # an edited grid with a reward loop at gamma = 1: value iteration diverges -> a message
    at.radio(key="rl_view").set_value("Value iteration")
    at.selectbox(key="rl_env").set_value("Editable gridworld").run()
    at.text_area(key="rl_grid_text").set_value("S 1\n. G")
    at.button(key="rl_grid_apply").click().run()
    assert_ok(at)
    assert "did not converge" in _texts(at.warning)
    at.radio(key="rl_view").set_value("Policy iteration").run()
    assert_ok(at)
    assert "never reaches a terminal" in _texts(at.warning)


@pytest.mark.parametrize(
    "text,message",
    [
        (". . G\n. . .", "no start"),
        ("S 500 G", "out of range"),
        ("S # G\n# # .", "No terminal"),
        ("S ? G", "unknown code"),
        ("S . G\n. .", "same number"),
    ],
)
def test_invalid_edited_maps(text, message):
    at = _app(**{"rl_env": "Editable gridworld"})
    at.text_area(key="rl_grid_text").set_value(text)
    at.button(key="rl_grid_apply").click().run()
    assert_ok(at)
    assert message in _texts(at.error), _texts(at.error)
    at.button(key="rl_grid_default").click().run()  # recover
    assert_ok(at)
    assert not at.error


def test_editable_grid_controls():
    at = _app(**{"rl_env": "Editable gridworld"})
    for key, value in (
        ("rl_slip", 0.3),
        ("rl_step_reward", -0.2),
        ("rl_r_cells", 2.0),
        ("rl_r_cells", -5.0),
        ("rl_gamma", 0.5),
    ):
        at.slider(key=key).set_value(value).run()
        assert_ok(at)
    assert at.number_input(key="rl_grid_h").value == 5  # the default world is 5 x 8
    assert at.number_input(key="rl_grid_w").value == 8
    at.text_area(key="rl_grid_text").set_value("S G\n. .")
    at.button(key="rl_grid_apply").click().run()
    assert_ok(at)
    assert at.number_input(key="rl_grid_h").value == 2  # the boxes follow the map
    assert at.number_input(key="rl_grid_w").value == 2
    at.number_input(key="rl_grid_h").set_value(4)
    at.number_input(key="rl_grid_w").set_value(5)
    at.button(key="rl_grid_blank").click().run()
    assert_ok(at)
    assert "S . . . ." in at.text_area(key="rl_grid_text").value


def test_policy_iteration_and_rollouts():
    at = _app(**{"rl_view": "Policy iteration"})
    at.slider(key="rl_pi_step").set_value(2).run()
    assert_ok(at)
    at.radio(key="rl_view").set_value("Rollouts").run()
    assert_ok(at)
    for n in (100, 10000):
        at.select_slider(key="rl_n_episodes").set_value(n).run()
        assert_ok(at)
    at.button(key="rl_new_episode").click().run()
    assert_ok(at)
    expander = [e for e in at.expander if "Math checks" in e.label]
    assert expander and expander[0].label.startswith(PASS)


def test_model_free_every_method():
    at = _app(**{"rl_view": "Model-free learning"})
    at.slider(key="rl_seeds").set_value(2)
    at.select_slider(key="rl_episodes").set_value(10)
    at.select_slider(key="rl_eps").set_value(0.2)
    at.select_slider(key="rl_alpha").set_value(0.5)
    at.slider(key="rl_smooth").set_value(5).run()
    assert_ok(at)
    expander = [e for e in at.expander if "Math checks" in e.label]
    assert expander and expander[0].label.startswith(PASS), [e.label for e in at.expander]
    assert "Bellman optimality" in _texts(at.markdown)
    for method in ("Q-learning", "SARSA", "TD(0) evaluation", "Monte Carlo evaluation"):
        at.selectbox(key="rl_method").set_value(method).run()
        at.button(key="rl_live_step").click().run()
        assert_ok(at)
        assert "step 10" in _texts(at.caption)
        expander = [e for e in at.expander if "Math checks" in e.label]
        assert expander and expander[0].label.startswith(PASS), method
    at.radio(key="rl_target").set_value("uniform random policy").run()
    at.button(key="rl_live_step").click().run()
    assert_ok(at)
    at.button(key="rl_live_reset").click().run()
    assert_ok(at)
    at.button(key="rl_live_play").click().run()  # one live tick runs inside the rerun
    assert_ok(at)
    assert "running" in _texts(at.caption)
    at.button(key="rl_live_play").click().run()
    assert_ok(at)
    assert "paused" in _texts(at.caption)
    at.select_slider(key="rl_eps").set_value(0.0)
    at.selectbox(key="rl_method").set_value("Q-learning").run()
    assert_ok(at)
    assert "never explores" in _texts(at.info)


@pytest.mark.slow
def test_cliff_view():
    at = _app(**{"rl_view": "Cliff: SARSA vs Q-learning", "rl_cliff_seeds": 10})
    at.select_slider(key="rl_cliff_seeds").set_value(20).run()
    assert_ok(at)
    table = at.table[0].value  # read-only: st.table (an HTML table), not the canvas grid
    assert list(table["method"]) == ["Q-learning", "SARSA"]


def test_edited_map_round_trips_through_the_url():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["rl_env"] = "Editable gridworld"
    at.query_params["rl_grid"] = "S,.,-2/#,.,G"
    at.run()
    assert_ok(at)
    assert at.text_area(key="rl_grid_text").value == "S . -2\n# . G"
    bad = AppTest.from_file(PAGE, default_timeout=120)
    bad.query_params["rl_env"] = "Editable gridworld"
    bad.query_params["rl_grid"] = "S,.,.//G"  # ragged: a message, not a crash
    bad.run()
    assert_ok(bad)
    assert "same number" in _texts(bad.error)


def test_long_episodes_keep_a_step_click_bounded():
    """Regression: Monte Carlo evaluation of the uniform random policy on CliffWalking (about
    5,000 steps per episode) with 1,000 episodes x 20 seeds per Step ran ~1e8 environment steps
    (minutes) in one click; the page now runs fewer episodes per click and says so."""
    at = _app(rl_env="CliffWalking", rl_view="Model-free learning")
    at.selectbox(key="rl_method").set_value("Monte Carlo evaluation").run()
    at.radio(key="rl_target").set_value("uniform random policy").run()
    at.select_slider(key="rl_episodes").set_value(1000).run()
    at.slider(key="rl_seeds").set_value(20).run()
    assert "instead of 1,000" in _texts(at.info)
    at.button(key="rl_live_step").click().run()
    assert_ok(at)
    done = at.session_state["rl_live"].stepper.steps_done
    assert 1 <= done <= 20, done
