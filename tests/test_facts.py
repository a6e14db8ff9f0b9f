"""extract.facts: department, region, year, kind and unit from the content, not the file name."""

from pathlib import Path

import pytest

from budgetqa.model import Paragraph, Table
from extract.facts import document_facts

CORPUS = Path("/work/shared/corpus/real")


def _paras(*texts: str) -> list[Paragraph]:
    return [Paragraph(index=i, text=t) for i, t in enumerate(texts)]


def test_seed_like_facts_from_titles_and_paragraphs():
    tables = [
        Table(kind="fiscal_summary", title="杜集区政府办公室2021年财政拨款收支总表", unit="万元"),
        Table(kind="gpb_expenditure", title="杜集区政府办公室2021年一般公共预算支出表", unit="万元"),
        Table(kind="projects", title="2021年项目支出表", unit="元"),
    ]
    paras = _paras("第一部分 部门概况", "从预算单位构成看，杜集区政府办公室2021年度部门预算包括政府办本级预算")
    facts = document_facts(paras, tables, "whatever_2019.pdf")
    assert facts == {"department": "杜集区政府办公室", "region": "杜集区", "year": 2021, "kind": "budget", "unit": "万元"}


def test_labels_win_over_file_name_and_final_accounts_kind():
    tables = [Table(kind="fa_overall_summary", title="收入支出决算总表", unit="元")]
    facts = document_facts(_paras("2019年度部门决算"), tables, "2026年某某局_部门预算.pdf",
                           context=["部门：苏州市审计局 单位：元"])
    assert facts["department"] == "苏州市审计局"
    assert facts["region"] == "苏州市"
    assert (facts["year"], facts["kind"], facts["unit"]) == (2019, "final_accounts", "元")


def test_no_content_gives_none():
    assert document_facts([], [], None) == {"department": None, "region": None, "year": None, "kind": None, "unit": None}


def test_mislabelled_corpus_file_reports_its_content():
    from extract import extract_file

    path = CORPUS / "renwu/001_上海/2026年上海市交通运输局_部门预算.pdf"
    if not path.exists():
        pytest.skip("corpus not available")
    (doc,) = extract_file(path)
    assert doc.department == "上海交通职业技术学院"  # the file name says 上海市交通运输局
    assert (doc.region, doc.year, doc.kind, doc.unit) == ("上海市", 2026, "budget", "元")
