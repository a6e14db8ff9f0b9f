"""Mutation operators, declared as data: id, category, the rule that must catch it, what it changes
and where. Each `apply(doc, rng)` edits the document's blocks in place at one randomly chosen site
and returns the expected finding (or None when the document has no site for it).

An `Expected` names the finding a correct rule set must raise (rule, table, one of `keys` as code or
cleaned row name, `observed` as printed) and `also`: the findings that legitimately follow from
the same edit (a changed child amount also makes the code disagree with the other tables), which
are neither hits nor false alarms.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks.mutations.sites import CODE, Grid, amount, find_tables, fmt, table_kind, text

FUNCTIONAL = ("gpb_expenditure", "expenditure_summary", "income_summary")
SPENDING = ("gpb_expenditure", "expenditure_summary")


@dataclass(frozen=True)
class Also:
    rule: str  # exact id, or a prefix ending with '.' ("narrative.")
    table: str | None = None  # None: any table
    keys: tuple[str, ...] = ()  # empty: any code/row


@dataclass
class Expected:
    operator: str
    category: str
    rule: str
    table: str
    keys: tuple[str, ...] = ()
    observed: str | None = None
    where: str = ""  # human-readable site, for the list of misses
    also: list[Also] = field(default_factory=list)
    block: int | None = None  # block edited (two mutations of one document never share one)
    alt_rules: tuple[str, ...] = ()  # other rules of the family that report the same defect


@dataclass
class Doc:
    """A document to mutate: seed-style blocks and its department name."""

    name: str
    department: str
    blocks: list[dict]


@dataclass(frozen=True)
class Operator:
    id: str
    category: str
    rule: str
    what: str
    where: str
    apply: Callable[[Doc, random.Random], Expected | None]


def _pick(rng: random.Random, items: list):
    return rng.choice(items) if items else None


def _delta(rng: random.Random) -> float:
    return rng.choice([1.2, 2.5, 3.0, 7.4, 10.0, 0.6])


def _fmt2(value: float, like: str) -> str:
    core = like.strip().replace("\u3000", "")
    return fmt(value, like) if "." in core else f"{value:.2f}"


def _parent(code: str, codes: set[str]) -> str | None:
    for n in (5, 3):
        if len(code) > n and code[:n] in codes:
            return code[:n]
    return None


def _grids(doc: Doc, kinds: tuple[str, ...]) -> list[tuple[int, str, Grid]]:
    return [(i, k, Grid(doc.blocks[i])) for k in kinds for i in find_tables(doc.blocks, k)]


def _arith_also(kind: str, codes: tuple[str, ...] = ()) -> list[Also]:
    return [Also("arithmetic.", kind), Also("cross_table.same_code_same_amount", None, codes),
            Also("cross_table.totals"), Also("narrative.amount_matches_table", "narrative"),
            Also("narrative.share", "narrative"), Also("narrative.shares_sum", "narrative")]


def _shift_row(g: Grid, r: int, cols: list[int], delta: float) -> bool:
    """Add `delta` to the non-empty amount cells of row r in `cols`; False if none."""
    done = False
    for c in cols:
        v = amount(g.get(r, c))
        if v is not None and v > 0:
            g.set(r, c, _fmt2(v + delta, g.get(r, c)))
            done = True
    return done


# --- arithmetic -------------------------------------------------------------------------------


def child_amount(doc: Doc, rng: random.Random) -> Expected | None:
    """A 项 line changed (合计 and its 基本/项目 part alike) so its 款 ≠ Σ 项."""
    sites = []
    for i, kind, g in _grids(doc, SPENDING):
        m = g.measure_cols()
        codes = {c for _, c in g.coded_rows()}
        for r, code in g.coded_rows():
            if len(code) == 7 and _parent(code, codes) and "total" in m and amount(g.get(r, m["total"])):
                sites.append((i, kind, g, r, code, m))
    site = _pick(rng, sites)
    if not site:
        return None
    i, kind, g, r, code, m = site
    part = next((m[k] for k in ("basic", "project") if k in m and amount(g.get(r, m[k]))), None)
    d = _delta(rng)
    _shift_row(g, r, [m["total"]] + ([part] if part is not None else []), d)
    parent = _parent(code, {c for _, c in g.coded_rows()})
    return Expected("child_amount", "arithmetic", "arithmetic.parent_sum", kind, (parent, code),
                    where=f"{kind} {code} +{d}", also=_arith_also(kind, (code,)), block=i)


def total_not_parts(doc: Doc, rng: random.Random) -> Expected | None:
    """合计 of a coded line changed alone, so 合计 ≠ 基本支出 + 项目支出."""
    sites = []
    for i, kind, g in _grids(doc, SPENDING):
        m = g.measure_cols()
        if {"total", "basic", "project"} <= m.keys():
            sites += [(i, kind, g, r, code, m) for r, code in g.coded_rows() if amount(g.get(r, m["total"]))]
    site = _pick(rng, sites)
    if not site:
        return None
    i, kind, g, r, code, m = site
    d = _delta(rng) * rng.choice([1, -1])  # a mistyped total is as often too small as too large
    if (amount(g.get(r, m["total"])) or 0) + d <= 0:
        d = -d
    _shift_row(g, r, [m["total"]], d)
    return Expected("total_not_parts", "arithmetic", "arithmetic.basic_plus_project", kind, (code,),
                    where=f"{kind} {code} 合计 +{d}", also=_arith_also(kind, (code,)), block=i)


def column_total(doc: Doc, rng: random.Random) -> Expected | None:
    """The 合计 row changed (合计 and 基本支出 alike), so it ≠ Σ 类 lines."""
    sites = []
    for i, kind, g in _grids(doc, SPENDING):
        m, r = g.measure_cols(), g.row_of("合计")
        if r is not None and "total" in m and "basic" in m and amount(g.get(r, m["basic"])):
            sites.append((i, kind, g, r, m))
    site = _pick(rng, sites)
    if not site:
        return None
    i, kind, g, r, m = site
    d = _delta(rng)
    _shift_row(g, r, [m["total"], m["basic"]], d)
    return Expected("column_total", "arithmetic", "arithmetic.column_total", kind, (),
                    where=f"{kind} 合计 +{d}", also=_arith_also(kind), block=i)


def income_vs_expenditure(doc: Doc, rng: random.Random) -> Expected | None:
    """支出总计 of a 收支总表 changed so income total ≠ expenditure total."""
    sites = []
    for i, kind, g in _grids(doc, ("overall_summary", "fiscal_summary")):
        r = g.row_of("支出总计")
        if r is not None:
            c0 = next(c for c in range(g.t["width"]) if re.sub(r"\s+", "", g.get(r, c)) == "支出总计")
            cols = [c for c in range(c0 + 1, g.t["width"]) if amount(g.get(r, c))]
            if cols:
                sites.append((i, kind, g, r, cols))
    site = _pick(rng, sites)
    if not site:
        return None
    i, kind, g, r, cols = site
    d = _delta(rng)
    _shift_row(g, r, cols, d)
    return Expected("income_vs_expenditure", "arithmetic", "arithmetic.income_equals_expenditure", kind, (),
                    where=f"{kind} 支出总计 +{d}", also=_arith_also(kind), block=i)


def three_public_total(doc: Doc, rng: random.Random) -> Expected | None:
    """The "三公" 合计 changed so it ≠ 出国 + 车辆 + 接待."""
    for i in find_tables(doc.blocks, "three_public"):
        g = Grid(doc.blocks[i])
        for r in g.body_rows():
            if amount(g.get(r, 0)) is not None and amount(g.get(r, 0)) > 0:
                d = _delta(rng)
                g.set(r, 0, _fmt2(amount(g.get(r, 0)) + d, g.get(r, 0)))
                return Expected("three_public_total", "arithmetic", "arithmetic.three_public_sum", "three_public",
                                where=f"三公 合计 +{d}", also=_arith_also("three_public") + _narrative_also(),
                                block=i)
    return None


# --- code -------------------------------------------------------------------------------------


def _code_site(doc: Doc, rng: random.Random, length: int):
    sites = [(i, kind, g, r, code) for i, kind, g in _grids(doc, FUNCTIONAL)
             for r, code in g.coded_rows() if len(code) == length]
    return _pick(rng, sites)


def _code_also(g: Grid, kind: str, old: str, new: str) -> list[Also]:
    keys = (old, new)
    children = tuple(c for _, c in g.coded_rows() if c.startswith(old) and c != old)
    return [Also("code.", kind, keys), Also("code.parent_prefix", kind, children), Also("cross_table.", None, keys),
            Also("arithmetic.parent_sum", kind), Also("arithmetic.column_total", kind)]


def _set_code(g: Grid, r: int, new: str) -> str:
    c = g.code_col()
    old = g.get(r, c)
    g.set(r, c, old.replace(old.strip(), new))
    return old.strip()


def _recode(doc: Doc, rng: random.Random, op: str, rule: str, length: int,
            change: Callable[[str, random.Random], str]) -> Expected | None:
    """Print one `length`-digit code as `change` makes it; the finding is expected on that code."""
    site = _code_site(doc, rng, length)
    if not site:
        return None
    i, kind, g, r, code = site
    new = change(code, rng)
    _set_code(g, r, new)
    return Expected(op, "code", rule, kind, (new,), new, f"{kind} {code} → {new}", _code_also(g, kind, code, new), i)


def truncated_code(doc: Doc, rng: random.Random) -> Expected | None:
    """A 款 code printed without its 类, as a spreadsheet shows it: '21011' → '11', '22102' → '2'."""
    return _recode(doc, rng, "truncated_code", "code.format", 5, lambda code, _: str(int(code[3:])))


def _mistype(code: str, rng: random.Random) -> str:
    pos = rng.choice([3, 4])
    return code[:pos] + rng.choice([d for d in "0123456789" if d != code[pos]]) + code[pos + 1:]


def mistyped_code(doc: Doc, rng: random.Random) -> Expected | None:
    """One digit of a 项 code's 款 part mistyped: '2080505' → '2050505' (not under its parent)."""
    return _recode(doc, rng, "mistyped_code", "code.parent_prefix", 7, _mistype)


