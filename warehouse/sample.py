"""Hand-made documents for the warehouse, report and orchestration tests (no extraction needed)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator

import polars as pl

from domain.model import Document, Finding, Location, Paragraph, SourceFile, Table


def _sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


# Enough text to be assessed on the narrative (scoring.weights.MIN_PARAGRAPHS).
SECTIONS = ("一、部门职责", "二、机构设置", "三、收支预算总体情况", "四、“三公”经费预算情况", "五、机关运行经费",
            "六、政府采购情况", "七、绩效目标设置情况")


def finding(category: str = "arithmetic", severity: str = "error", rule: str | None = None, **kw) -> Finding:
    return Finding(
        rule=rule or f"{category}.sample",
        category=category,
        severity=severity,
        table=kw.pop("table", "gpb_expenditure"),
        message=kw.pop("message", f"样例问题 / sample {category} {severity}"),
        **kw,
    )


def document(name: str, findings: list[Finding] | None = None, **kw) -> Document:
    fmt = kw.pop("format", "pdf")
    source = SourceFile(path=f"/data/{name}.{fmt}", sha256=_sha(name), format=fmt, url=kw.pop("url", None))
    rows = pl.DataFrame({"row": [0, 1], "side": ["", ""], "code": ["201", "20103"],
                         "raw_code": ["201", "20103"], "name": ["一般公共服务支出", "政府办公厅（室）及相关机构事务"],
                         "raw_name": ["一般公共服务支出", "政府办公厅（室）及相关机构事务"], "total": [457.9, 457.9]})
    tables = kw.pop("tables", None)
    if tables is None:
        tables = [Table(kind="gpb_expenditure", title="一般公共预算支出表", number=2, unit="万元", pages=[3],
                        measures=["total"], rows=rows, index=0)]
    return Document(source=source, findings=findings or [], tables=tables,
                    paragraphs=kw.pop("paragraphs", [Paragraph(i, t, 1) for i, t in enumerate(SECTIONS)]), **kw)


def seed_like() -> list[Document]:
    """Three departments over two years, one unreadable file; findings with every location kind."""
    dj = dict(department="杜集区政府办公室", region="淮北市杜集区", kind="budget", unit="万元")
    return [
        document("dj2021", year=2021, url="http://www.hbdj.gov.cn/2021/yusuan.pdf", findings=[
            finding("code", rule="code.parent_prefix", code="2050505", row="机关事业单位基本养老保险缴费支出",
                    expected="20805xx", observed="2050505",
                    message="科目编码与上级科目 20805 不一致 / code is not under its parent 20805",
                    location=Location(page=3, bbox=[72.0, 410.5, 520.3, 428.1])),
            finding("format", rule="format.trailing_dot", table="fiscal_summary", row="一般公共服务支出",
                    column="total", expected="457.90", observed="457.90.",
                    message="金额格式错误（末尾多余小数点）/ malformed amount", location=Location(page=2, bbox=[300, 200, 340, 212])),
            finding("completeness", rule="completeness.required_table", table="three_public",
                    message="缺少“三公”经费支出表 / the three_public table is missing"),
            finding("narrative", severity="warning", rule="narrative.share_rounding", table="narrative",
                    expected="44.36%", observed="44.35%", message="占比取舍不一致 / share truncated",
                    location=Location(paragraph=41)),
        ], paragraphs=[*(Paragraph(i, t, 1) for i, t in enumerate(SECTIONS)),
                       Paragraph(41, "一般公共服务支出457.90万元，占44.35%；社会保障和就业支出20.78万元。", 4)], **dj),
        document("dj2022", year=2022, findings=[
            finding("arithmetic", severity="warning", rule="arithmetic.rounding", row="合计", column="total",
                    expected="525.85", observed="525.84", location=Location(cell="表2!C12")),
        ], **dj),
        document("xfj2022", year=2022, department="杜集区信访局", region="淮北市杜集区", kind="budget", unit="万元",
                 format="xlsx"),
        document("broken", year=2022, department="杜集区财政局", region="淮北市杜集区", kind="budget",
                 status="unreadable", error="PDF 已加密 / encrypted PDF", tables=[], paragraphs=[]),
    ]


# -- a synthetic warehouse of any size (benchmarks/report_scale.py, the report's browser tests) ------
YEARS = (2021, 2022, 2023, 2024, 2025)
RULES = (("arithmetic", "error", "arithmetic.parent_sum"), ("arithmetic", "warning", "arithmetic.column_total"),
         ("code", "error", "code.parent_prefix"), ("cross_table", "error", "cross_table.totals"),
         ("narrative", "warning", "narrative.share"), ("format", "warning", "format.malformed_amount"),
         ("completeness", "warning", "completeness.required_tables"), ("format", "info", "format.heading_year"))
PROVINCES = ("江苏省", "浙江省", "上海市", "安徽省", "广西壮族自治区", "四川省", "天津市", "河南省", "湖南省", "重庆市")
UNITS = ("财政局", "教育局", "公安局", "民政局", "卫生健康委员会", "交通运输局", "生态环境局", "审计局", "统计局", "水务局",
         "司法局", "应急管理局", "农业农村局", "商务局", "文化和旅游局", "人力资源和社会保障局")
_MUNICIPAL = ("上海市", "天津市", "重庆市")


def regions(n: int) -> list[str]:
    """`n` distinct region names at the three levels, in cycles of a province (its first time), a
    prefecture in it and four counties in that ('江苏省', '江苏省第1市', '江苏省第1市第1区', …); a
    municipality's cycle is five of its districts ('上海市第31区')."""
    out: list[str] = []
    k = 0
    while len(out) < n:
        province = PROVINCES[k % len(PROVINCES)]
        cycle = [province] if k < len(PROVINCES) else []
        if province in _MUNICIPAL:
            cycle += [f"{province}第{(k + 1) * 10 + j}区" for j in range(1, 6)]
        else:
            prefecture = f"{province}第{k + 1}市"
            cycle += [prefecture, *(f"{prefecture}第{j}{'区' if j % 2 else '县'}" for j in range(1, 5))]
        out += cycle
        k += 1
    return out[:n]


