"""Chinese-headed exports beside the English machine-readable ones: `<name>_zh.csv` / `_zh.parquet`
and one workbook `budgetqa.xlsx` with a sheet per view (排名, 文件评分, 问题清单, 规则统计).

The English files (`rankings.csv`, `scorecards.csv` …) keep their column keys for scripts; these
carry the same rows with Chinese headers and Chinese values for the coded columns (kind, status,
severity, category), for a person opening them in Excel or WPS.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from domain.model import CATEGORIES
from report import labels as L
from warehouse import Warehouse

# English column key → Chinese header, for every column of the four exports.
HEADERS: dict[str, str] = {
    "view": "视图", "kind": "类型", "rank": "排名", "tie": "并列", "department": "部门", "region": "地区",
    "year": "年度", "score": "总分", "grade": "等级", "errors": "错误数", "warnings": "警告数", "infos": "提示数",
    "documents": "文件数", "sha256": "文件SHA-256", "status": "状态", "error": "不评分原因", "path": "存档路径",
    "url": "原文网址", "format": "文件格式", "run_id": "运行编号", "source": "来源", "ordinal": "序号",
    "rule": "规则", "category": "类别", "severity": "严重程度", "table": "表", "code": "科目编码", "row": "行",
    "column": "列", "expected": "应为", "observed": "实际", "message": "说明", "page": "页码", "bbox": "坐标(pt)",
    "cell": "单元格", "paragraph": "段落", "excerpt": "原文摘录", "location": "位置", "findings": "问题数",
    "departments": "涉及部门数", "rule_zh": "规则说明",
    **{f"score_{c}": f"{L.zh(L.CATEGORY, c)}得分" for c in CATEGORIES},
}
# Coded values shown in Chinese.
VALUES: dict[str, dict[str, str]] = {
    "kind": {k: v[0] for k, v in L.KIND.items()} | {"all": "预算与决算"},
    "status": {k: v[0] for k, v in L.STATUS.items()},
    "severity": {k: v[0] for k, v in L.SEVERITY.items()},
    "category": {k: v[0] for k, v in L.CATEGORY.items()},
}
SHEETS = (("rankings", "排名"), ("scorecards", "文件评分"), ("findings", "问题清单"), ("rules", "规则统计"))


def export_warehouse(warehouse: Warehouse, out_dir: Path) -> dict[str, Path]:
    """The warehouse's current scorecards and findings as `scorecards.csv` / `findings.csv` (UTF-8
    with BOM, opens in Excel) and `.parquet`, and the whole report as `report.json`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cards = [flat_scorecard(c) for c in warehouse.scorecards()]
    docs = {c["sha256"]: c for c in cards}
    flat = []
    for f in warehouse.findings():
        d = docs.get(f["sha256"], {})
        loc = f.pop("location")
        flat.append({"sha256": f["sha256"], "department": d.get("department"), "region": d.get("region"),
                     "year": d.get("year"), "source": d.get("url") or d.get("path"),
                     **{k: v for k, v in f.items() if k != "sha256"},
                     "page": loc["page"], "bbox": json.dumps(loc["bbox"]) if loc["bbox"] else None,
                     "cell": loc["cell"], "paragraph": loc["paragraph"]})
    paths: dict[str, Path] = {}
    for name, rows, schema in (("scorecards", cards, SCORECARD_SCHEMA), ("findings", flat, FINDING_SCHEMA)):
        frame = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
        paths[f"{name}.csv"] = out_dir / f"{name}.csv"
        frame.write_csv(paths[f"{name}.csv"], include_bom=True)
        paths[f"{name}.parquet"] = out_dir / f"{name}.parquet"
        frame.write_parquet(paths[f"{name}.parquet"])
    paths["report.json"] = out_dir / "report.json"
    paths["report.json"].write_text(json.dumps(warehouse.report(), ensure_ascii=False, indent=1), encoding="utf-8")
    return paths


