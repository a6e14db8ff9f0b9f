"""Units of money as printed (元, 千元, 万元, 亿元), the one conversion between them, and the
printed precision of an amount.

Every rule that compares amounts of two tables, or a narrative figure with a table, converts
through `to_wan`; nothing else multiplies by 10 000. The decimals an amount is printed with
(its rounding step) are read by `printed_decimals` only.
"""

from __future__ import annotations

import re

# How many 万元 one printed unit is.
WAN_PER_UNIT: dict[str, float] = {"元": 1e-4, "千元": 1e-1, "万元": 1.0, "亿元": 1e4}
UNITS: tuple[str, ...] = tuple(WAN_PER_UNIT)
UNIT_PATTERN = r"(?:亿元|万元|千元|元)"
_UNIT_LINE = re.compile(r"单\s*位\s*[:：]?\s*(亿元|万元|千元|元)")
_NUMBER_TEXT = re.compile(r"\d[\d,]*(?:\.(\d+))?")


def wan_per(unit: str | None, default: str = "万元") -> float:
    """The factor from `unit` to 万元 (an unknown or missing unit is taken as `default`)."""
    return WAN_PER_UNIT.get(unit or default, WAN_PER_UNIT[default])


def to_wan(value: float | None, unit: str | None, default: str = "万元") -> float | None:
    """An amount printed in `unit`, in 万元."""
    return None if value is None else value * wan_per(unit, default)


def convert(value: float | None, from_unit: str | None, to_unit: str | None) -> float | None:
    """An amount printed in `from_unit`, expressed in `to_unit`."""
    if value is None:
        return None
    return value * wan_per(from_unit) / wan_per(to_unit)


def unit_in(text: str) -> str | None:
    """The unit a '单位：万元' line states, or None."""
    m = _UNIT_LINE.search(text)
    return m.group(1) if m else None


def power_of_ten_apart(a: float, b: float, tolerance: float = 1e-3) -> int | None:
    """k ≠ 0 when a ≈ b × 10^k for a k in ±{1, 3, 4, 8} (the gaps between printed units), else None."""
    if not a or not b:
        return None
    ratio = a / b
    for k in (4, -4, 3, -3, 1, -1, 8, -8):
        if abs(ratio / 10**k - 1) < tolerance:
            return k
    return None


def printed_decimals(text: str | None) -> int:
    """The decimals the first number in `text` is printed with: '1,234.560000' → 6, '44.36%' → 2, '12' → 0."""
    m = _NUMBER_TEXT.search(text) if text else None
    return len(m.group(1)) if m and m.group(1) else 0