def _drop_digit(code: str, rng: random.Random) -> str:
    pos = rng.choice([1, 3])
    return code[:pos] + code[pos + 1:]


def six_digit_code(doc: Doc, rng: random.Random) -> Expected | None:
    """A 项 code with one digit dropped: '2010305' → '210305'."""
    return _recode(doc, rng, "six_digit_code", "code.format", 7, _drop_digit)


# --- cross-table ------------------------------------------------------------------------------


def _shortened(name: str) -> str | None:
    """The name as a careless copy prints it: '政府办公室事务' → '政府办公室', '住房改革支出' → '住房改革'."""
    n = name.strip()
    for suffix in ("事务", "支出", "管理", "补助", "费"):
        if n.endswith(suffix) and len(n) - len(suffix) >= 3:
            return n[: -len(suffix)]
    return n[:-2] if len(n) >= 6 else None


def swapped_name(doc: Doc, rng: random.Random) -> Expected | None:
    """A 款 or 项 named differently in one table ('20103 政府办公室' where the others say 政府办公室事务)."""
    sites = []
    for i, kind, g in _grids(doc, FUNCTIONAL):
        cc = g.code_col()
        for r, code in g.coded_rows():
            short = _shortened(g.get(r, cc + 1))
            if len(code) in (5, 7) and short:
                sites.append((i, kind, g, r, code, short))
    site = _pick(rng, sites)
    if not site:
        return None
    i, kind, g, r, code, short = site
    old = g.get(r, g.code_col() + 1)
    g.set(r, g.code_col() + 1, old.replace(old.strip(), short))
    return Expected("swapped_name", "cross_table", "cross_table.same_code_same_name", kind, (code,), short,
                    f"{kind} {code} named {short}", [Also("code.catalog", kind, (code,))], i)


