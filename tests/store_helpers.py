"""What the store tests share: a reject of the shape :mod:`ceasefire.sources` makes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reject:
    """A reject as :mod:`ceasefire.sources` makes them (the store reads it structurally)."""

    file: str
    line: int
    field: str
    value: str | None
    reason: str
