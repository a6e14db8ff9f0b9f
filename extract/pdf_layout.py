"""Page geometry for the PDF reader: text lines from word positions, ruled and unruled tables.

Everything here works on word/char coordinates (x0, top, x1, bottom in PDF points, origin at
the top-left of the page as displayed, rotation already applied by pdfminer), never on the
order of the content stream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# One grid cell: (row, col, text, page, x0, top, x1, bottom, address) — GRID_COLUMNS order.
Cell = tuple[int, int, str, int, float, float, float, float, str | None]

RULED = {"vertical_strategy": "lines", "horizontal_strategy": "lines", "snap_tolerance": 3, "join_tolerance": 3}

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
HEADING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．](?!\d)|第[一二三四五六七八九十\d]+[部分章节条]|[①-⑳])"
)
SENTENCE_END = ("。", "！", "？", "；", "：", ":", ";", "!", "?")
PAGE_NUMBER = re.compile(r"^[-—–－\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*[/／]\s*(?:共\s*)?\d{1,4}\s*页?)?[-—–－\s]*$")


@dataclass
class Line:
    """A text line (or a run of words on one line, split at wide gaps)."""

    text: str
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    size: float  # typical char height

    @property
    def mid(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class PageTable:
    """A table on one page (or several, after joining), before it becomes a Grid."""

    pages: list[int]
    x0: float
    top: float
    x1: float
    bottom: float
    cells: list[Cell]
    n_rows: int
    n_cols: int
    col_edges: list[float]  # x of the column boundaries (n_cols + 1 values)
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    unruled: bool = False
    area: tuple[float, float, float, float] | None = None  # the whole ruled frame, caption rows included

    def contains(self, obj: dict[str, Any], margin: float = 1.0) -> bool:
        x0, top, x1, bottom = self.area or (self.x0, self.top, self.x1, self.bottom)
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return x0 - margin <= cx <= x1 + margin and top - margin <= cy <= bottom + margin

    def row_texts(self, r: int) -> list[str]:
        out = [""] * self.n_cols
        for c in self.cells:
            if c[0] == r:
                out[c[1]] = c[2]
        return out


def join_cell_lines(text: str | None) -> str:
    """A cell's wrapped lines as one string: CJK joined directly, other scripts with a space."""
    if not text:
        return ""
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    if not parts:
        return ""
    out = parts[0]
    for p in parts[1:]:
        if _CJK.match(out[-1]) or _CJK.match(p[0]) or out[-1] in ",，" or p[0] in ",，.%":
            out += p
        else:
            out += " " + p
    return out


CAPTION = re.compile(
    r"(?:表|表格)\s*$|^\s*(?:编制)?(?:单位|部门)\s*(?:名称)?\s*[:：]|^\s*公开\s*\d+\s*表|^\s*表\s*[\d一二三四五六七八九十]+|^\s*金额单位|单位\s*[:：]\s*(?:万元|千元|元)\s*$"
)
NOTE = re.compile(r"^\s*(?:注|说明|备注)\s*[\d一二三]*\s*[:：]")
_NUMERIC = re.compile(r"\d[\d,]*\.\d+|\d{1,3}(?:,\d{3})+")


def _cell_lines(row: list[str]) -> list[str]:
    return [ln.strip() for x in row for ln in x.split("\n") if ln.strip()]


def _caption_lines(row: list[str]) -> list[str]:
    """A caption row's texts as lines; a label ending in '：' is joined to the next cell."""
    out: list[str] = []
    for t in _cell_lines(row):
        wrapped_title = len(t) <= 3 and t.endswith(("表", "表格")) and not out[-1:][0].endswith("表") if out else False
        if out and (out[-1].endswith((":", "：")) or wrapped_title):
            out[-1] += t
        else:
            out.append(t)
    return out


