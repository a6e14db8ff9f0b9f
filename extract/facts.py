"""Document facts read from the content (titles, labels, first paragraphs), never the file name:
department, region, year, kind (budget/final_accounts) and the unit most tables use.

The file name is used only as a last resort for the year. Corpus files can be mislabelled
(a '上海市交通运输局' file that is really 上海交通职业技术学院's unit budget): the content wins.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from domain.model import Paragraph, Table
from extract.kinds import compact

_LABEL = re.compile(
    r"(?:编制单位|预算单位|部门名称|单位名称|编报单位|填报单位|主管部门|部门)\s*[:：]\s*([^\s:：]{2,40}?)(?=\s|单位[:：]|$)"
)
_PREFIX = re.compile(r"^(?:\d+[、.]|[一二三四五六七八九十]+、)?(.{2,40}?)\s*(20\d{2})\s*(?:年(?:度)?|(?=部门|单位))")
_YEAR = re.compile(r"(20\d{2})\s*年")
_REGION_IN_NAME = re.compile(
    r"^(.{1,10}?(?:自治区|省))|^(北京|上海|天津|重庆)市?(?:(?!社区|园区|景区|小区|片区|校区|市区|区)(.{1,3}?(?:新区|区|县))(?!委员会|人民代表))?"
)
_REGION_PREFIX = re.compile(r"^(.{2,7}?(?:自治州|市|区|县|旗|盟))")
_GENERIC = re.compile(r"^(市级|区级|县级|省级|本级|预算|部门|单位|市级部门|预算单位|中央)")
_SUFFIXES = ("部门预算", "部门决算", "单位预算", "单位决算", "部门", "（本级）", "本级")
# Words a sentence puts before the department ('纳入上海市XX局2024年度部门决算编制范围的单位包括',
# '（一）关于烟台市XX局…'): stripped. A name that is still a sentence fragment is no department.
_JUNK_PREFIX = re.compile(
    r"^(?:（[一二三四五六七八九十\d]{1,3}）|[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}[、.．]|纳入|关于|根据|按照|包括|其中[:：]?|现将|经)+"
)
_FRAGMENT = re.compile(r"^(?:提前|下达|本|我|该|各|全|其|此)|提前下达|编制范围|单位包括|[市区县]级部门$")


def _clean_department(name: str) -> str | None:
    s = compact(name).replace("(", "（").replace(")", "）")
    s = re.sub(r"^(第[一二三四五六七八九十]+部分|附件\d*[:：]?)", "", s)
    s = _JUNK_PREFIX.sub("", s)
    if _FRAGMENT.search(s):
        return None
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if s.endswith(suffix) and len(s) > len(suffix) + 1:
                s, changed = s[: -len(suffix)], True
    # one name for a Party office however printed: 中国共产党江苏省委员会办公厅 / 江苏省委办公厅 → 中共江苏省委办公厅
    s = re.sub(r"^中国共产党(.{2,10}?)委员会", r"中共\1委", s)
    if re.match(r"^.{2,8}?(?:省|市|区|县)委(?!员)", s) and not s.startswith("中共"):
        s = "中共" + s
    s = re.sub(r"^(.{3,}?)（[^（）]{3,}）$", r"\1", s)  # '…研究院（上海市统计数据管理中心）': the first name
    if re.fullmatch(r".{2,4}(?:省|市|区|县)", s):
        return None  # a region alone ('上海市') is not a department
    if not 3 <= len(s) <= 24 or _GENERIC.match(s) or re.search(r"表|合计|说明|[，。、；,]|\d", s):
        return None
    return s


def _department(lines: list[str]) -> str | None:
    labelled = Counter()
    prefixed = Counter()
    for line in lines:
        for m in _LABEL.finditer(line):
            d = _clean_department(m.group(1))
            if d:
                labelled[d] += 1
        m = _PREFIX.match(compact(line))
        if m and ("预算" in line or "决算" in line or "表" in line):
            d = _clean_department(m.group(1))
            if d:
                prefixed[d] += 1
    for counter in (labelled, prefixed):
        if counter:
            best = counter.most_common(1)[0][0]
            # a short form ('省委办公厅') printed beside the full name ('江苏省委办公厅 2017 年度部门预算'):
            # the full name, which also carries the region
            fuller = [d for d in labelled | prefixed if d != best and d.endswith(best)]
            return max(fuller, key=len) if fuller else best
    return None


def _region(department: str | None, lines: list[str]) -> str | None:
    if department:
        department = department.removeprefix("中共")
        m = _REGION_IN_NAME.search(department)
        if m:  # a district of a municipality ('上海市普陀区…') is the department's region
            return m.group(1) or f"{m.group(2)}市{m.group(3) or ''}"
        m = _REGION_PREFIX.match(department)
        if m and not _GENERIC.match(m.group(1)):
            return m.group(1)
    for line in lines:  # e.g. '上海市2026年市级单位预算'
        m = re.match(r"^(.{2,7}?(?:省|市|区|县))\s*20\d{2}\s*年", compact(line))
        if m:
            return m.group(1)
    return None


def document_facts(
    paragraphs: list[Paragraph], tables: list[Table], path: Path | str | None = None, context: list[str] | None = None
) -> dict:
    """{'department', 'region', 'year', 'kind', 'unit'} from titles, table labels and the first
    paragraphs. `context` adds lines found around the tables (部门：…, 编制单位：…)."""
    titles = [t.title for t in tables if t.title]
    head = [p.text for p in paragraphs[:60] if p.text and p.text.strip()]
    # a cover title broken over two lines ('北京市统计局部门 2026 年度' / '部门预算信息公开'), and
    # '附件：北京市审计局 2026 年度部门预算报表' wherever it is printed
    joined = [a + b for a, b in zip(head[:4], head[1:5], strict=False)]
    annex = [p.text for p in paragraphs if p.text and p.text.lstrip().startswith("附件")]
    lines = titles + list(context or []) + head + joined + annex
    department = _department(lines)
    years = Counter(int(y) for line in titles + (context or []) + head[:15] for y in _YEAR.findall(line))
    year = years.most_common(1)[0][0] if years else None
    if year is None and path is not None:
        m = re.search(r"(20\d{2})", Path(str(path)).name)
        year = int(m.group(1)) if m else None
    text = " ".join(titles + head[:15])
    final = sum(1 for t in tables if t.kind and t.kind.startswith("fa_"))
    budget = sum(1 for t in tables if t.kind and not t.kind.startswith("fa_"))
    if final or budget:
        kind = "final_accounts" if final > budget else "budget"
    elif "决算" in text or "预算" in text:
        kind = "final_accounts" if text.count("决算") > text.count("预算") else "budget"
    else:
        kind = None
    units = Counter(t.unit for t in tables if t.unit)
    unit = units.most_common(1)[0][0] if units else None
    return {
        "department": department,
        "region": _region(department, head + titles),
        "year": year,
        "kind": kind,
        "unit": unit,
    }
