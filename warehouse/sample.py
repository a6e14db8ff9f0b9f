"""Hand-made documents for the warehouse, report and orchestration tests (no extraction needed)."""

from __future__ import annotations

import hashlib

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
                    expected="44.36%", observed="44.35%", expected_value=44.36, observed_value=44.35,
                    rounding_step=0.01, message="占比取舍不一致 / share truncated",
                    location=Location(paragraph=41)),
        ], paragraphs=[*(Paragraph(i, t, 1) for i, t in enumerate(SECTIONS)),
                       Paragraph(41, "一般公共服务支出457.90万元，占44.35%；社会保障和就业支出20.78万元。", 4)], **dj),
        document("dj2022", year=2022, findings=[
            finding("arithmetic", severity="warning", rule="arithmetic.rounding", row="合计", column="total",
                    expected="525.85", observed="525.84", expected_value=525.85, observed_value=525.84,
                    rounding_step=0.01, location=Location(cell="表2!C12")),
        ], **dj),
        document("xfj2022", year=2022, department="杜集区信访局", region="淮北市杜集区", kind="budget", unit="万元",
                 format="xlsx"),
        document("broken", year=2022, department="杜集区财政局", region="淮北市杜集区", kind="budget",
                 status="unreadable", error="PDF 已加密 / encrypted PDF", tables=[], paragraphs=[]),
    ]