def ruled_tables(page: Any, page_no: int, words: list[dict[str, Any]] | None = None) -> list[PageTable]:
    """Tables found from drawn rules (lines and rect edges); ≥2 rows and ≥2 columns.

    A frame that holds a title row in its middle is split there into two tables. Columns
    with no text at all (frame slivers) are dropped; leading rows that only hold a caption
    (title, 单位：万元, 部门：…) move to `before`, trailing caption or 注：… rows to `after`.
    """
    out: list[PageTable] = []
    closing = _closing_rules(page.edges)
    for t in page.find_tables({**RULED, "explicit_horizontal_lines": closing} if closing else RULED):
        raw = t.extract(x_tolerance=1.5, y_tolerance=2)
        n_cols = max((len(r) for r in raw), default=0)
        col_boxes = [col.bbox for col in t.columns]
        row_boxes = [row.bbox for row in t.rows]
        texts: list[list[str]] = []
        boxes: list[list[tuple[float, ...]]] = []
        for r, row in enumerate(t.rows):
            trow, brow = [], []
            for c in range(n_cols):
                box = row.cells[c] if c < len(row.cells) else None
                text = (raw[r][c] if c < len(raw[r]) else None) or ""  # lines kept until captions are out
                if box is None:  # spanned by a merged cell: its slot in the grid, no text
                    box = (col_boxes[c][0], row_boxes[r][1], col_boxes[c][2], row_boxes[r][3])
                    text = ""
                trow.append(text)
                brow.append(tuple(round(float(v), 2) for v in box))
            texts.append(trow)
            boxes.append(brow)
        _leave_slivers(texts, boxes, col_boxes)
        if words is not None:
            _unwrap_frame_cells(texts, boxes, words, page_no)
        starts = [0] + [r for r in range(1, len(texts)) if _is_title_row(texts[r])]
        for a, b in zip(starts, starts[1:] + [len(texts)], strict=False):
            pt = _segment(texts[a:b], boxes[a:b], col_boxes, page_no)
            if pt is not None:
                out.append(pt)
    out.sort(key=lambda t: (round(t.top), t.x0))
    return out


def _closing_rules(edges: list[dict[str, Any]], tol: float = 3.0) -> list[dict[str, Any]]:
    """Horizontal rules missing where ≥ 3 vertical rules start or end together.

    A table continued from the previous page often has its first row drawn without a top rule
    (Word puts it on the page before); the finder would drop that row. Such a row is closed by
    a rule across the vertical rules' x range."""
    vert = [e for e in edges if e["orientation"] == "v" and e["height"] > 5]
    horiz = [e for e in edges if e["orientation"] == "h" and e["width"] > 10]
    out: list[dict[str, Any]] = []
    for key in ("top", "bottom"):
        groups: list[list[dict[str, Any]]] = []
        for e in sorted(vert, key=lambda e: e[key]):
            if groups and e[key] - groups[-1][0][key] <= 1.0:
                groups[-1].append(e)
            else:
                groups.append([e])
        for g in groups:
            if len(g) < 3:
                continue
            y, x0, x1 = g[0][key], min(e["x0"] for e in g), max(e["x1"] for e in g)
            if any(abs(h["top"] - y) <= tol and h["x0"] <= x0 + tol and h["x1"] >= x1 - tol for h in horiz):
                continue
            out.append({"object_type": "line", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0})
    return out


SLIVER = 8.0  # pt: narrower columns are the padding between a cell's border rect and its text


def _leave_slivers(texts: list[list[str]], boxes: list[list[tuple[float, ...]]], col_boxes: list[Any]) -> None:
    """A merged cell that starts in a padding sliver goes to the first real column it spans.

    Word 2007 draws every cell as a border rect around a padded inner area, so the finder sees a
    sliver column (≈5 pt) on each side of every real one. Rows whose cells are drawn whole
    (62–190) then start in the sliver while the header's inner cell (67–185) is the real
    column: the text of the first kind moves to the column of the second, so a column's header
    and values share one grid column."""
    lefts = [float(b[0]) for b in col_boxes]
    right = max((float(b[2]) for b in col_boxes), default=0.0)
    widths = [(lefts[c + 1] if c + 1 < len(lefts) else right) - lefts[c] for c in range(len(lefts))]
    if sum(1 for w in widths if w < SLIVER) < 2:
        return
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            if not text or widths[c] >= SLIVER:
                continue
            x1 = boxes[r][c][2]
            for c2 in range(c + 1, len(row)):
                if lefts[c2] >= x1 - 1:
                    break
                if widths[c2] >= SLIVER and not row[c2]:
                    box = boxes[r][c]
                    row[c2], row[c] = text, ""
                    boxes[r][c2], boxes[r][c] = box, (lefts[c], box[1], lefts[c] + widths[c], box[3])
                    break


