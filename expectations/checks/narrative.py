"""Narrative check frames: statements in the text against the tables and against themselves.

Rounding: an amount within half a unit of its printed last decimal, a share or rate within
half a unit of its printed last decimal (plus what the amounts' own rounding allows) is no
error. A share printed with decimals and off by less than one unit is 'info' (truncated so
a pair adds to 100).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import polars as pl

from domain.model import THREE_PUBLIC_KINDS, Document
from domain.names import name_key
from domain.units import UNITS, power_of_ten_apart, printed_decimals, wan_per
from expectations import catalog
from expectations.checks.narrative_parse import Statement, clean_text, parse_paragraph, sections
from expectations.frames import (
    SUBTOTAL_NAME,
    Derived,
    check_frame,
    is_total,
)

EXTRA = {"excess": pl.Float64}
# label of a statement → key of a table figure
LABEL_KEYS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^(当年)?一般公共预算(财政)?拨款(收入|支出)?(预算)?$|^一般公共预算(财政拨款)?支出(预算)?$"), "gpb_total"),
    (re.compile(r"^一般公共预算(财政拨款)?基本支出(预算)?$"), "gpb_basic"),
    (re.compile(r"^一般公共预算(财政拨款)?项目支出(预算)?$"), "gpb_project"),
    (re.compile(r"^基本支出(预算)?$"), "basic"),
    (re.compile(r"^项目支出(预算)?$"), "project"),
    (re.compile(r"^财政拨款收支(总)?预算$|^(当年)?财政拨款(收入|支出)(总)?(预算)?$"), "fiscal_total"),
    (re.compile(r"^(部门)?收支总?预算(总额)?$"), "total"),
    (re.compile(r"^(部门)?收入(总)?预算$"), "income_total"),
    (re.compile(r"^(部门)?支出(总)?预算$"), "expenditure_total"),
]
# the 三公 items, matched by narrative.three_public_amounts (not by amount_matches_table)
_TP = r"(?:(?:当年|本年)?(?:财政拨款|一般公共预算(?:财政)?拨款)?(?:安排的?)?)"
THREE_PUBLIC_LABELS: list[tuple[re.Pattern, str]] = [
    (re.compile(rf"^{_TP}[“\"]?三公[”\"]?经费(?:支出)?(?:预算|决算)?(?:数|总额|合计)?$"), "tp:total"),
    (re.compile(rf"^{_TP}因公出国[（(〔]境[）)〕]费(?:用)?(?:预算|决算)?(?:数)?$"), "tp:abroad"),
    (re.compile(rf"^{_TP}公务接待费(?:预算|决算)?(?:数)?$"), "tp:reception"),
    (re.compile(rf"^{_TP}公务用车购置及运行(?:维护)?费(?:预算|决算)?(?:数)?$"), "tp:vehicle"),
    (re.compile(rf"^{_TP}公务用车购置费?(?:预算|决算)?(?:数)?$"), "tp:vehicle_purchase"),
    (re.compile(rf"^{_TP}公务用车运行(?:维护)?费(?:预算|决算)?(?:数)?$"), "tp:vehicle_operation"),
]
WHOLE_KEYS = ("gpb_total", "expenditure_total", "income_total", "fiscal_total", "total")
KEY_ZH = {"gpb_total": "一般公共预算拨款合计", "gpb_basic": "一般公共预算基本支出合计",
          "gpb_project": "一般公共预算项目支出合计", "basic": "基本支出合计", "project": "项目支出合计",
          "fiscal_total": "财政拨款收支总计", "total": "收支总计", "income_total": "收入合计",
          "expenditure_total": "支出合计"}


# 类 names used before the 2018/2019 reforms, still in older disclosures
OLD_CLASS_NAMES = frozenset({"医疗卫生与计划生育支出", "医疗卫生支出", "国土资源气象等支出", "资源勘探信息等支出",
                             "资源勘探电力信息等支出", "商业服务业等支出", "粮油物资储备支出"})


def _is_class_name(name: str) -> bool:
    """A 类 of the functional classification (一般公共服务支出, 教育支出 …), by its catalog name."""
    n = name_key(name)
    return n in OLD_CLASS_NAMES or any(len(c) == 3 for c in catalog.names("functional").get(n, []))


def figures(derived: Derived, doc: Document) -> dict[str, list[float]]:
    """Table figures a statement may name (once per validation)."""
    return derived.get("figures", doc, lambda: _figures(derived, doc), doc.tables)


def _figures(derived: Derived, doc: Document) -> dict[str, list[float]]:
    """Table figures a statement may name, in 万元: totals by key, class lines by 'name:<名称>'."""
    out: dict[str, list[float]] = {}

    def add(key: str, v: float | None, unit: str | None) -> None:
        if v is not None:
            out.setdefault(key, []).append(round(v * wan_per(unit), 6))

    for table in doc.tables:
        rows = table.rows
        if not rows.height or "name" not in rows.columns:
            continue
        names, keys = rows["name"].to_list(), rows["name_key"].to_list()
        side = rows["side"].to_list() if "side" in rows.columns else [""] * rows.height
        coded = rows["code"].to_list() if "code" in rows.columns else [None] * rows.height
        u = table.unit

        def col(p: int, *cols: str, table=table) -> float | None:
            for c in cols:
                if c in table.rows.columns:
                    v = derived.value(table, p, c)
                    if v is not None:
                        return v
            return None

        for p, n in enumerate(keys):
            if coded[p] or not n:
                continue
            k = table.kind
            if k == "gpb_expenditure" and is_total(n):
                add("gpb_total", col(p, "total"), u)
                add("gpb_basic", col(p, "basic"), u)
                add("gpb_project", col(p, "project"), u)
                add("basic", col(p, "basic"), u)
                add("project", col(p, "project"), u)
            elif k == "gpb_basic_expenditure" and is_total(n):
                add("gpb_basic", col(p, "total", "amount"), u)
            elif k == "expenditure_summary" and is_total(n):
                add("expenditure_total", col(p, "total"), u)
                add("basic", col(p, "basic"), u)
                add("project", col(p, "project"), u)
            elif k == "income_summary" and is_total(n):
                add("income_total", col(p, "total"), u)
                add("gpb_total", col(p, "gpb"), u)
            elif k == "projects" and is_total(n):
                add("project", col(p, "total", "amount"), u)
            elif k in ("fiscal_summary", "overall_summary"):
                if re.search(r"总\s*计", n):
                    add("fiscal_total" if k == "fiscal_summary" else "total", col(p, "total", "amount"), u)
                    if k == "overall_summary":
                        add("income_total" if side[p] == "income" else "expenditure_total", col(p, "total", "amount"), u)
                elif SUBTOTAL_NAME.search(n) and k == "overall_summary":
                    add("income_total" if side[p] == "income" else "expenditure_total", col(p, "total", "amount"), u)
                elif side[p] == "income" and k == "fiscal_summary" and n.startswith("一般公共预算"):
                    add("gpb_total", col(p, "amount", "total"), u)
                elif side[p] == "expenditure" and n.endswith("支出") and _is_class_name(n):
                    # only 类 lines: some regions (深圳) list 款/项 lines here, whose names a project reuses
                    add("name:" + n, col(p, "total", "amount"), u)
        if table.kind in THREE_PUBLIC_KINDS:
            for item in ("total", "abroad", "reception", "vehicle", "vehicle_purchase", "vehicle_operation"):
                for p in range(rows.height):  # every printed row: some tables add last year's and the change
                    if item in rows.columns:
                        add("tp:" + item, col(p, item), u)
            for p, name in enumerate(names):  # items as rows
                for pat, key in THREE_PUBLIC_LABELS:
                    if name and pat.search((keys[p] or "").replace("一般公共预算", "")):
                        add(key, col(p, "amount", "total"), u)
                if name and (is_total(name) or "三公" in name):
                    add("tp:total", col(p, "amount", "total"), u)
        if table.kind in ("gpb_expenditure", "expenditure_summary", "income_summary", "gpb_basic_expenditure"):
            pos = derived.positions(table)
            economic = table.kind == "gpb_basic_expenditure"
            for it in derived.hierarchy(table):
                if it["valid"] and (it["level"] == 1 or (economic and it["level"] == 2)):
                    add("name:" + (it["name_key"] or ""), col(pos[it["row"]], "total", "amount"), u)
    return out


def _keys(label: str) -> list[str]:
    for pat, key in THREE_PUBLIC_LABELS:
        if pat.search(label):
            return [key]
    for pat, key in LABEL_KEYS:
        if pat.search(label):
            return [key]
    return ["name:" + label, "name:" + label + "支出"]


# Labels that name no fund ('基本支出', '支出预算'): their subject is the section's or the whole's.
GENERIC_KEYS = frozenset({"basic", "project", "total", "income_total", "expenditure_total"})
# Sections about one fund or one topic: a generic label or a class name there is not the tables' whole
# (政府性基金 项目支出, 机关运行经费 中的 办公费); only 三公 items are compared.
_TOPIC_SECTIONS = frozenset({"gov_fund", "soe", "three_public", "operating_costs", "procurement", "assets",
                             "performance"})
_GPB_KEY = {"basic": "gpb_basic", "project": "gpb_project", "total": "gpb_total", "income_total": "gpb_total",
            "expenditure_total": "gpb_total"}
_FISCAL_KEY = {"total": "fiscal_total", "income_total": "fiscal_total", "expenditure_total": "fiscal_total"}


def subject_keys(st: Statement, section: str | None, whole: str | None) -> list[str]:
    """The table figures a statement names, [] when its subject is in doubt.

    In doubt: an amount in a clause explaining a change ('主要原因是…B万元用于…'); a generic label
    under a whole of another fund ('政府性基金支出…其中：项目支出Y万元') or in a section about one
    fund or topic; anything in the glossary.
    """
    keys = _keys(st.label)
    if section == "glossary" or st.explains:
        return []
    if keys[0].startswith("tp:"):  # '公务用车运行维护费' in 机关运行经费 is that section's figure, not the 三公 table's
        return keys if section not in _TOPIC_SECTIONS - {"three_public"} else []
    if section in _TOPIC_SECTIONS:
        return []
    if keys[0] not in GENERIC_KEYS:
        return keys
    if whole is not None:
        wk = _keys(whole)[0]
        if wk in ("gpb_total",):
            return [_GPB_KEY[keys[0]]]
        if wk in ("fiscal_total",):
            return [_FISCAL_KEY[keys[0]]] if keys[0] in _FISCAL_KEY else []
        if wk not in ("total", "expenditure_total", "income_total"):
            return []  # part of a whole the tables do not name as a total
        return keys
    if section == "gpb":
        return [_GPB_KEY[keys[0]]]
    if section == "fiscal":
        return [_FISCAL_KEY[keys[0]]] if keys[0] in _FISCAL_KEY else []
    return keys


def _parsed(derived: Derived, doc: Document) -> list[list[Statement]]:
    """The statements of each paragraph (parsed once per validation)."""
    return derived.get("statements", doc, lambda: [
        parse_paragraph(p.index, p.text, doc.department, doc.year) for p in doc.paragraphs], doc.paragraphs)


def _statements(derived: Derived, documents: list[Document]) -> Iterator[tuple[int, Document, list[list[Statement]]]]:
    for d, doc in enumerate(documents):
        yield d, doc, _parsed(derived, doc)


_ENDS_WITH_WHOLE = re.compile(r"其中[:：]?\s*$")


def _subjects(derived: Derived, doc: Document) -> list[list[list[str]]]:
    """Per paragraph, per statement: the keys of the table figures it names ([] in doubt)."""
    def compute() -> list[list[list[str]]]:
        paras = _parsed(derived, doc)
        secs = sections([p.text for p in doc.paragraphs])
        out = []
        for i, sts in enumerate(paras):
            # 'X万元，其中：' closing the previous paragraph: its last figure is the whole of this one's first
            carried = None
            if i and paras[i - 1] and _ENDS_WITH_WHOLE.search(doc.paragraphs[i - 1].text.strip()):
                carried = paras[i - 1][-1].label
            out.append([subject_keys(st, secs[i], st.part_of or carried) for st in sts])
        return out
    return derived.get("subjects", doc, compute, doc.paragraphs)


def _base(d: int, st: Statement, expected: str, observed: str, message: str, **kw) -> dict:
    return {"doc": d, "table": "narrative", "paragraph": st.paragraph, "name": st.label or None,
            "expected": expected, "observed": observed, "message": message, **kw}


def _fmt(v: float, dec: int) -> str:
    return f"{v:.{dec}f}"


def _printed(text: str) -> float:
    """The number a statement prints ('1,234.5' → 1234.5), in its own unit."""
    return float(text.replace(",", ""))


def _numbers(expected: float, exp_dec: int, observed: float, obs_dec: int) -> dict:
    """A row's compared amounts as numbers (expected at the precision it is shown with) and its
    rounding step: one unit of the last decimal of the two."""
    return {"expected_value": round(expected, exp_dec), "observed_value": observed,
            "rounding_step": 10.0 ** -max(exp_dec, obs_dec)}


_YEAR_BEFORE = re.compile(r"(\d{4})\s*年|上年|去年|上一年")


def _other_year(doc: Document, st: Statement) -> bool:
    """The statement is about another year ('2025年“三公”经费预算19.35万元'), judged from its clause."""
    text = doc.paragraphs[st.paragraph].text if st.paragraph < len(doc.paragraphs) else ""
    if doc.paragraphs and st.paragraph < len(doc.paragraphs) and doc.paragraphs[st.paragraph].index != st.paragraph:
        text = next((p.text for p in doc.paragraphs if p.index == st.paragraph), "")
    clause = re.split(r"[，,。；;：:]", clean_text(text)[:st.position])[-1]
    m = _YEAR_BEFORE.search(clause)
    return bool(m and (m.group(1) is None or (doc.year and int(m.group(1)) != doc.year)))


def _unit_slip(st: Statement, cands: list[float]) -> tuple[float, str] | None:
    """(table figure, unit meant) when the stated number equals a figure only read in another unit ('1682.76元' for 1682.76万元)."""
    for c in cands:
        k = power_of_ten_apart(c, st.amount)
        if k is None or abs(k) not in (3, 4, 8):
            continue  # 10× apart is a wrong figure, not a unit (no one writes 千元 for 万元 in a narrative)
        meant = next((u for u in UNITS if abs(wan_per(u) / (wan_per(st.unit) * 10**k) - 1) < 1e-9), None)
        if meant is None:
            continue
        step = 10 ** -printed_decimals(st.amount_text) * wan_per(meant)
        if abs(float(st.amount_text.replace(",", "")) * wan_per(meant) - c) <= max(0.5 * step, 0.005) + 1e-6:
            return c, meant
    return None


def _compared(derived: Derived, documents: list[Document], three_public: bool | None
              ) -> Iterator[tuple[int, Document, Statement, list[float]]]:
    """(doc, document, statement, the table figures it names) for the statements compared with the tables."""
    for d, doc, paras in _statements(derived, documents):
        figs = figures(derived, doc)
        for sts, subj in zip(paras, _subjects(derived, doc), strict=True):
            for st, keys in zip(sts, subj, strict=True):
                if not keys or (three_public is not None and keys[0].startswith("tp:") != three_public):
                    continue
                cands = next((figs[k] for k in keys if k in figs), None)
                if not cands or not st.label or _other_year(doc, st):
                    continue
                yield d, doc, st, cands


def _tolerance(st: Statement) -> tuple[float, float]:
    step = 10 ** -printed_decimals(st.amount_text) * wan_per(st.unit)
    return step, max(0.5 * step, 0.005) + 1e-6


def _amount_rows(derived: Derived, documents: list[Document], three_public: bool) -> list[dict]:
    out: list[dict] = []
    for d, _doc, st, cands in _compared(derived, documents, three_public):
        step, tol = _tolerance(st)
        best = min(cands, key=lambda v, st=st: abs(v - st.amount))
        if abs(best - st.amount) > tol and _unit_slip(st, cands):
            continue  # narrative.unit_misstatement reports it
        exp = cands[0] if abs(best - st.amount) > tol else best
        # within one printed unit: truncated ('1,256' for 1,256.58) rather than wrong — info
        truncated = abs(best - st.amount) <= step + 1e-6
        out.append(_base(d, st, _fmt(best if truncated else exp, 2), st.amount_text,
                         f"说明中“{st.label}{st.amount_text}{st.unit}”与表中 {_fmt(best if truncated else exp, 2)}万元 不符 / "
                         f"the text states {st.amount_text} {st.unit} for {st.label}, the tables give "
                         f"{_fmt(best if truncated else exp, 2)}",
                         excess=abs(best - st.amount) - tol, severity="info" if truncated else None,
                         **_numbers(best if truncated else exp, 2, _printed(st.amount_text),
                                    printed_decimals(st.amount_text))))
    return out


def unit_misstatement(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """A stated amount that equals the table figure it names only in another unit ('1682.76元' for 1682.76万元).

    When most compared statements of a document are off by the same unit, the table's unit is the
    suspect (format.unit): info only.
    """
    out: list[dict] = []
    direct: dict[int, int] = {}
    slips: dict[int, list[tuple[str, str]]] = {}
    for d, _doc, st, cands in _compared(derived, documents, None):
        _step, tol = _tolerance(st)
        if any(abs(c - st.amount) <= tol for c in cands):
            direct[d] = direct.get(d, 0) + 1
            continue
        slip = _unit_slip(st, cands)
        if slip is None:
            continue
        figure, meant = slip
        slips.setdefault(d, []).append((st.unit, meant))
        out.append(_base(d, st, f"{st.amount_text}{meant}", f"{st.amount_text}{st.unit}",
                         f"说明中“{st.label}{st.amount_text}{st.unit}”单位有误：表中为 {_fmt(figure, 2)}万元，"
                         f"应为 {st.amount_text}{meant} / the text states {st.amount_text} {st.unit} for {st.label}; "
                         f"the tables give {_fmt(figure, 2)} 万元, i.e. {st.amount_text} {meant}",
                         excess=1.0))
    for r in out:
        pairs = slips[r["doc"]]
        if len(pairs) >= 2 and len(set(pairs)) == 1 and len(pairs) > direct.get(r["doc"], 0):
            r["severity"] = "info"
    return check_frame(out, EXTRA)


def amount_matches_table(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """A labelled amount equals the table line it names (any of the tables that print it)."""
    return check_frame(_amount_rows(derived, documents, three_public=False), EXTRA)


def three_public_amounts(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """The narrative's “三公” amounts (total and items, this year) equal the 三公 table."""
    return check_frame(_amount_rows(derived, documents, three_public=True), EXTRA)


