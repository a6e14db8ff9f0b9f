"""Units: a correct disclosure gives no error whether its tables print 元, 千元, 万元 or 亿元.

The clean seed (tests/data/seed/clean_seed.yaml, narrative in 万元) is rewritten with every table
amount rescaled exactly into another unit and its '单位：' lines changed, rendered as XLSX,
extracted and validated. domain.units is the one conversion the rules use.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path

import pytest

from benchmarks.mutations.generate import render
from domain.units import convert, power_of_ten_apart, printed_decimals, to_wan, wan_per
from expectations import validate
from extract import extract_file
from samples.seed_docs import load_blocks

CLEAN = Path(__file__).resolve().parent / "data" / "seed" / "clean_seed.yaml"
_AMOUNT = re.compile(r"^-?\d[\d,]*\.\d+$")
SHIFT = {"元": 4, "千元": 1, "万元": 0, "亿元": -4}  # decimal places the point moves from 万元


def _rescale(text: str, unit: str) -> str:
    """An amount printed in 万元, printed exactly in `unit` (no digit gained or lost)."""
    digits = text.replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    value = Decimal(digits).scaleb(SHIFT[unit])
    return f"{value:.{max(0, decimals - SHIFT[unit])}f}"


def in_unit(blocks: list[dict], unit: str) -> list[dict]:
    out = copy.deepcopy(blocks)
    for block in out:
        if "p" in block:
            block["p"] = block["p"].replace("单位：万元", f"单位：{unit}")
        elif "table" in block:
            # an amount has decimals, or is a whole number right of the name column ('20'); codes are left
            block["table"]["rows"] = [[_cell(c, unit, amount_column=i >= 2) for i, c in enumerate(row)]
                                      for row in block["table"]["rows"]]
    return out


def _cell(cell: str | dict, unit: str, amount_column: bool) -> str | dict:
    if isinstance(cell, dict):  # a merged cell: {'text': …, 'colspan': n}
        return {**cell, "text": _cell(cell["text"], unit, amount_column)}
    text = cell.strip("\u3000 ")
    if _AMOUNT.match(text) or (amount_column and re.fullmatch(r"\d{1,4}", text)):
        return _rescale(text, unit)
    return cell.replace("单位：万元", f"单位：{unit}")


def test_one_conversion_for_every_unit():
    assert [wan_per(u) for u in ("元", "千元", "万元", "亿元")] == [1e-4, 0.1, 1.0, 1e4]
    assert to_wan(1682.76, "元") == pytest.approx(0.168276)
    assert convert(2.5, "亿元", "元") == pytest.approx(250_000_000)
    assert convert(4579.0, "千元", "万元") == pytest.approx(457.9)
    assert power_of_ten_apart(1682.76, 0.168276) == 4 and power_of_ten_apart(3.0, 2.0) is None
    assert _rescale("457.90", "元") == "4579000" and _rescale("457.90", "亿元") == "0.045790"


def test_printed_decimals_is_the_rounding_step_of_the_text():
    texts = ["1,234.560000", "457.90.", "-12.5", "44.36%", "1682.76，万元", "１２.５", "2024", "", None, "无"]
    assert [printed_decimals(t) for t in texts] == [6, 2, 1, 2, 2, 1, 0, 0, 0, 0]


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["元", "千元", "万元", "亿元"])
def test_a_clean_document_in_any_unit_has_no_finding(unit, tmp_path):
    blocks = in_unit(load_blocks(CLEAN), unit)
    [doc] = extract_file(render(blocks, "xlsx", tmp_path, tmp_path / "lo", f"clean-{unit}"))
    assert doc.status == "ok"
    assert {t.unit for t in doc.tables if t.kind and t.kind != "three_public"} == {unit}
    errors = [(f.rule, f.table, f.code, f.row, f.expected, f.observed) for f in validate([doc])[0]
              if f.severity in ("error", "warning")]
    assert errors == []
