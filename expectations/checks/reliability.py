"""Is a table read reliably? The signature of a misread is a table whose own identities fail on
most of its rows: a faithful reading of even a careless document leaves most sums intact.

`table_reliability` is one row per table with `checked` identities (parent = Σ children,
合计 = 基本 + 项目, 基本 = 人员 + 公用, income sources, column totals, 三公 sums) and codes, and how
many of each `failed`. A table with at least MIN_CHECKED checks of which at least MOST fail is
not `reliable`: the runner then reports no arithmetic, code, cross-table or
narrative error from it (one info finding says so), and the categories are 'not assessed'.
"""

from __future__ import annotations

import re

import polars as pl

from domain.model import TABLE_KINDS, Document
from expectations.checks import arithmetic, codes
from expectations.frames import Derived, check_frame

MIN_CHECKED = 6  # fewer checks than this are too little evidence of a misread
MOST = 0.5
IDENTITY_RULES = (arithmetic.parent_sum, arithmetic.basic_plus_project, arithmetic.personnel_plus_public,
                  arithmetic.income_sources, arithmetic.column_total, arithmetic.three_public_sum,
                  arithmetic.carryover_identity)


def _identity_counts(documents: list[Document], derived: Derived) -> pl.DataFrame:
    frames = [f.select("doc", "tindex", "excess") for build in IDENTITY_RULES if (f := derived.frame(build, documents)).height]
    if not frames:
        return pl.DataFrame(schema={"doc": pl.Int64, "tindex": pl.Int64, "checked": pl.UInt32, "failed": pl.UInt32})
    return (pl.concat(frames).filter(pl.col("excess").is_not_null())
            .group_by("doc", "tindex")
            .agg(pl.len().alias("checked"), (pl.col("excess") > 0).sum().cast(pl.UInt32).alias("failed")))


def _code_counts(documents: list[Document], derived: Derived) -> pl.DataFrame:
    frame = derived.frame(codes.code_format, documents)
    if not frame.height:
        return pl.DataFrame(schema={"doc": pl.Int64, "tindex": pl.Int64, "codes": pl.UInt32, "bad_codes": pl.UInt32})
    bad = ~pl.col("shape").str.contains(codes.CODE_SHAPE) & (pl.col("severity").fill_null("") != "info")
    return frame.group_by("doc", "tindex").agg(pl.len().alias("codes"), bad.sum().cast(pl.UInt32).alias("bad_codes"))


def _misread(failed: str, checked: str) -> pl.Expr:
    return (pl.col(checked) >= MIN_CHECKED) & (pl.col(failed) >= MOST * pl.col(checked))


def table_reliability(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """One row per table with identities or codes: `reliable` False when most of them fail."""
    counts = _identity_counts(documents, derived).join(_code_counts(documents, derived), on=["doc", "tindex"], how="full",
                                              coalesce=True).fill_null(0)
    if not counts.height:
        return check_frame([], {"reliable": pl.Boolean})
    counts = counts.with_columns(reliable=~(_misread("failed", "checked") | _misread("bad_codes", "codes")))
    out = []
    for d, t, checked, failed, n_codes, bad, reliable in counts.select(
            "doc", "tindex", "checked", "failed", "codes", "bad_codes", "reliable").sort("doc", "tindex").iter_rows():
        table = documents[d].tables[t]
        what = f"{failed}/{checked} 个勾稽关系不成立" if failed >= bad else f"{bad}/{n_codes} 个科目编码格式不对"
        what_en = f"{failed} of {checked} identities fail" if failed >= bad else f"{bad} of {n_codes} codes malformed"
        name = TABLE_KINDS.get(table.kind or "", table.kind or "")
        title = re.sub(r"\s+", "", table.title or "") or name
        out.append({
            "doc": d, "table": table.kind, "tindex": t, "row": None, "code": None, "name": title, "column": None,
            "expected": "表格可可靠读取", "observed": what, "reliable": reliable, "severity": "info",
            "message": (f"“{title}”读取存疑：{what}，更可能是版式未被正确识别而非文件本身有误；本表不据此报告算术、编码、"
                        f"跨表和说明错误，相关类别记为未评估 / {name} could not be read reliably ({what_en}): "
                        "more likely a misread layout than a faulty document, so no errors are raised from it"),
        })
    return check_frame(out, {"reliable": pl.Boolean})
