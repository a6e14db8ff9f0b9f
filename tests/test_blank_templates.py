"""Files that are not a department's disclosure. A blank template (tables without a single amount, XX placeholders in the text) is not a
department's disclosure: it gets status not_a_disclosure and no findings, while a real
disclosure of the same template family stays ok."""

from __future__ import annotations

import pytest

from extract import extract_file
from tests.shared_inputs import corpus2_file

PUTUO = "gbc/上海市普陀区/"


@pytest.mark.parametrize("rel", [PUTUO + "附件2：部门决算模板.pdf", "tianbaoxitong/上海市普陀区/budget_template.xls"])
def test_blank_template_is_not_a_disclosure(rel):
    [doc] = extract_file(corpus2_file(rel))
    assert doc.status == "not_a_disclosure"
    assert "空白模板" in doc.error and doc.tables  # the tables are still read, for the auditor to see


def test_filled_disclosure_of_the_same_template_is_ok():
    [doc] = extract_file(corpus2_file(PUTUO + "中共上海市普陀区委社会工作部 2024 年度部门决算.pdf"))
    assert doc.status == "ok" and doc.kind == "final_accounts"


def test_a_governments_report_to_the_congress_is_not_a_department_disclosure():
    # 杭州市及市本级 2023 年决算草案和 2024 年上半年预算执行情况的报告 (real2: kind other)
    [doc] = extract_file(corpus2_file("homework2/杭州市/杭州2023决算.pdf"))
    assert doc.status == "not_a_disclosure" and "政府预算/决算报告" in doc.error