def _unwrap_frame_cells(
    texts: list[list[str]], boxes: list[list[tuple[float, ...]]], words: list[dict[str, Any]], page_no: int
) -> None:
    """A cell drawn around other cells (an outer frame the finder took for a cell) gets only
    the words that lie in no other cell, e.g. the caption above the real header."""
    heights = sorted(b[3] - b[1] for row in boxes for b in row)
    median = heights[len(heights) // 2] if heights else 0
    flat = [(r, c, b) for r, row in enumerate(boxes) for c, b in enumerate(row)]
    for r, c, b in flat:
        if texts[r][c] == "" or b[3] - b[1] <= 3 * median:
            continue
        inner = [o for (r2, c2, o) in flat if (r2, c2) != (r, c) and texts[r2][c2] and _inside(o, b)]
        if not inner:
            continue
        mine = [w for w in words if _inside(_box(w), b) and not any(_inside(_box(w), o) for o in inner)]
        texts[r][c] = "\n".join(ln.text for ln in build_lines(mine, page_no, gap_chars=1e9))


def _box(w: dict[str, Any]) -> tuple[float, float, float, float]:
    return (w["x0"], w["top"], w["x1"], w["bottom"])


def _inside(a: tuple[float, ...], b: tuple[float, ...], tol: float = 1.0) -> bool:
    """The centre of box `a` lies in box `b`, and `a` is smaller."""
    cx, cy = (a[0] + a[2]) / 2, (a[1] + a[3]) / 2
    return (
        b[0] - tol <= cx <= b[2] + tol
        and b[1] - tol <= cy <= b[3] + tol
        and (a[2] - a[0]) * (a[3] - a[1]) < (b[2] - b[0]) * (b[3] - b[1])
    )


def _segment(
    texts: list[list[str]], boxes: list[list[tuple[float, ...]]], col_boxes: list[Any], page_no: int
) -> PageTable | None:
    """Rows of one table → PageTable (caption rows moved out, empty columns dropped)."""
    if not texts:
        return None
    area = (
        min(b[0] for row in boxes for b in row),
        min(b[1] for b in boxes[0]),
        max(b[2] for row in boxes for b in row),
        max(b[3] for b in boxes[-1]),
    )
    before: list[str] = []
    after: list[str] = []
    while texts and not any(x.strip() for x in texts[-1]):  # empty frame rows below the last line
        texts.pop()
        boxes.pop()
    while texts and not any(x.strip() for x in texts[0]):  # and above the caption
        texts.pop(0)
        boxes.pop(0)
    while texts and _is_caption_row(texts[0]):
        before.extend(_caption_lines(texts.pop(0)))
        boxes.pop(0)
    while texts and (
        _is_caption_row(texts[-1]) or (sum(1 for x in texts[-1] if x) == 1 and any(NOTE.match(x) for x in texts[-1]))
    ):
        after[:0] = _caption_lines(texts.pop())
        boxes.pop()
    _join_split_numbers(texts)
    keep = [c for c in range(len(texts[0])) if any(row[c].strip() for row in texts)] if texts else []
    texts = [[row[c] for c in keep] for row in texts]
    boxes = [[row[c] for c in keep] for row in boxes]
    _unwrap_centred_labels(texts)
    _lift_centred_amounts(texts)
    n_rows, n_cols = len(texts), len(keep)
    if n_cols < 2 or n_rows == 0:
        return None
    if n_rows == 1 and not (sum(1 for x in texts[0] if x.strip()) >= 2 and any(_NUMERIC.search(x) for x in texts[0])):
        return None  # a lone framed line; a one-row table is kept only if it holds amounts
    cells: list[Cell] = [
        (r, c, join_cell_lines(texts[r][c]), page_no, *boxes[r][c], None) for r in range(n_rows) for c in range(n_cols)
    ]
    x0 = min(b[0] for row in boxes for b in row)
    x1 = max(b[2] for row in boxes for b in row)
    top = min(b[1] for b in boxes[0])
    bottom = max(b[3] for b in boxes[-1])
    edges = [round(float(col_boxes[c][0]), 1) for c in keep] + [round(float(col_boxes[keep[-1]][2]), 1)]
    pt = PageTable([page_no], x0, top, x1, bottom, cells, n_rows, n_cols, edges, before=before, after=after)
    pt.area = area  # the whole frame, caption rows included: its words are not page text
    return pt


_ONE_DECIMAL = re.compile(r"^-?\d[\d,]*\.\d$")


def _join_split_numbers(texts: list[list[str]]) -> None:
    """A number cut over two cells by a stray rule ('267.8' | '0'): a one-decimal number whose
    right neighbour is a lone digit, in a column that holds nothing but such digits (no
    header of its own), is one number."""
    for c in range(len(texts[0]) - 1 if texts else 0):
        right = [row[c + 1].strip() for row in texts if row[c + 1].strip()]
        if not right or not all(re.fullmatch(r"\d", x) for x in right):
            continue
        for row in texts:
            if re.fullmatch(r"\d", row[c + 1].strip()) and _ONE_DECIMAL.match(row[c].strip()):
                row[c], row[c + 1] = row[c].strip() + row[c + 1].strip(), ""


_FINISHED = re.compile(r"(?:支出|收入|资金|经费|费|合计|小计|总计|[）)])$")
_ITEM_START = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(]|\d|其中|合\s*计|小\s*计|总\s*计)")
_CODE_CELL = re.compile(r"^\s*\d{3,7}\s*$")


