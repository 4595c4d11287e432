"""The §8 checks block, with a neutral state for checks that need a trained flow."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import ui
from ui.checks import FAIL, PASS, WAIT, WARN


@dataclass(frozen=True)
class Pending:
    """A check that only means something after training (e.g. ∫ p_X ≈ 1 over the data's box):
    shown as an hourglass, "needs training": neither a pass nor a fail, and it does not turn
    the block's mark to a warning."""

    name: str
    detail: str = ""


def show(checks: list[ui.Check], pending: list[Pending] = ()) -> None:
    """``ui.show_checks`` plus the pending checks, in one expander."""
    if not pending:
        ui.show_checks(checks)
        return
    ok = all(c.passed for c in checks)
    with st.expander(f"{PASS if ok else WARN} Math checks (computed live)", expanded=not ok):
        for c in checks:
            st.markdown(
                f"{PASS if c.passed else FAIL} **{c.name}**: {c.value:.3g} (tolerance {c.tol:.0e})"
                + (f" — {c.detail}" if c.detail else "")
            )
        for p in pending:
            detail = f" — {p.detail}" if p.detail else ""
            st.markdown(f"{WAIT} **{p.name}**: needs training{detail}")
