"""Parse the statements of the narrative: labelled amounts, their shares and their changes.

'一般公共服务支出457.9万元，占87%，比2020年预算减少19.65万元，下降4.11%' becomes one
Statement(label='一般公共服务支出', amount=457.9, share=87, change=-19.65, rate=-4.11).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.units import wan_per

NUM = r"\d[\d,]*(?:\.\d+)?"
_ALT = r"(?:（(?:增加|减少|增长|下降)）)?"
TOKEN = re.compile(
    rf"(?P<change>(?:比|较)(?:上年|去年|(?P<year>\d{{4}})年(?:度)?)[^，,。；;：:]{{0,16}}?"
    rf"(?P<dir1>增加|减少|增长|下降|持平){_ALT}(?:(?P<camt>{NUM})\s*(?P<cunit>亿元|万元|千元|元))?"
    rf"(?:[，,、]?\s*(?P<dir2>增长|下降|增加|减少){_ALT}(?P<rate>{NUM})\s*%)?)"
    rf"|(?P<share>占(?P<whole>[^\d，,。；;%]{{0,14}}?)(?P<pct>{NUM})\s*%)"
    rf"|(?P<amount>(?P<amt>{NUM})\s*(?P<unit>亿元|万元|千元|元))"
)
DELIM = re.compile(r"[，,。；;：:、（）()]")


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


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
    return _SPACES.sub("", text).replace("％", "%").replace("（境）", "〔境〕").replace("(境)", "〔境〕")


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
            out.append(Statement(index, label, amt, m.group("amt"), unit, m.start()))
        elif m.group("share") and out and out[-1].share is None:
            out[-1].share = float(m.group("pct").replace(",", ""))
            out[-1].share_text = m.group("pct")
            out[-1].share_whole = (m.group("whole") or "").strip("的为") or None
        elif m.group("change") and out and out[-1].change is None:
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
