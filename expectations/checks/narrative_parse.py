"""Parse the statements of the narrative: labelled amounts, their shares and their changes.

'一般公共服务支出457.9万元，占87%，比2020年预算减少19.65万元，下降4.11%' becomes one
Statement(label='一般公共服务支出', amount=457.9, share=87, change=-19.65, rate=-4.11).

Also the narrative's sections: `heading_section` tells a heading ('六、一般公共预算“三公”经费支出情况',
'（三）「三公」经费', '第四部分 名词解释') and what it is about; `sections` gives each paragraph
the section it sits in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.units import wan_per

# '1,234.56' only with proper groups of three: in '减少3,1682.76万元' the ',' is a shifted clause comma
NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_ALT = r"(?:（(?:增加|减少|增长|下降)）)?"
TOKEN = re.compile(
    rf"(?P<change>(?:比|较)(?:上年|去年|(?P<year>\d{{4}})年(?:度)?)[^，,。；;：:]{{0,16}}?"
    rf"(?P<dir1>增加|减少|增长|下降|持平){_ALT}(?:(?P<camt>{NUM})\s*(?P<cunit>亿元|万元|千元|元))?"
    rf"(?:[，,、]?\s*(?P<dir2>增长|下降|增加|减少){_ALT}(?P<rate>{NUM})\s*%)?)"
    rf"|(?P<share>占(?P<whole>[^\d，,。；;%]{{0,14}}?)(?P<pct>{NUM})\s*%)"
    # a '，' or '。' the PDF put between a number and its unit (shifted baseline): '1682.76，万元'
    rf"|(?P<amount>(?P<amt>{NUM})\s*[，,。]?\s*(?P<unit>亿元|万元|千元|元))"
)
DELIM = re.compile(r"[，,。；;：:、（）()]")


@dataclass
class Statement:
    paragraph: int
    label: str
    amount: float  # in 万元
    amount_text: str
    unit: str
    position: int
    share: float | None = None
    share_text: str | None = None
    share_whole: str | None = None
    change: float | None = None  # signed, in 万元
    change_text: str | None = None
    rate: float | None = None  # signed percent
    rate_text: str | None = None
    change_year: int | None = None
    part_of: str | None = None  # label of the whole a '其中' in the same sentence breaks down
    explains: bool = False  # in a clause explaining another figure's change ('主要原因是…B万元用于…')


def _clean_label(raw: str, department: str | None, year: int | None) -> str:
    s = re.sub(r"\s+", "", raw)
    if department:
        s = s.replace(re.sub(r"\s+", "", department), "")
    s = re.sub(r"^(截止|截至)?\d{4}年(\d{1,2}月\d{1,2}日)?(度)?", "", s)
    s = re.sub(r"^.*?(包括|分为|其中)", "", s)
    s = re.sub(r"^(分别为|主要是|主要为|\d+[.．、]|[（(][一二三四五六七八九十\d]+[）)])+", "", s)
    s = re.sub(r"(为|是|共|达|计|共计|合计)$", "", s)
    s = re.sub(r"^[“\"]([^”\"]+)[”\"](科目|项目)?$", r"\1", s)  # '“城乡社区支出”科目1,449万元' names the class
    return s


_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """The text statements are parsed from (Statement.position indexes it).

    Spaces go ('比 2025 年' as PDF text often has it); '％' → '%'; '因公出国（境）费用' keeps the
    bracketed 境 inside its label.
    """
    return (_SPACES.sub("", text).replace("％", "%").replace("（境）", "〔境〕").replace("(境)", "〔境〕")
            .translate(_QUOTES))


# 「三公」, 『三公』, ‘三公’, ＂三公＂ → “三公” (one character for one: positions stay)
_QUOTES = str.maketrans({"「": "“", "」": "”", "『": "“", "』": "”", "‘": "“", "’": "”", "＂": '"', "'": '"'})
_SENTENCE = re.compile(r"[。！？!?]")
_CLAUSE_END = re.compile(r"[。；;！？!?]")
_EXPLAINS = re.compile(r"原因|由于|因为|主要是|主要为|主要用于|用于")
_CHANGE_WORD = re.compile(r"(?:比|较|同比)[^，,。；;]{0,16}?(?:增加|减少|增长|下降)")


def _context(text: str, start: int, out: list[Statement]) -> tuple[str | None, bool]:
    """(label of the whole a '其中' before `start` in its sentence breaks down, whether the amount explains a change)."""
    sentence_start = max((m.end() for m in _SENTENCE.finditer(text, 0, start)), default=0)
    prefix = text[sentence_start:start]
    part_of = None
    k = prefix.rfind("其中")
    if k >= 0:
        at = sentence_start + k
        whole = [st for st in out if sentence_start <= st.position < at]
        part_of = whole[-1].label if whole else None
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    clause = text[clause_start:start]
    explains = bool(_EXPLAINS.search(clause)) or (
        # 'A比上年增加X万元，项目支出B万元用于…': a figure after a change in the same clause, no 其中
        k < 0 and bool(_CHANGE_WORD.search(clause)) and any(st.position >= clause_start for st in out))
    return part_of, explains


def parse_paragraph(index: int, text: str, department: str | None = None, year: int | None = None) -> list[Statement]:
    text = clean_text(text)
    out: list[Statement] = []
    last_end = 0
    for m in TOKEN.finditer(text):
        if m.group("amount"):
            before = text[last_end:m.start()]
            cut = max((d.end() for d in DELIM.finditer(before)), default=0)
            label = _clean_label(before[cut:], department, year)
            unit = m.group("unit")
            amt = float(m.group("amt").replace(",", "")) * wan_per(unit)
            part_of, explains = _context(text, m.start(), out)
            out.append(Statement(index, label, amt, m.group("amt"), unit, m.start(), part_of=part_of,
                                 explains=explains))
        elif m.group("share") and out and out[-1].share is None:
            out[-1].share = float(m.group("pct").replace(",", ""))
            out[-1].share_text = m.group("pct")
            out[-1].share_whole = (m.group("whole") or "").strip("的为") or None
        elif m.group("change") and out and out[-1].change is None and not _SENTENCE.search(text, out[-1].position, m.start()):
            # a change in a later sentence ('…200万元。比上年增加50万元') may be of any figure before: not attached
            st = out[-1]
            down = {m.group("dir1"), m.group("dir2")} & {"减少", "下降"}
            up = {m.group("dir1"), m.group("dir2")} & {"增加", "增长"}
            if down and up:  # 增加（减少） template text or a contradiction: not a statement
                last_end = m.end()
                continue
            sign = -1.0 if down else 1.0
            if m.group("camt"):
                st.change = sign * float(m.group("camt").replace(",", "")) * wan_per(m.group("cunit"))
                st.change_text = m.group("camt")
            if m.group("rate"):
                st.rate = sign * float(m.group("rate").replace(",", ""))
                st.rate_text = m.group("rate")
            st.change_year = int(m.group("year")) if m.group("year") else None
        last_end = m.end()
    return out


# Headings: '六、…', '（三）…', '(3)…', '3.…', '3、…', '第四部分 …', '①…', or a short line with no sentence in it.
_HEADING_NUMBER = re.compile(r"^(?:第[一二三四五六七八九十百\d]+(?:部分|章|节)|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]"
                             r"|\d{1,2}(?:[.．]\d{1,2})*[、.．](?!\d)|[①-⑳])")
_UNNUMBERED_END = re.compile(r"(情况|说明|解释|概况|表)$")
_HEADING_END = re.compile(r"(情况|说明|解释|概况|表|经费|费用|预算|决算)$")
_AMOUNT = re.compile(rf"{NUM}\s*(?:亿元|万元|千元|元)|\d\s*%")
# what a heading is about, first match wins ('“三公”经费和机关运行经费预算表' is about 三公)
SECTION_WORDS: list[tuple[str, re.Pattern]] = [
    ("glossary", re.compile(r"名词解释|名词说明|术语解释|专业名词")),
    ("three_public", re.compile(r"三公")),
    ("operating_costs", re.compile(r"机关运行")),
    ("procurement", re.compile(r"政府采购|购买服务")),
    ("assets", re.compile(r"国有资产|固定资产|资产占[有用]")),
    ("performance", re.compile(r"绩效")),
    ("gov_fund", re.compile(r"政府性基金")),
    ("soe", re.compile(r"国有资本经营")),
    ("gpb", re.compile(r"一般公共预算")),
    ("fiscal", re.compile(r"财政拨款")),
    ("overall", re.compile(r"收支|收入|支出|预算|决算")),
]


def heading_section(text: str) -> str | None:
    """The section a heading opens ('other' for one about none of SECTION_WORDS), or None: not a heading."""
    s = re.sub(r"[.．…·]{3,}\s*\d*$", "", clean_text(text))  # a contents line '（七）…情况说明........11'
    sentence = s.endswith("。")  # '（二）机关运行经费。' is a heading, '（三）负责拟订…资金监督管理。' a duty
    s = s.rstrip("。.:：")
    numbered = _HEADING_NUMBER.match(s)
    body = s[numbered.end():] if numbered else s
    if not body or len(body) > 60 or _AMOUNT.search(body) or re.search(r"[，,；;。]", body):
        return None
    if sentence and not _HEADING_END.search(body):
        return None
    key = next((key for key, pat in SECTION_WORDS if pat.search(body)), "other")
    if not numbered and (len(body) > 24 or key == "other" or not _UNNUMBERED_END.search(body)):
        return None  # an unnumbered line is a heading only when it reads like one ('“三公”经费预算情况说明')
    return key


def sections(texts: list[str]) -> list[str | None]:
    """Per paragraph, the section it sits in: the last heading's (a heading is in its own section)."""
    out, current = [], None
    for t in texts:
        current = heading_section(t) or current
        out.append(current)
    return out