def _wholes(doc_figs: dict[str, list[float]], sts: list[Statement], k: int, prev: list[list[Statement]],
            prev_text: list[str]) -> list[float]:
    """Candidate wholes for the share of sts[k], most specific first."""
    st, out = sts[k], []
    if st.share_whole:
        for key in _keys(re.sub(r"(的|比重|比例)", "", st.share_whole)):
            out += doc_figs.get(key, [])
    first_share = next(i for i, s in enumerate(sts) if s.share is not None)
    if first_share > 0 and sts[0].share is None:
        out.append(sts[0].amount)  # 'X万元。…分为：A万元，占a%；B万元，占b%'
    for text, stp in zip(reversed(prev_text[-3:]), reversed(prev[-3:]), strict=True):
        if re.search(r"其中[:：]?\s*$", text) and stp:
            out.append(stp[-1].amount)
            break
    explicit = bool(out)
    named = any(k in doc_figs for k in _keys(st.label))
    if not explicit and not named:
        return []  # a generic label ('支出') with no stated whole: we cannot tell what it is a share of
    for key in WHOLE_KEYS:
        out += doc_figs.get(key, [])
    return [w for w in out if w > 0]


_THREE_PUBLIC_ITEM = re.compile(r"三公|因公出国|公务接待|公务用车")