def swapped_amounts(doc: Doc, rng: random.Random) -> Expected | None:
    """Two sibling 项 lines' amounts swapped in one table only (sums unchanged, the other tables disagree)."""
    sites = []
    for i, kind, g in _grids(doc, SPENDING):
        rows = g.coded_rows()
        for (r1, c1), (r2, c2) in zip(rows, rows[1:], strict=False):
            if len(c1) == len(c2) == 7 and c1[:5] == c2[:5]:
                m = g.measure_cols()
                if "total" in m and amount(g.get(r1, m["total"])) != amount(g.get(r2, m["total"])):
                    sites.append((i, kind, g, r1, r2, c1, c2))
    site = _pick(rng, sites)
    if not site:
        return None
    i, kind, g, r1, r2, c1, c2 = site
    for c in g.measure_cols().values():
        a, b = g.get(r1, c), g.get(r2, c)
        g.set(r1, c, b)
        g.set(r2, c, a)
    # the pairwise rule may report the unchanged table of a pair as well
    return Expected("swapped_amounts", "cross_table", "cross_table.same_code_same_amount", kind, (c1, c2),
                    where=f"{kind} {c1} ↔ {c2}", also=[Also("cross_table.same_code_same_amount", None, (c1, c2)),
                                                       Also("narrative.amount_matches_table", "narrative")], block=i)


