"""extract.facts: department, region, year, kind and unit from the content, not the file name."""


import pytest

from domain.model import Paragraph, Table
from extract.facts import document_facts
from tests.shared_inputs import CORPUS


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


def test_cover_title_over_two_lines_and_unit_alias_in_brackets():
    # 北京: '北京市统计局部门 2026 年度' / '部门预算信息公开'; a 国资委 cover without 年
    assert document_facts(_paras("北京市统计局部门 2026 年度", "部门预算信息公开", "目 录"), [])["department"] == "北京市统计局"
    got = document_facts(_paras("北京市人民政府国有资产监督管理委员会", "2026 部门预算情况的说明"), [])
    assert got["department"] == "北京市人民政府国有资产监督管理委员会"
    # 上海: the unit's alias in brackets is dropped; a region alone is never the department
    got = document_facts(_paras("上海市2026年市级单位预算", "预算单位：上海市统计和大数据研究院（上海市统计数据管理中心）"), [])
    assert (got["department"], got["region"]) == ("上海市统计和大数据研究院", "上海市")


def test_a_notice_filed_as_a_budget_is_not_a_disclosure():
    from extract import extract_file

    path = CORPUS / "renwu/008_杭州/2026年杭州市政府办公厅部门预算.pdf"  # really a 消防 notice
    if not path.is_file():
        pytest.skip("corpus not available")
    (doc,) = extract_file(path)
    assert doc.status == "not_a_disclosure" and doc.tables == [] and "no budget tables" in doc.error


@pytest.mark.parametrize(
    "printed", ["中国共产党江苏省委员会办公厅", "江苏省委办公厅", "中共江苏省委办公厅"]
)
def test_party_office_has_one_name_and_a_region_without_party_prefix(printed):
    got = document_facts(_paras(f"{printed}2019年部门预算"), [])
    assert (got["department"], got["region"]) == ("中共江苏省委办公厅", "江苏省")


def test_short_form_beside_the_full_name_takes_the_full_name_and_its_region():
    """江苏省委办公厅2017年部门预算.pdf: tables say '省委办公厅', the cover '江苏省委办公厅 2017 年度部门预算'."""
    tables = [Table(kind="gpb_expenditure", title="省委办公厅2017年一般公共预算支出预算表", unit="万元")]
    got = document_facts(_paras("江苏省委办公厅 2017 年度部门预算"), tables, context=["部门：省委办公厅"])
    assert (got["department"], got["region"]) == ("中共江苏省委办公厅", "江苏省")
    # without the full name in the content, no region is invented
    got = document_facts(_paras("目 录"), tables, context=["部门：省委办公厅"])
    assert (got["department"], got["region"]) == ("省委办公厅", None)


@pytest.mark.parametrize(
    ("lines", "department"),
    [
        # the sentence that lists the units, printed before the department's own name
        (["纳入烟台市财政局2024年度部门决算编制范围的单位包括：", "烟台市财政局2024年度部门决算"], "烟台市财政局"),
        (["（一）关于烟台市应急管理局2025年部门预算的说明"], "烟台市应急管理局"),
        (["纳入上海市普陀区规划和自然资源局 2024 年度部门决算编制范围的单位包括："], "上海市普陀区规划和自然资源局"),
        # fragments are never a department
        (["提前下达2025年部门预算"], None),
        (["纳入本2024年度部门决算编制范围的单位包括："], None),
    ],
)
def test_department_without_sentence_prefixes_or_fragments(lines, department):
    assert document_facts(_paras(*lines), [])["department"] == department


def test_region_of_a_district_department_in_a_municipality():
    got = document_facts(_paras("中共上海市普陀区委社会工作部 2024 年度", "部门决算"), [])
    assert (got["department"], got["region"]) == ("中共上海市普陀区委社会工作部", "上海市普陀区")
    got = document_facts(_paras("上海市社区服务中心2026年度部门预算"), [])
    assert got["region"] == "上海市"