def _unwrap_centred_labels(texts: list[list[str]]) -> None:
    """Labels wrapped over several grid rows, their amount on a row of its own in between.

    Word 2007 tables whose blocks have their own row rules (江苏 收支总表: 收入 | 功能分类 |
    支出用途 side by side) cut a wrapped label into one grid row per line: '三、单位预留机动' ·
    (row) 2,388.04 · (row) '经费'. A tail — a short text with no amount beside it, not an item
    of its own, under an unfinished label of the same column at most 3 rows up — joins that
    label, and the label moves to the single amount printed between them when its own row has
    none. Only a text column followed by an amount column is read this way."""
    if not texts:
        return
    n_rows, n_cols = len(texts), len(texts[0])

    def numeric(col: int) -> bool:
        return any(_NUMERIC.search(texts[r][col]) for r in range(n_rows))

    for lab in range(n_cols - 1):
        amt = lab + 1
        if numeric(lab) or not numeric(amt):
            continue
        for t in range(1, n_rows):
            tail = texts[t][lab].strip()
            if (
                not tail
                or len(tail) > 4
                or _ITEM_START.match(tail)
                or texts[t][amt].strip()
                or any(_CODE_CELL.match(x) for x in texts[t])
            ):
                continue
            h = next((r for r in range(t - 1, max(-1, t - 4), -1) if texts[r][lab].strip()), None)
            if h is None:
                continue
            head = texts[h][lab].strip()
            if _FINISHED.search(head) or _NUMERIC.search(head):
                continue
            label = join_cell_lines(head + "\n" + tail)
            texts[t][lab] = ""
            between = [r for r in range(h + 1, t) if texts[r][amt].strip()]
            if not texts[h][amt].strip() and len(between) == 1 and not texts[between[0]][lab].strip():
                texts[h][lab], texts[between[0]][lab] = "", label
            else:
                texts[h][lab] = label


def _lift_centred_amounts(texts: list[list[str]]) -> None:
    """A row's amounts printed on a grid row of their own below its code and name (the amount
    cell is taller and its text centred lower: '204 公共安全支出' | next grid row '16,444.36').
    A row holding only amounts goes to the nearest printed row above (at most 2 up) when
    that row holds no amount and all its labels lie left of the amounts."""
    for r in range(1, len(texts)):
        row = texts[r]
        filled = [c for c, x in enumerate(row) if x.strip()]
        if not filled or not all(_NUMERIC.fullmatch(row[c].strip()) for c in filled):
            continue
        up = next((k for k in range(r - 1, max(-1, r - 3), -1) if any(x.strip() for x in texts[k])), None)
        if up is None:
            continue
        above = texts[up]
        labels = [c for c, x in enumerate(above) if x.strip()]
        if any(_NUMERIC.search(x) for x in above) or max(labels) > min(filled):
            continue  # only labels, all left of the amounts (a header row has text above them)
        for c in filled:
            above[c], row[c] = row[c], ""