def project_total(doc: Doc, rng: random.Random) -> Expected | None:
    """One project's amount and the 项目支出表 合计 raised alike: its total ≠ the 项目支出 of the other tables."""
    for i in find_tables(doc.blocks, "projects"):
        g = Grid(doc.blocks[i])
        tot = next((r for r in g.body_rows() if re.sub(r"\s+", "", g.get(r, 0)) in ("合计", "总计")), None)
        if tot is None:
            continue
        amount_cols = [c for c in range(g.t["width"]) if amount(g.get(tot, c))]
        rows = [r for r in g.body_rows() if r != tot and any(amount(g.get(r, c)) for c in amount_cols)]
        if not rows or not amount_cols:
            continue
        r, d = rng.choice(rows), _delta(rng)
        _shift_row(g, r, amount_cols, d)
        _shift_row(g, tot, amount_cols, d)
        return Expected("project_total", "cross_table", "cross_table.totals", "projects",
                        where=f"projects row {r} and 合计 +{d}",
                        also=[Also("narrative.amount_matches_table", "narrative"), Also("cross_table.totals")], block=i)
    return None


# --- narrative --------------------------------------------------------------------------------

_AMOUNT_TEXT = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)(?=万元)")
_SHARE = re.compile(r"占(?:比)?(\d+(?:\.\d+)?)%")
_RATE = re.compile(r"(增长|下降|减少|增加)(\d+(?:\.\d+)?)%")


def _table_amounts(doc: Doc) -> set[float]:
    out = set()
    for b in doc.blocks:
        if "table" in b:
            for row in b["table"]["rows"]:
                for item in row:
                    v = amount(text(item))
                    if v:  # the text may state a table in 元 in 万元, to the cent or whole
                        out |= {round(v, 2), round(v / 10000, 2), float(round(v / 10000))}
    return out


def _paragraphs(doc: Doc) -> list[int]:
    """Paragraphs outside the 名词解释 section (definitions state no figures of the department)."""
    out, in_definitions = [], False
    for i, b in enumerate(doc.blocks):
        if "p" not in b:
            continue
        t = b["p"].strip()
        heading = len(t) < 25 and "：" not in t and ":" not in t
        if heading and t:
            in_definitions = "名词解释" in t
        elif not in_definitions:
            out.append(i)
    return out


def _narrative_also() -> list[Also]:
    return [Also("narrative.", "narrative")]


def narrative_amount(doc: Doc, rng: random.Random) -> Expected | None:
    """An amount in the text that a table prints changed (last two digits transposed, or a few 万元 off)."""
    known = _table_amounts(doc)
    sites = [(i, m) for i in _paragraphs(doc) for m in _AMOUNT_TEXT.finditer(doc.blocks[i]["p"])
             if _num(m.group(1)) in known and _num(m.group(1)) >= 10
             and not _CHANGE_BEFORE.search(doc.blocks[i]["p"][max(0, m.start() - 3):m.start()])]
    site = _pick(rng, sites)
    if not site:
        return None
    i, m = site
    old = m.group(1)
    digits = [k for k, ch in enumerate(old) if ch.isdigit()]
    a, b = digits[-2], digits[-1]
    if old[a] != old[b]:
        new = old[:a] + old[b] + old[a + 1:b] + old[a] + old[b + 1:]
    else:
        new = old[:b] + str((int(old[b]) + 3) % 10) + old[b + 1:]
    p = doc.blocks[i]["p"]
    doc.blocks[i]["p"] = p[:m.start(1)] + new + p[m.end(1):]
    return Expected("narrative_amount", "narrative", "narrative.amount_matches_table", "narrative", (), new,
                    f"¶{i} {old} → {new}", _narrative_also(), i,
                    alt_rules=("narrative.three_public_amounts",))