def share(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """'X万元，占N%': N = X / whole, the whole being the stated total or a table total."""
    out: list[dict] = []
    for d, doc, paras in _statements(derived, documents):
        figs = figures(derived, doc)
        texts = [p.text.strip() for p in doc.paragraphs]
        for i, sts in enumerate(paras):
            for k, st in enumerate(sts):
                if st.share is None or _THREE_PUBLIC_ITEM.search(st.label):
                    continue  # a 三公 item's share is of a 三公 total whose scope varies (江苏 adds 会议费、培训费)
                wholes = _wholes(figs, sts, k, paras[:i], texts[:i])
                if not wholes:
                    continue
                dec = printed_decimals(st.share_text or "")
                unit = 10.0 ** -dec
                diffs = []
                for w in wholes:
                    computed = st.amount / w * 100
                    slack = 100 * 0.005 * (1 / w + st.amount / w**2)  # rounding of the amounts
                    diffs.append((abs(computed - st.share) - slack, computed))
                gap, computed = min(diffs)
                gap_first, computed_first = diffs[0]
                if gap > 0.5 * unit:
                    gap, computed = gap_first, computed_first
                out.append(_base(
                    d, st, _fmt(computed, max(dec, 2)) + "%", f"{st.share_text}%",
                    f"“{st.label}{st.amount_text}{st.unit}，占{st.share_text}%”：按金额计算应为 {computed:.2f}% / "
                    f"share stated {st.share_text}%, the amounts give {computed:.2f}%",
                    severity="info" if dec >= 1 and gap <= unit else None, excess=gap - 0.5 * unit - 1e-9,
                    **_numbers(computed, max(dec, 2), _printed(st.share_text or ""), dec)))
    return check_frame(out, EXTRA)


def shares_sum(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """The shares of a breakdown whose amounts make up the stated total add to 100%."""
    out: list[dict] = []
    for d, _doc, paras in _statements(derived, documents):
        for sts in paras:
            parts = [s for s in sts if s.share is not None]
            if len(parts) < 2 or sts[0].share is not None:
                continue
            whole = sts[0].amount
            if whole <= 0 or abs(sum(s.amount for s in parts) - whole) > 0.01 * len(parts) + 1e-6:
                continue
            dec = max(printed_decimals(s.share_text or "") for s in parts)
            total = sum(s.share for s in parts)
            out.append(_base(d, parts[0], "100%", _fmt(total, dec) + "%",
                             f"各项占比合计 {_fmt(total, dec)}%，应为 100% / the shares add to {_fmt(total, dec)}%, not 100%",
                             name=sts[0].label, excess=abs(total - 100) - 10.0 ** -dec - 1e-9,
                             **_numbers(100.0, 0, round(total, dec), dec)))
    return check_frame(out, EXTRA)


def _rate_parts(st: Statement) -> tuple[float, float, float] | None:
    """(base, computed rate, tolerance) for a statement with a change amount and a rate."""
    if st.change is None or st.rate is None:
        return None
    base = st.amount - st.change
    step = 10 ** -printed_decimals(st.amount_text) * wan_per(st.unit)
    if base <= step / 2 or st.change == 0:
        return None
    rate = st.change / base * 100
    half = 0.5 * step
    extremes = [(st.change + dc) / (base + db) * 100 for dc in (-half, half) for db in (-2 * half, 2 * half)
                if base + db > 0]
    slack = max(abs(r - rate) for r in extremes) if extremes else 0.0
    return base, rate, 0.5 * 10 ** -printed_decimals(st.rate_text or "") + slack + 1e-9


def change_rate(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """'增加C万元，增长R%': R = C / (amount − C)."""
    out: list[dict] = []
    for d, _doc, paras in _statements(derived, documents):
        for sts in paras:
            for st in sts:
                parts = _rate_parts(st)
                if not parts:
                    continue
                base, rate, tol = parts
                unit = 10.0 ** -printed_decimals(st.rate_text or "")
                if 0 <= abs(rate) - abs(st.rate) < unit + tol:
                    tol += unit  # truncated, not rounded (15.57% printed 15.5%): still the same rate
                dec = max(printed_decimals(st.rate_text or ""), 2)
                out.append(_base(
                    d, st, _fmt(abs(rate), dec) + "%", f"{st.rate_text}%",
                    f"“{st.label}{st.amount_text}{st.unit}”变动 {st.change_text}万元，上年基数 {base:.2f}，"
                    f"变动率应为 {abs(rate):.2f}%，列示 {st.rate_text}% / rate stated {st.rate_text}%, "
                    f"{st.change_text} on a base of {base:.2f} is {abs(rate):.2f}%",
                    excess=abs(abs(rate) - abs(st.rate)) - tol,
                    **_numbers(abs(rate), dec, _printed(st.rate_text or ""), printed_decimals(st.rate_text or ""))))
    return check_frame(out, EXTRA)


def rate_from_zero_base(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """A growth rate stated where last year's amount was zero (`base` must be > 0)."""
    out: list[dict] = []
    for d, _doc, paras in _statements(derived, documents):
        for sts in paras:
            for st in sts:
                if st.change is None or st.rate is None or st.change == 0:
                    continue
                step = 10 ** -printed_decimals(st.amount_text) * wan_per(st.unit)
                base = st.amount - st.change
                out.append(_base(
                    d, st, "—", f"{st.rate_text}%",
                    f"“{st.label}”上年为 0，增长率无意义，却列示 {st.rate_text}% / "
                    f"a rate of {st.rate_text}% from a zero base",
                    base=0.0 if abs(base) <= step / 2 else round(base, 6)))
    return check_frame(out, {"base": pl.Float64})


def _rate_fits(st: Statement) -> bool:
    parts = _rate_parts(st)
    return parts is not None and abs(abs(parts[1]) - abs(st.rate or 0.0)) <= parts[2]


def consistent_statements(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """The same change (amount and rate) stated in two places belongs to the same amount."""
    out: list[dict] = []
    for d, _doc, paras in _statements(derived, documents):
        first: dict[tuple, Statement] = {}
        for sts in paras:
            for st in sts:
                if st.change is None or st.rate is None or st.change == 0:
                    continue
                key = (round(st.change, 4), round(st.rate, 4))
                if key not in first:
                    first[key] = st
                    continue
                f = first[key]
                if f.paragraph == st.paragraph or (_rate_fits(f) and _rate_fits(st)):
                    continue  # both rates fit their own amounts: a part may carry the whole change (三公 ← 车辆)
                out.append(_base(
                    d, st, f.amount_text, st.amount_text,
                    f"同一变动（{st.change_text}万元，{st.rate_text}%）在第 {f.paragraph} 段对应 {f.amount_text}万元，"
                    f"此处对应 {st.amount_text}万元 / the same change is stated against {f.amount_text} in "
                    f"paragraph {f.paragraph} and against {st.amount_text} here",
                    excess=abs(st.amount - f.amount) - 0.005,
                    **_numbers(_printed(f.amount_text), printed_decimals(f.amount_text), _printed(st.amount_text),
                               printed_decimals(st.amount_text))))
    return check_frame(out, EXTRA)


_WHOLE = re.compile(r"(总额|总计|合计|共计|总值|原值)$")
_REST = re.compile(r"^(其它|其他|剩余|其余)")


def breakdown_sum(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """'总额X万元。其中A万元；…其他B万元': a breakdown that ends with 其他 must add up to X."""
    out: list[dict] = []
    for d, doc, paras in _statements(derived, documents):
        for i, sts in enumerate(paras):
            text = clean_text(doc.paragraphs[i].text)
            for k, st in enumerate(sts):
                if not _WHOLE.search(st.label) or "其中" not in text[st.position:]:
                    continue
                items = sts[k + 1:]
                if len(items) < 2 or not _REST.match(items[-1].label):
                    continue
                total = sum(s.amount for s in items)
                dec = max(printed_decimals(s.amount_text) for s in [st, *items])
                out.append(_base(d, st, _fmt(total, dec), st.amount_text,
                                 f"“{st.label}{st.amount_text}万元”与其中各项之和 {_fmt(total, dec)} 不符 / "
                                 f"the parts add to {_fmt(total, dec)}, not {st.amount_text}",
                                 excess=abs(total - st.amount) - 10.0 ** -dec * len(items) / 2 - 1e-6,
                                 **_numbers(total, dec, _printed(st.amount_text), printed_decimals(st.amount_text))))
                break
    return check_frame(out, EXTRA)

