"""Pure functions that turn printed cell text into values: amounts and codes (names: domain/names.py).

Each returns the cleaned value; `parse_amount` also names the format problem of the raw
text (e.g. "trailing_dot") so validation can report it against the cell.
"""

from __future__ import annotations

import re

from domain.names import SPACES as _SPACES

# Full-width → ASCII for digits and the punctuation that appears in amounts and codes.
_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９，．－（）％＋",
    "0123456789,.-()%+",
)
# Texts that mean "no value" in a cell.
EMPTY_MARKERS: frozenset[str] = frozenset(
    {"", "-", "--", "－", "—", "——", "–", "/", "*", "**", "本表无数据", "此表为空", "无", "空"}
)
_PLAIN = re.compile(r"^\d+(?:\.\d+)?$")
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_LOOSE = re.compile(r"^\d[\d,]*(?:\.\d+)?$")


def _compact(text: str) -> str:
    return _SPACES.sub("", text)


def parse_amount(text: str | None) -> tuple[float | None, str | None]:
    """Parse a printed amount → (value, problem).

    Empty, dashes and '本表无数据' → (None, None). '457.90.' → (457.9, 'trailing_dot');
    '(12.5)' / '-12.5' → -12.5; full-width digits or commas → value with 'full_width';
    misplaced thousands separators → value with 'bad_grouping'; '12.5%' → (None, 'percent');
    anything else non-empty → (None, 'not_a_number').
    """
    if text is None:
        return None, None
    raw = _compact(text)
    if raw in EMPTY_MARKERS:
        return None, None
    s = raw.translate(_FULL_WIDTH)
    problem = "full_width" if s != raw else None
    if s in EMPTY_MARKERS:
        return None, None
    if s.endswith("%"):
        return None, "percent"
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    elif s.startswith("-"):
        negative, s = True, s[1:]
    elif s.startswith("+"):
        s = s[1:]
    if re.fullmatch(r"\d[\d,]*(?:\.\d+)?\.", s):
        s, problem = s[:-1], "trailing_dot"
    if s.startswith(".") and re.fullmatch(r"\.\d+", s):
        s = "0" + s
    if _PLAIN.match(s) or _GROUPED.match(s):
        value = float(s.replace(",", ""))
    elif _LOOSE.match(s):
        value = float(s.replace(",", ""))
        problem = problem or "bad_grouping"
    else:
        return None, "not_a_number"
    return (-value if negative else value), problem


def looks_like_amount(text: str | None) -> bool:
    """True when the text parses as an amount (the problem may still be set)."""
    value, _ = parse_amount(text)
    return value is not None


def clean_code(text: str | None) -> str:
    """' 20103' → '20103'; full-width digits → ASCII; every kind of space removed."""
    if not text:
        return ""
    return _compact(text).translate(_FULL_WIDTH)




def split_code_parts(
    lei: str | None, kuan: str | None, xiang: str | None, previous: tuple[str, str, str] | None = None
) -> tuple[str, str, str]:
    """The effective 类/款/项 of a row printed in split columns.

    A blank 类 (or 类 and 款) is carried down from the previous row when a lower part is
    present, as real PDFs print it; 款/项 that lost their leading zero ('2') are padded ('02').
    """
    a, b, c = clean_code(lei), clean_code(kuan), clean_code(xiang)
    if len(b) == 1 and b.isdigit():
        b = "0" + b
    if len(c) == 1 and c.isdigit():
        c = "0" + c
    if previous is not None:
        pa, pb, _ = previous
        if not a and (b or c):
            a = pa
        if not b and c:
            b = pb
    return a, b, c


def join_split_code(
    lei: str | None, kuan: str | None, xiang: str | None, previous_codes: tuple[str, str, str] | None = None
) -> str:
    """'210','11','01' → '2101101'; ('', '11', '02') after a 210 row → '2101102'; '' when blank."""
    a, b, c = split_code_parts(lei, kuan, xiang, previous_codes)
    code = ""
    for part in (a, b, c):
        if not part:
            break
        code += part
    return code
