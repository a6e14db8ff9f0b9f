"""Row names: the form a name is printed in, and the one key names are matched by — across the
tables of a document, the narrative and the 政府收支分类科目 catalog.

`clean_name` is the name as shown (indentation, wrapping, '其中：' and list enumerators dropped, （）
brackets); `name_key` is that without any space, computed once per row at extraction
(`Table.rows['name_key']`) and used by every check that compares names.
"""

from __future__ import annotations

import re

SPACES = re.compile(r"[\s\u3000\u00a0\u2002\u2003\u200b]+")
# '一、', '（二）', '(3)', '3.' at the start of a name (not the '3.5' of an amount)
_ENUMERATOR = re.compile(
    r"^(?:[（(][一二三四五六七八九十百\d]+[）)]|[一二三四五六七八九十百]+[、.．]|\d+[、.．](?!\d))"
)
_CJK = r"\u3400-\u9fff\uff08\uff09\u201c\u201d（）、：，"


def clean_name(text: str | None) -> str:
    """A name as printed for a reader: no indentation or wrapping, （） brackets, single spaces only
    between Latin words, no leading '其中：' nor list enumerator ('一、', '（二）', '3.')."""
    if not text:
        return ""
    s = text.replace("\n", "").replace("\r", "")
    s = SPACES.sub(" ", s).strip()
    s = s.replace("(", "（").replace(")", "）").replace(":", "：")
    s = re.sub(rf"(?<=[{_CJK}]) +| +(?=[{_CJK}])", "", s)
    s = re.sub(r"^其中：?", "", s).strip()
    s = _ENUMERATOR.sub("", s).strip()
    return s


def name_key(text: str | None) -> str:
    """The key a name is matched by: `clean_name` without any space ('（二）项目 支出' → '项目支出')."""
    return SPACES.sub("", clean_name(text))