_CHANGE_BEFORE = re.compile(r"(增加|减少|增长|下降|增|减)$")  # a change amount names no table line


def _num(s: str) -> float:
    return round(float(s.replace(",", "")), 2)


def narrative_share(doc: Doc, rng: random.Random) -> Expected | None:
    """A stated share changed ('占3.95%' → '占5.45%')."""
    sites = [(i, m) for i in _paragraphs(doc) for m in _SHARE.finditer(doc.blocks[i]["p"])
             if 1 <= float(m.group(1)) < 99]
    site = _pick(rng, sites)
    if not site:
        return None
    i, m = site
    old = m.group(1)
    new = _fmt2(float(old) + rng.choice([1.5, 3.0, -1.2 if float(old) > 2 else 2.0, 5.0]), old)
    p = doc.blocks[i]["p"]
    doc.blocks[i]["p"] = p[:m.start(1)] + new + p[m.end(1):]
    return Expected("narrative_share", "narrative", "narrative.share", "narrative", (), new + "%",
                    f"¶{i} 占{old}% → {new}%", _narrative_also(), i)


def narrative_rate(doc: Doc, rng: random.Random) -> Expected | None:
    """A stated change rate changed ('下降4.11%' → '下降6.11%')."""
    sites = [(i, m) for i in _paragraphs(doc) for m in _RATE.finditer(doc.blocks[i]["p"])
             if float(m.group(2)) >= 0.5 and "万元" in doc.blocks[i]["p"][:m.start()]]
    site = _pick(rng, sites)
    if not site:
        return None
    i, m = site
    old = m.group(2)
    new = _fmt2(float(old) * 1.3 + 2.0, old)
    p = doc.blocks[i]["p"]
    doc.blocks[i]["p"] = p[:m.start(2)] + new + p[m.end(2):]
    return Expected("narrative_rate", "narrative", "narrative.change_rate", "narrative", (), new + "%",
                    f"¶{i} {m.group(1)}{old}% → {new}%", _narrative_also(), i)


_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_LINE_CHANGE = re.compile(rf"({_NUM})万元，(占[\d.]+%，)?比(\d{{4}})年(预算)?(增加|减少)({_NUM})万元(，(增长|下降)({_NUM})%)?")


def zero_base_rate(doc: Doc, rng: random.Random) -> Expected | None:
    """A line stated as new this year (increase = the amount) with a growth rate of 100%."""
    sites = [(i, m) for i in _paragraphs(doc) for m in _LINE_CHANGE.finditer(doc.blocks[i]["p"])
             if float(m.group(1).replace(",", "")) > 0]
    site = _pick(rng, sites)
    if not site:
        return None
    i, m = site
    amount_text = m.group(1)
    new = f"{amount_text}万元，{m.group(2) or ''}比{m.group(3)}年{m.group(4) or ''}增加{amount_text}万元，增长100%"
    p = doc.blocks[i]["p"]
    doc.blocks[i]["p"] = p[:m.start()] + new + p[m.end():]
    return Expected("zero_base_rate", "narrative", "narrative.rate_from_zero_base", "narrative", (), "100%",
                    f"¶{i} +{amount_text} 增长100%", _narrative_also(), i)


# --- completeness -----------------------------------------------------------------------------


def _remove_table(doc: Doc, i: int) -> None:
    """Drop table block i with the label / title / unit lines right above it and its notes below."""
    lo = i
    while lo > 0 and "p" in doc.blocks[lo - 1] and re.search(
            r"部门公开表|^\s*单位[:：]|表$", doc.blocks[lo - 1]["p"].strip()):
        lo -= 1
    hi = i + 1
    while hi < len(doc.blocks) and "p" in doc.blocks[hi] and re.match(r"^\s*注[:：]", doc.blocks[hi]["p"]):
        hi += 1
    del doc.blocks[lo:hi]


