"""'Math checks' block: the page verifies its own numbers against a reference, live."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

# Check marks as Material Symbols (a font Streamlit ships), not emoji: projector PCs often have
# no colour-emoji font, and then ✅ / ❌ come out as empty boxes.
PASS = ":green[:material/check_circle:]"
FAIL = ":red[:material/cancel:]"
WARN = ":orange[:material/warning:]"
WAIT = ":gray[:material/hourglass_empty:]"  # a check that needs training first: neutral


@dataclass(frozen=True)
class Check:
    """``name``: what is compared; ``value``: measured discrepancy; passes when value <= tol."""

    name: str
    value: float
    tol: float
    detail: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.value <= self.tol)  # NaN fails


def show_checks(
    checks: list[Check], title: str = "Math checks (computed live)", expanded: bool = False
) -> None:
    ok = all(c.passed for c in checks)
    with st.expander(f"{PASS if ok else WARN} {title}", expanded=expanded or not ok):
        for c in checks:
            mark = PASS if c.passed else FAIL
            st.markdown(
                f"{mark} **{c.name}**: {c.value:.3g} (tolerance {c.tol:.0e})"
                + (f" — {c.detail}" if c.detail else "")
            )
