"""Handling time limits as written in the city's case standard: ``"30m"``, ``"4h"``, ``"5d"``.

Offers ``ClockBasis`` and ``parse_limit`` to the reference-data loader and the SLA clocks.
On a *working* basis an hour is a working hour and a day is a working day of
``WORKING_DAY_HOURS`` working hours (the standards count "5 working days", not calendar days);
on a *wall* basis (emergencies: the "135" and "103060" norms) they are plain clock time.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum

WORKING_DAY_HOURS = 8

_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")


class ClockBasis(StrEnum):
    WALL = "wall"  # every minute counts: emergencies
    WORKING = "working"  # only working hours on working days count: ordinary cases


def parse_limit(text: str, basis: ClockBasis) -> timedelta:
    """``"4h"`` → 4 hours (of working time on a working basis); ``"5d"`` on a working basis →
    5 × 8 working hours, on a wall basis → 5 × 24 hours. Raises ``ValueError`` naming the text."""
    match = _LIMIT.match(text)
    if match is None:
        raise ValueError(f"time limit {text!r} is not a number followed by m, h or d (e.g. '4h')")
    amount = float(match.group(1))
    if amount <= 0:
        raise ValueError(f"time limit {text!r} must be positive")
    unit = match.group(2)
    if unit == "m":
        return timedelta(minutes=amount)
    if unit == "h":
        return timedelta(hours=amount)
    day_hours = WORKING_DAY_HOURS if basis is ClockBasis.WORKING else 24
    return timedelta(hours=amount * day_hours)
