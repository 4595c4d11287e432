"""AppTest of §5 Generative Models: renders, every view, a sample click with downloads, bad
inputs from the URL, and the recorded table matches the registry."""

import json
import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.diffusion.mnist import QUICK_STEPS
from core.generative.measure import TABLE
from core.generative.registry import BY_NAME, MODELS
from core.generative.steps import FILE as STEPS_FILE
from core.pretrained import PRETRAINED_DIR
from tests.apptest import assert_ok

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "05_Generative_Models.py")
VIEWS = ["Measured table", "Same seed, every family", "Quality vs sampling time", "Sample a model"]


def _app(**query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    return at


def test_recorded_table_covers_every_model():
    t = json.loads((PRETRAINED_DIR / TABLE).read_text())
    assert {r["name"] for r in t["rows"]} == {m.name for m in MODELS}
    for r in t["rows"]:
        if r["kind"] == "image":
            assert 0 <= r["precision"] <= 1 and 0 <= r["recall"] <= 1 and r["frechet"] > 0
        assert r["seconds_64"] > 0
    gan = next(r for r in t["rows"] if r["family"] == "implicit")
    assert gan["nats"] is None and "no density" in gan["nll_kind"]


def test_recorded_autoregressive_rows():
    """Every §7 ladder model is a row: its exact NLL is its manifest's (binarised digits), and
    its samples were scored against the binarised split (recorded as such)."""
    from core.autoregressive.pretrained import CONFIGS
    from core.pretrained import read_manifest

    rows = {r["name"]: r for r in json.loads((PRETRAINED_DIR / TABLE).read_text())["rows"]}
    for name in CONFIGS:
        r, m = rows[name], read_manifest(name)["metrics"]
        assert BY_NAME[name].data == "binary" and r["data"] == "binary"
        assert "binarised" in r["nll_kind"] and r["nats"] == pytest.approx(m["test_nll_nats"])
        assert r["bpd"] == pytest.approx(r["nats"] / (784 * math.log(2)))
        assert 0 <= r["precision"] <= 1 and r["frechet"] > 0 and r["mem_ratio"] > 0


def test_slow_sampler_is_capped_not_run():
    """Asking the gated PixelCNN for 1,024 samples (minutes of CPU) says why, offers the CLI,
    and disables the button rather than tying up the shared server."""
    at = _app(gen_view="Sample a model", gen_model="ar_gated_pixelcnn", gen_n="1024")
    at.run()
    assert_ok(at)
    assert any("python -m core.pretrained sample ar_gated_pixelcnn" in w.value for w in at.warning)
    assert at.button(key="gen_sample").disabled


def test_sample_an_autoregressive_model():
    at = _app(gen_view="Sample a model", gen_model="ar_nade", gen_n="8", gen_seed="2")
    at.run()
    at.button(key="gen_sample").click().run()
    assert_ok(at)
    assert len(at.get("download_button")) == 2
    at.run()  # the next rerun (a download click reruns) serves the same samples from the cache
    assert_ok(at)
    assert len(at.get("download_button")) == 2
    lines = [m.value for m in at.markdown if "(tolerance" in m.value]
    assert lines and all("check_circle" in v for v in lines), lines


def test_recorded_unet_bound_and_quick_steps():
    """The U-Net's L_vlb is in the table (a bound on -ln P of 8-bit digits: positive, its parts
    add up, bits/dim consistent, a standard error); the steps table holds the old S = 50 and
    the quick S, and the registry's text states the quick S."""
    t = json.loads((PRETRAINED_DIR / TABLE).read_text())
    u = next(r for r in t["rows"] if r["name"] == "diffusion_unet_mnist")
    assert "L_vlb" in u["nll_kind"] and u["nats"] > 0 and 0 < u["nats_se"] < 0.2 * u["nats"]
    assert u["bpd"] == pytest.approx(u["nats"] / (784 * math.log(2)))
    assert sum(u["vlb_parts"].values()) == pytest.approx(u["nats"], rel=1e-9)
    assert 0 < u["nats_mc_se"] <= u["nats_se"]
    s = json.loads((PRETRAINED_DIR / STEPS_FILE).read_text())
    by_s = {r["S"]: r for r in s["rows"]}
    assert {50, QUICK_STEPS} <= set(by_s) and s["quick_steps"] == QUICK_STEPS
    assert by_s[QUICK_STEPS]["cpu_seconds_64"] < by_s[50]["cpu_seconds_64"]
    assert f"DDIM with {QUICK_STEPS} steps" in BY_NAME["diffusion_unet_mnist"].summary


def test_every_view_renders():
    at = _app()
    at.run()
    assert_ok(at)
    assert at.table, "the measured table is shown (a plain st.table: read-only)"
    assert not at.dataframe
    for v in VIEWS[1:]:
        at.radio(key="gen_view").set_value(v).run()
        assert_ok(at)
        if v == "Quality vs sampling time":
            assert at.table, "the U-Net's quality vs DDIM steps table"


def test_sample_click_gives_grid_and_downloads():
    at = _app(gen_view="Sample a model", gen_model="vae_16d", gen_n="16", gen_seed="3")
    at.run()
    assert_ok(at)
    at.button(key="gen_sample").click().run()
    assert_ok(at)
    assert len(at.get("download_button")) == 2


def test_sample_a_flow():
    at = _app(gen_view="Sample a model", gen_model="flow_realnvp_rings", gen_n="200")
    at.run()
    at.button(key="gen_sample").click().run()
    assert_ok(at)
    assert len(at.get("download_button")) == 2


@pytest.mark.parametrize(
    "query",
    [
        {"gen_view": "Sample a model", "gen_n": "-5"},
        {"gen_view": "Sample a model", "gen_n": "100000"},
        {"gen_view": "Sample a model", "gen_seed": "abc"},
        {"gen_view": "Sample a model", "gen_model": "no_such_model"},
        {"gen_view": "nope"},
        {"gen_view": "Measured table", "gen_mem_model": "judge"},
        {"gen_view": "Quality vs sampling time", "gen_quality": "bogus"},
    ],
)
def test_bad_url_inputs_do_not_break_the_page(query):
    at = _app(**query)
    at.run()
    assert_ok(at)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"gen_view": "Same seed, every family"},
        {"gen_view": "Sample a model", "gen_model": "vae_2d", "gen_n": "20", "gen_seed": "4"},
    ],
)
def test_live_checks_run_and_pass(query):
    """Each view shows its math checks (re-derived live), and every one passes."""
    at = _app(**query)
    at.run()
    if "gen_n" in query:
        at.button(key="gen_sample").click().run()
    assert_ok(at)
    lines = [m.value for m in at.markdown if "(tolerance" in m.value]
    assert len(lines) >= (1 if query.get("gen_view") == "Same seed, every family" else 3), lines
    assert all("check_circle" in v for v in lines), lines
    assert all("check_circle" in e.label for e in at.expander if "checks" in e.label)