def _is_title_row(row: list[str]) -> bool:
    filled = [x for x in row if x.strip()]
    first = _cell_lines(filled[:1])[:1]
    return 0 < len(filled) <= 2 and bool(first) and first[0].endswith(("表", "表格")) and not _NUMERIC.search(first[0])


def _is_caption_row(row: list[str]) -> bool:
    filled = _cell_lines(row)
    return (
        0 < len([x for x in row if x.strip()]) <= 4
        and any(CAPTION.search(x) for x in filled)
        and not any(_NUMERIC.search(x) for x in filled)
    )


def _is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


def build_lines(words: list[dict[str, Any]], page_no: int, gap_chars: float = 4.0) -> list[Line]:
    """Cluster words into lines by vertical overlap, order each line by x.

    A gap wider than `gap_chars` character heights splits a line into separate runs
    (e.g. '编制单位：…' and '单位：万元' printed on the same baseline).
    """
    rows: list[list[dict[str, Any]]] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        h = w["bottom"] - w["top"]
        mid = (w["top"] + w["bottom"]) / 2
        if rows:
            cur = rows[-1]
            top = min(x["top"] for x in cur)
            bottom = max(x["bottom"] for x in cur)
            if top - 0.3 * h <= mid <= bottom + 0.3 * h and mid - (top + bottom) / 2 < 0.5 * max(h, bottom - top):
                cur.append(w)
                continue
        rows.append([w])
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        size = sorted(w["bottom"] - w["top"] for w in row)[len(row) // 2] or 10.0
        run: list[dict[str, Any]] = [row[0]]
        for w in row[1:]:
            if w["x0"] - run[-1]["x1"] > gap_chars * size and not run[-1]["text"].endswith((":", "：")):
                lines.append(_make_line(run, page_no, size))
                run = [w]
            else:
                run.append(w)
        lines.append(_make_line(run, page_no, size))
    lines.sort(key=lambda ln: (round(ln.mid), ln.x0))
    return lines


def _make_line(run: list[dict[str, Any]], page_no: int, size: float) -> Line:
    text = run[0]["text"]
    for prev, w in zip(run, run[1:], strict=False):
        gap = w["x0"] - prev["x1"]
        # CJK text separated by a sub-character gap is one word; otherwise keep a space
        if gap < 0.25 * size and (_is_cjk(prev["text"][-1]) or _is_cjk(w["text"][0])):
            text += w["text"]
        else:
            text += " " + w["text"]
    return Line(
        text=text,
        page=page_no,
        x0=min(w["x0"] for w in run),
        top=min(w["top"] for w in run),
        x1=max(w["x1"] for w in run),
        bottom=max(w["bottom"] for w in run),
        size=size,
    )


def is_page_furniture(line: Line, page_height: float) -> bool:
    """Page numbers ('- 3 -', '第3页', '3/20') — not part of a table's title or notes."""
    return bool(PAGE_NUMBER.match(line.text)) and (
        line.top < 0.12 * page_height or line.bottom > 0.85 * page_height or "-" in line.text or "页" in line.text
    )


def lines_to_paragraphs(lines: list[Line], page_heights: dict[int, float] | None = None) -> list[tuple[str, int]]:
    """Merge text lines (in document order) into paragraphs; returns (text, first page).

    A new paragraph starts after a line that ends a sentence, at a heading marker
    ('一、', '（一）', '1.'), at an indented line, after a short line or a wide vertical gap.
    """
    out: list[tuple[str, int]] = []
    cur: list[Line] = []
    # right margin per page: the typical right edge of full lines
    right: dict[int, float] = {}
    for ln in lines:
        right[ln.page] = max(right.get(ln.page, 0.0), ln.x1)
    left: dict[int, float] = {}
    for ln in lines:
        left[ln.page] = min(left.get(ln.page, 1e9), ln.x0)

    def flush() -> None:
        if cur:
            text = cur[0].text
            for a, b in zip(cur, cur[1:], strict=False):
                joiner = "" if (_is_cjk(a.text[-1]) or _is_cjk(b.text[0])) else " "
                text += joiner + b.text
            out.append((text.strip(), cur[0].page))
            cur.clear()

    for ln in lines:
        if page_heights and is_page_furniture(ln, page_heights.get(ln.page, 842.0)):
            continue
        if not ln.text.strip():
            continue
        if cur:
            prev = cur[-1]
            new = (
                prev.text.rstrip().endswith(SENTENCE_END)
                or HEADING.match(ln.text) is not None
                or ln.x0 > left[ln.page] + 1.5 * ln.size  # first-line indent / centred title
                or prev.x1 < right[prev.page] - 3 * prev.size  # short line ends its paragraph
                or (ln.page == prev.page and ln.top - prev.bottom > 1.2 * max(ln.size, prev.size))
                or (ln.page == prev.page and abs(ln.size - prev.size) > 0.25 * prev.size)
            )
            if new:
                flush()
        cur.append(ln)
    flush()
    return out


_AMOUNT_RUN = re.compile(r"^[-(（]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d{1,4})[)）]?$")


def _row_groups(lines: list[Line]) -> list[list[Line]]:
    """Runs on the same baseline (a line split at wide gaps) as one row, top to bottom."""
    rows: list[list[Line]] = []
    for ln in sorted(lines, key=lambda x: (x.mid, x.x0)):
        if rows and abs(ln.mid - rows[-1][0].mid) <= 0.5 * max(ln.size, rows[-1][0].size):
            rows[-1].append(ln)
        else:
            rows.append([ln])
    for row in rows:
        row.sort(key=lambda x: x.x0)
    return rows


def _is_amount_row(row: list[Line]) -> bool:
    return len(row) >= 2 and any(_AMOUNT_RUN.match(r.text.replace(" ", "")) for r in row)


def unruled_tables(lines: list[Line], page: Any, page_no: int) -> tuple[list[PageTable], list[Line]]:
    """Tables printed without rules (an XLSX or HTML page exported to PDF without borders), from
    word coordinates. Returns (tables, remaining lines).

    Rows are runs of text on one baseline; a table is ≥ 2 consecutive rows that hold several runs
    and an amount, plus up to 3 multi-run header rows just above. Columns are the x-intervals
    the data runs cover (overlapping runs merge into one column); every run goes to the column
    under its centre. Values come from word positions only, never from text-flow order.
    """
    rows = _row_groups(lines)
    tables: list[PageTable] = []
    used: set[int] = set()
    k = 0
    while k < len(rows):
        if not _is_amount_row(rows[k]):
            k += 1
            continue
        end = k
        while end + 1 < len(rows) and (
            _is_amount_row(rows[end + 1]) or (len(rows[end + 1]) >= 2 and end + 2 < len(rows) and _is_amount_row(rows[end + 2]))
        ):
            end += 1
        start = k
        while start > 0 and k - start < 3 and len(rows[start - 1]) >= 2 and not _is_amount_row(rows[start - 1]):
            start -= 1
        data = rows[k : end + 1]
        if sum(1 for r in data if _is_amount_row(r)) >= 2:
            t = _unruled_table(rows[start : end + 1], data, page_no)
            if t is not None:
                tables.append(t)
                used.update(range(start, end + 1))
        k = end + 1
    rest = [ln for i, row in enumerate(rows) if i not in used for ln in row]
    rest.sort(key=lambda ln: (round(ln.mid), ln.x0))
    return tables, rest


def _unruled_table(rows: list[list[Line]], data: list[list[Line]], page_no: int) -> PageTable | None:
    spans = sorted((r.x0, r.x1) for row in data for r in row)
    cols: list[list[float]] = []
    for x0, x1 in spans:
        if cols and x0 <= cols[-1][1] + 1:
            cols[-1][1] = max(cols[-1][1], x1)
        else:
            cols.append([x0, x1])
    if len(cols) < 2:
        return None

    def col_of(r: Line) -> int:
        cx = (r.x0 + r.x1) / 2
        inside = [c for c, (a, b) in enumerate(cols) if a - 1 <= cx <= b + 1]
        if inside:
            return inside[0]
        return min(range(len(cols)), key=lambda c: min(abs(cx - cols[c][0]), abs(cx - cols[c][1])))

    cells: list[Cell] = []
    for r, row in enumerate(rows):
        top = min(x.top for x in row)
        bottom = max(x.bottom for x in row)
        slots: dict[int, list[Line]] = {}
        for run in row:
            slots.setdefault(col_of(run), []).append(run)
        for c in range(len(cols)):
            runs = slots.get(c, [])
            if runs:
                text = " ".join(x.text for x in runs)
                box = (min(x.x0 for x in runs), top, max(x.x1 for x in runs), bottom)
            else:
                text, box = "", (cols[c][0], top, cols[c][1], bottom)
            cells.append((r, c, text, page_no, *(round(v, 2) for v in box), None))
    edges = [round(a, 1) for a, _ in cols] + [round(cols[-1][1], 1)]
    top = min(x.top for x in rows[0])
    bottom = max(x.bottom for x in rows[-1])
    return PageTable([page_no], cols[0][0], top, cols[-1][1], bottom, cells, len(rows), len(cols), edges, unruled=True)


NOTE_LINE = re.compile(r"^\s*(?:注|说明|备注|资料来源|数据来源)")
PART = re.compile(r"^\s*第[一二三四五六七八九十\d]+部分")


def lines_after(lines: list[Line], max_lines: int = 12) -> list[Line]:
    """The lines just below a table that belong to it: notes (注：…) and short captions.

    Stops at a part/section heading that is not inside a note, at a wide vertical gap,
    or after `max_lines` lines, so the narrative that follows the last table stays out.
    """
    out: list[Line] = []
    in_note = False
    for ln in lines:
        if NOTE_LINE.match(ln.text):
            in_note = True
        elif PART.match(ln.text) or (HEADING.match(ln.text) and not in_note and not ln.text.rstrip().endswith("表")):
            # a table's title at the foot of the page is kept: it titles the next page's table
            break
        if out and ln.top - out[-1].bottom > 2.5 * max(ln.size, out[-1].size):
            break
        if len(out) >= max_lines:
            break
        out.append(ln)
    return out


def lines_before(lines: list[Line], max_lines: int = 8) -> list[Line]:
    """The lines just above a table (title, 表N, 单位, 编制单位), walking up from the table.

    Stops at a wide vertical gap, at a line that ends a sentence (narrative, not a
    caption) and after a section heading, so the page's running text stays out.
    """
    out: list[Line] = []
    for ln in reversed(lines):
        if out and out[0].top - ln.bottom > 2.5 * max(ln.size, out[0].size):
            break
        if ln.text.rstrip().endswith(("。", "；", ";")) or len(out) >= max_lines:
            break
        out.insert(0, ln)
        if PART.match(ln.text):
            break
    return _merge_wrapped_titles(out)


def _merge_wrapped_titles(lines: list[Line]) -> list[Line]:
    """'…支出预算' + '表' on the next line, same font → one title line."""
    out: list[Line] = []
    for ln in lines:
        prev = out[-1] if out else None
        if (
            prev is not None
            and abs(prev.size - ln.size) <= 0.1 * prev.size
            and 0 <= ln.top - prev.bottom < 0.6 * ln.size
            and not prev.text.rstrip().endswith(("表", "表格", ")", "）", "：", ":"))
            and ln.text.rstrip().endswith(("表", "表格", ")", "）"))
            and len(ln.text.strip()) <= 4  # only the wrapped tail of a title
        ):
            out[-1] = Line(prev.text + ln.text, prev.page, min(prev.x0, ln.x0), prev.top, max(prev.x1, ln.x1), ln.bottom, prev.size)
        else:
            out.append(ln)
    return out