def synthetic(n_documents: int, seed: int = 7) -> Iterator[Document]:
    """`n_documents` scored documents (rounded down to whole departments): each department publishes
    a budget and a final account for each of YEARS, ten departments per region; 0–6 findings each
    (seeded); about 2 % unreadable, 3 % narrative only (tables not assessed), 1 % without a
    recognised department."""
    from scoring import score_document

    rng = random.Random(seed)
    per_dept = len(YEARS) * 2
    n_depts = max(1, n_documents // per_dept)
    places = regions(max(1, n_depts // 10))
    for d in range(n_depts):
        region = places[d % len(places)]
        unit = UNITS[d // len(places) % len(UNITS)]
        dept = f"{region}{unit}" + ("" if d < len(places) * len(UNITS) else f"{d}")
        care = rng.random()  # some departments are careless every year
        for year in YEARS:
            for kind in ("budget", "final_accounts"):
                draw = rng.random()
                status = "unreadable" if draw < 0.02 else "ok"
                found = [finding(c, s, rule=r, row="合计", column="total", expected="100.00", observed="99.00")
                         for c, s, r in rng.sample(RULES, int(rng.random() * 7 * care))] if status == "ok" else []
                extra: dict = {}
                if status != "ok":
                    extra = {"tables": [], "paragraphs": [], "error": "PDF 已加密 / encrypted PDF"}
                elif draw < 0.05:
                    extra = {"tables": []}
                    found = [f for f in found if f.category == "narrative"]
                doc = document(f"synthetic-{d}-{year}-{kind}", found, department=None if rng.random() < 0.01 else dept,
                               region=region, year=year, kind=kind, unit="万元", status=status,
                               url=f"https://budget.example.gov.cn/{d}/{year}/{kind}.pdf", **extra)
                doc.scorecard = score_document(doc)
                yield doc