def flat_scorecard(c: dict) -> dict:
    flat = {k: c[k] for k in ("sha256", "department", "region", "year", "kind", "status", "error",
                              "score", "grade", "path", "url", "format")}
    flat |= {f"score_{c2}": c["categories"].get(c2) for c2 in CATEGORIES}  # not bare: `format` is the file's
    flat |= {"errors": c["counts"]["error"], "warnings": c["counts"]["warning"], "infos": c["counts"]["info"],
             "run_id": c["run_id"]}
    return flat


def _schema(spec: str) -> dict:
    types = {"s": pl.Utf8, "i": pl.Int64, "f": pl.Float64}
    return {name: types[t] for name, t in (item.split(":") for item in spec.split())}


SCORECARD_SCHEMA = _schema(
    "sha256:s department:s region:s year:i kind:s status:s error:s score:f grade:s path:s url:s format:s "
    + " ".join(f"score_{c}:f" for c in CATEGORIES) + " errors:i warnings:i infos:i run_id:s"
)
FINDING_SCHEMA = _schema(
    "sha256:s department:s region:s year:i source:s ordinal:i rule:s category:s severity:s table:s code:s "
    "row:s column:s expected:s observed:s message:s page:i bbox:s cell:s paragraph:i excerpt:s "
    "expected_value:f observed_value:f rounding_step:f"
)


def chinese(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """The frame with Chinese values for the coded columns and Chinese headers."""
    if name == "findings":
        frame = frame.with_columns(
            pl.Series("location", [_location(r) for r in frame.iter_rows(named=True)], dtype=pl.Utf8),
            pl.col("table").map_elements(L.table_name, return_dtype=pl.Utf8),
        )
    if name == "rules":
        frame = frame.with_columns(pl.col("rule").map_elements(L.rule_zh, return_dtype=pl.Utf8).alias("rule_zh"))
    if name == "rankings":
        frame = frame.with_columns(pl.when(pl.col("tie")).then(pl.lit("并列")).otherwise(pl.lit("")).alias("tie"))
    frame = frame.with_columns(pl.col(c).replace(VALUES[c]) for c in VALUES if c in frame.columns)
    return frame.rename({c: HEADERS.get(c, c) for c in frame.columns})


def _location(r: dict) -> str:
    loc = {"page": r["page"], "bbox": json.loads(r["bbox"]) if r["bbox"] else None, "cell": r["cell"],
           "paragraph": r["paragraph"]}
    zh, en = L.location_text(loc, r["column"]), L.location_en(loc, r["column"])
    return f"{zh} / {en}" if en else zh


def write_tables(data: Path, rankings: pl.DataFrame, rules: pl.DataFrame) -> dict[str, Path]:
    """`<name>_zh.csv`, `<name>_zh.parquet` and `budgetqa.xlsx` in `data` (the English files already there)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    frames = {"rankings": rankings, "scorecards": pl.read_parquet(data / "scorecards.parquet"),
              "findings": pl.read_parquet(data / "findings.parquet"), "rules": rules}
    paths: dict[str, Path] = {}
    book = Workbook(write_only=True)
    for name, title in SHEETS:
        zh = chinese(frames[name], name)
        paths[f"{name}_zh.csv"] = data / f"{name}_zh.csv"
        zh.write_csv(paths[f"{name}_zh.csv"], include_bom=True)
        paths[f"{name}_zh.parquet"] = data / f"{name}_zh.parquet"
        zh.write_parquet(paths[f"{name}_zh.parquet"])
        sheet = book.create_sheet(title)
        sheet.freeze_panes = "A2"
        for i, col in enumerate(zh.columns, 1):
            sheet.column_dimensions[get_column_letter(i)].width = 36 if col in ("说明", "原文摘录", "文件SHA-256") else 14
        sheet.append(zh.columns)
        for row in zh.iter_rows():
            sheet.append(list(row))
    paths["budgetqa.xlsx"] = data / "budgetqa.xlsx"
    book.save(paths["budgetqa.xlsx"])
    return paths
