"""The §8 checks block, with a neutral state for checks that need a trained flow."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import ui


@dataclass(frozen=True)
class Pending:
    """A check that only means something after training (e.g. ∫ p_X ≈ 1 over the data's box):
    shown as ⏳ "needs training", neither ✅ nor ❌, and it does not turn the block's ⚠."""

    name: str
    detail: str = ""


def show(checks: list[ui.Check], pending: list[Pending] = ()) -> None:
    """``ui.show_checks`` plus the pending checks, in one expander."""
    if not pending:
        ui.show_checks(checks)
        return
    ok = all(c.passed for c in checks)
    with st.expander(f"{'✅' if ok else '⚠️'} Math checks (computed live)", expanded=not ok):
        for c in checks:
            st.markdown(
                f"{'✅' if c.passed else '❌'} **{c.name}**: {c.value:.3g} (tolerance {c.tol:.0e})"
                + (f" — {c.detail}" if c.detail else "")
            )
        for p in pending:
            st.markdown(f"⏳ **{p.name}**: needs training" + (f" — {p.detail}" if p.detail else ""))