def removed_three_public(doc: Doc, rng: random.Random) -> Expected | None:
    """The "三公" table left out (an error: every department must publish it)."""
    found = find_tables(doc.blocks, "three_public")
    if not found:
        return None
    _remove_table(doc, found[0])
    return Expected("removed_three_public", "completeness", "completeness.required_tables", "three_public",
                    where="三公 table removed", also=[Also("narrative.amount_matches_table", "narrative")])


def removed_table(doc: Doc, rng: random.Random) -> Expected | None:
    """Another required table left out (a warning)."""
    kinds = ("gpb_basic_expenditure", "gov_fund_expenditure", "income_summary", "expenditure_summary",
             "overall_summary", "gpb_expenditure", "fiscal_summary")
    sites = [(k, i) for k in kinds for i in find_tables(doc.blocks, k)]
    site = _pick(rng, sites)
    if not site:
        return None
    kind, i = site
    _remove_table(doc, i)
    return Expected("removed_table", "completeness", "completeness.required_tables", kind, where=f"{kind} removed",
                    also=[Also("narrative.amount_matches_table", "narrative"), Also("cross_table."),
                          Also("completeness.required_tables")])


# a definition in 名词解释 ('五、“三公”经费：…') is not the section
_DEFINITION = re.compile(r"^\s*[（(]?[一二三四五六七八九十\d]+[)）、.．]?\s*[“\"]?[^，,。]{0,12}[”\"]?[:：]")
_SECTIONS = {"“三公”经费说明": r"三公", "政府采购情况说明": r"政府采购", "机关运行经费说明": r"机关运行经费",
             "国有资产占有使用情况说明": r"国有资产|固定资产|资产占[有用]"}


def _title_lines(doc: Doc) -> set[int]:
    """Paragraphs of a table's title group (the lines right above a table)."""
    out: set[int] = set()
    for i, b in enumerate(doc.blocks):
        if "table" in b:
            out |= {j for j in range(max(0, i - 4), i) if "p" in doc.blocks[j]}
    return out


def removed_section(doc: Doc, rng: random.Random) -> Expected | None:
    """A required narrative section left out: every paragraph that speaks of it (heading, text, table
    of contents line), table titles kept."""
    titles = _title_lines(doc)
    paras = [i for i, b in enumerate(doc.blocks) if "p" in b and i not in titles]
    sites = []
    for name, pat in _SECTIONS.items():
        hits = [i for i in paras if re.search(pat, doc.blocks[i]["p"]) and not _DEFINITION.match(doc.blocks[i]["p"])]
        if hits and len(hits) <= 4:
            sites.append((name, hits))
    site = _pick(rng, sites)
    if not site:
        return None
    name, hits = site
    for i in sorted(hits, reverse=True):
        del doc.blocks[i]
    return Expected("removed_section", "completeness", "completeness.narrative_sections", "narrative", (name,),
                    where=f"section {name} removed", also=[Also("narrative.", "narrative")])


# --- format -----------------------------------------------------------------------------------


def trailing_dot(doc: Doc, rng: random.Random) -> Expected | None:
    """An amount printed with a trailing dot ('457.90' → '457.90.')."""
    sites = []
    for i, b in enumerate(doc.blocks):
        if "table" in b and table_kind(b):
            g = Grid(b)
            sites += [(i, g, r, c) for (r, c), s in g.cells().items()
                      if r in g.body_rows() and "." in s and amount(s) and not CODE.match(s.strip())]
    site = _pick(rng, sites)
    if not site:
        return None
    i, g, r, c = site
    old = g.get(r, c)
    new = old.strip().replace("\u3000", "") + "."
    g.set(r, c, new)
    kind = table_kind(doc.blocks[i])
    return Expected("trailing_dot", "format", "format.malformed_amount", kind, (), new, f"{kind} r{r}c{c} {new}",
                    block=i)


def _after_table(doc: Doc, i: int) -> bool:
    """A paragraph right under a table (its note, which readers attach to the table)."""
    j = i - 1
    while j >= 0 and "p" in doc.blocks[j] and not doc.blocks[j]["p"].strip():
        j -= 1
    return j >= 0 and ("table" in doc.blocks[j] or bool(re.match(r"^\s*注[:：]", doc.blocks[i]["p"])))


def template_department(doc: Doc, rng: random.Random) -> Expected | None:
    """The department's name left as the template's 'XX局' in a paragraph."""
    sites = [i for i in _paragraphs(doc) if doc.department and doc.department in doc.blocks[i]["p"]
             and not _after_table(doc, i)]
    i = _pick(rng, sites)
    if i is None:
        return None
    doc.blocks[i]["p"] = doc.blocks[i]["p"].replace(doc.department, "XX局", 1)
    return Expected("template_department", "format", "format.template_text", "narrative", (), "XX局",
                    f"¶{i} {doc.department} → XX局", block=i)


_CHANGE_WORD = re.compile(r"比(\d{4})年(预算)?(拨款)?(增加|减少)")


def template_change(doc: Doc, rng: random.Random) -> Expected | None:
    """The template's '增加（减少）' left in instead of the direction of the change."""
    sites = [(i, m) for i in _paragraphs(doc) for m in _CHANGE_WORD.finditer(doc.blocks[i]["p"])]
    site = _pick(rng, sites)
    if not site:
        return None
    i, m = site
    p = doc.blocks[i]["p"]
    doc.blocks[i]["p"] = p[:m.start(4)] + "增加（减少）" + p[m.end(4):]
    return Expected("template_change", "format", "format.template_text", "narrative", (), "增加（减少）",
                    f"¶{i} {m.group(4)} → 增加（减少）", _narrative_also(), i)


OPERATORS: list[Operator] = [
    Operator("child_amount", "arithmetic", "arithmetic.parent_sum", "项 amount changed: 款 ≠ Σ 项", "支出表 7-digit row", child_amount),
    Operator("total_not_parts", "arithmetic", "arithmetic.basic_plus_project", "合计 ≠ 基本 + 项目", "支出表 coded row", total_not_parts),
    Operator("column_total", "arithmetic", "arithmetic.column_total", "合计 row ≠ Σ 类", "支出表 合计 row", column_total),
    Operator("income_vs_expenditure", "arithmetic", "arithmetic.income_equals_expenditure", "支出总计 ≠ 收入总计", "收支总表", income_vs_expenditure),
    Operator("three_public_total", "arithmetic", "arithmetic.three_public_sum", "三公 合计 ≠ Σ items", "三公 table", three_public_total),
    Operator("truncated_code", "code", "code.format", "'21011' → '11'", "functional table 款 code", truncated_code),
    Operator("mistyped_code", "code", "code.parent_prefix", "'2080505' → '2050505'", "functional table 项 code", mistyped_code),
    Operator("six_digit_code", "code", "code.format", "'2010305' → '210305'", "functional table 项 code", six_digit_code),
    Operator("swapped_name", "cross_table", "cross_table.same_code_same_name", "款 named as its 类", "one functional table", swapped_name),
    Operator("swapped_amounts", "cross_table", "cross_table.same_code_same_amount", "sibling 项 amounts swapped", "one 支出表", swapped_amounts),
    Operator("project_total", "cross_table", "cross_table.totals", "项目表 合计 ≠ 项目支出", "项目支出表", project_total),
    Operator("narrative_amount", "narrative", "narrative.amount_matches_table", "amount in text ≠ table", "情况说明", narrative_amount),
    Operator("narrative_share", "narrative", "narrative.share", "占 X% wrong", "情况说明", narrative_share),
    Operator("narrative_rate", "narrative", "narrative.change_rate", "增长/下降 X% wrong", "情况说明", narrative_rate),
    Operator("zero_base_rate", "narrative", "narrative.rate_from_zero_base", "增长100% from a zero base", "情况说明", zero_base_rate),
    Operator("removed_three_public", "completeness", "completeness.required_tables", "三公 table removed", "tables", removed_three_public),
    Operator("removed_table", "completeness", "completeness.required_tables", "a required table removed", "tables", removed_table),
    Operator("removed_section", "completeness", "completeness.narrative_sections", "a required section removed", "情况说明", removed_section),
    Operator("trailing_dot", "format", "format.malformed_amount", "'457.90' → '457.90.'", "any table amount", trailing_dot),
    Operator("template_department", "format", "format.template_text", "department → 'XX局'", "情况说明", template_department),
    Operator("template_change", "format", "format.template_text", "增加 → '增加（减少）'", "情况说明", template_change),
]
OPERATORS_BY_ID: dict[str, Operator] = {op.id: op for op in OPERATORS}
