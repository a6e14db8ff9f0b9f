"""Join tables that continue over pages into one table.

A page's first table continues the previous page's last table when nothing titles it
(no text above it, or only a repeat of the previous part's title lines) and its columns
line up with the previous part (same count, or boundaries at the same x). Header rows
that the continuation repeats are dropped.
"""

from __future__ import annotations

import re

from extract.pdf_layout import PageTable

_TITLE = re.compile(r"表|单位[:：]|编制|公开\d+|^\s*附件")
_SPACE = re.compile(r"\s+")
_NOTE = re.compile(r"^\s*(?:注|说明|备注)")
# Column edges of two parts match within this many points: Word 2007 draws a cell's border rect
# ≈5.5 pt outside its padded text area, so a part whose rows are drawn whole starts its columns
# that much left of a part whose header cells are drawn padded.
COL_TOL = 7.0


def _norm(s: str) -> str:
    return _SPACE.sub("", s)


def columns_match(a: PageTable, b: PageTable, tol: float = COL_TOL) -> bool:
    """Same column count, or (after dropping a narrow edge) boundaries at the same x."""
    if a.n_cols == b.n_cols:
        if a.unruled or b.unruled:
            return True
        return all(abs(x - y) <= 12.0 for x, y in zip(a.col_edges, b.col_edges, strict=False))
    # different counts: most of the shorter list of edges found in the longer one
    short, long_ = sorted((a.col_edges, b.col_edges), key=len)
    hits = sum(1 for x in short if any(abs(x - y) <= tol for y in long_))
    return hits >= len(short) - 1 and len(short) >= 3


def is_untitled(t: PageTable, prev: PageTable) -> bool:
    """No title above the table, or only lines repeated from the previous part's title."""
    prev_before = {_norm(s) for s in prev.before}
    return all(_norm(s) in prev_before or not _TITLE.search(s) for s in t.before)


def repeated_header_rows(prev: PageTable, t: PageTable, max_rows: int = 6) -> int:
    """How many leading rows of `t` repeat `prev`'s leading rows (the column header)."""
    n = 0
    while n < min(max_rows, t.n_rows - 1, prev.n_rows):
        a = [_norm(x) for x in prev.row_texts(n)]
        b = [_norm(x) for x in t.row_texts(n)]
        if a != b or not any(b):
            break
        n += 1
    return n


def join_continued(tables: list[PageTable]) -> list[PageTable]:
    """Tables in document order → the same with page continuations merged."""
    out: list[PageTable] = []
    first_on_page: set[int] = set()
    seen_pages: set[int] = set()
    for i, t in enumerate(tables):
        if t.pages[0] not in seen_pages:
            first_on_page.add(i)
            seen_pages.add(t.pages[0])
    last_on_page = {t.pages[0]: i for i, t in enumerate(tables)}
    for i, t in enumerate(tables):
        prev = out[-1] if out else None
        if prev is not None and i in first_on_page and t.pages[0] == prev.pages[-1] + 1:
            _move_orphan_title(prev, t)
            _return_spilled_label(prev, t)
        if (
            prev is not None
            and i in first_on_page
            and t.pages[0] == prev.pages[-1] + 1
            and last_on_page.get(prev.pages[-1]) == i - 1
            and not [s for s in prev.after if _TITLE.search(s)]
            and is_untitled(t, prev)
            and columns_match(prev, t)
        ):
            out[-1] = _merge(prev, t)
        else:
            out.append(t)
    return out


def _column_union(a: list[float], b: list[float], tol: float = COL_TOL) -> list[float]:
    """Left edges of both parts' columns, merged where they coincide (sorted)."""
    out: list[float] = []
    for x in sorted(a + b):
        if not out or x - out[-1] > tol:
            out.append(x)
    return out


def _remap(t: PageTable, lefts: list[float], tol: float = COL_TOL) -> dict[int, int] | None:
    """Column index of `t` → index in `lefts` by the column's left edge; None if one has no match."""
    out: dict[int, int] = {}
    for c in range(t.n_cols):
        x = t.col_edges[c]
        k = min(range(len(lefts)), key=lambda k: abs(lefts[k] - x))
        if abs(lefts[k] - x) > tol:
            return None
        out[c] = k
    return out


def _merge(prev: PageTable, t: PageTable) -> PageTable:
    """Append `t` below `prev`. Columns are matched by their left edges: a part may lack a
    column that is empty on its page (dropped by the reader), so indices alone would shift."""
    drop = repeated_header_rows(prev, t)
    offset = prev.n_rows - drop
    n_cols = max(prev.n_cols, t.n_cols)
    col_edges = prev.col_edges
    cells = list(prev.cells)
    map_prev = map_t = None
    if not (prev.unruled or t.unruled) and len(prev.col_edges) == prev.n_cols + 1 and len(t.col_edges) == t.n_cols + 1:
        lefts = _column_union(prev.col_edges[:-1], t.col_edges[:-1])
        map_prev, map_t = _remap(prev, lefts), _remap(t, lefts)
        if map_prev is not None and map_t is not None and (map_prev != dict(enumerate(range(prev.n_cols))) or map_t != dict(enumerate(range(t.n_cols)))):
            n_cols = len(lefts)
            col_edges = [*lefts, max(prev.col_edges[-1], t.col_edges[-1])]
            cells = [(c[0], map_prev[c[1]], *c[2:]) for c in prev.cells]
        else:
            map_t = None
    for c in t.cells:
        if c[0] >= drop:
            cells.append((c[0] + offset, map_t[c[1]] if map_t else c[1], *c[2:]))
    n_rows = offset + t.n_rows
    if drop < t.n_rows and prev.n_rows > 0 and _join_split_row(cells, prev.n_rows - 1, offset):
        n_rows -= 1
    return PageTable(
        pages=prev.pages + t.pages,
        x0=prev.x0,
        top=prev.top,
        x1=prev.x1,
        bottom=prev.bottom,
        cells=cells,
        n_rows=n_rows,
        n_cols=n_cols,
        col_edges=col_edges,
        before=prev.before,
        after=prev.after + t.after,
        unruled=prev.unruled,
    )


_AMOUNT = re.compile(r"\d[\d,]*\.\d+|\d{1,3}(?:,\d{3})+|^\s*\d+\s*$")
_MARKER = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(]|\d|其中)")
_LABEL_END = re.compile(r"(?:支出|收入|资金|经费|费|合计|小计|总计|^出|^入)$")


def _join_split_row(cells: list, last: int, first: int) -> bool:
    """A row cut by the page break: the continuation's first row holds only the tails of the
    previous page's last row — a number's last digit ('12,437.3' | '6') or label tails
    ('八、社会保障和就' | '业支出', '杭州市机动' | '车驾驶员考试服务中心'). The tails join their
    heads and the row is removed. A cut number proves the cut; label tails alone are joined
    only when short, not an item of their own, and finishing a head that is not finished.
    `cells` is changed in place; True if joined."""
    tails = {c[1]: c for c in cells if c[0] == first and c[2].strip()}
    heads = {c[1]: (i, c) for i, c in enumerate(cells) if c[0] == last and c[2].strip()}
    if not tails or any(col not in heads for col in tails):
        return False
    digits = {col for col, t in tails.items() if re.fullmatch(r"\d", t[2].strip()) and re.search(r"\d\.\d$", heads[col][1][2])}
    for col, tail in tails.items():
        head, text = heads[col][1][2].strip(), tail[2].strip()
        if col in digits:
            continue
        if _AMOUNT.search(text) or _AMOUNT.search(head):
            return False
        if not digits and (len(text) > 6 or _MARKER.match(text) or not _LABEL_END.search(text) or _LABEL_END.search(head)):
            return False
    for col, tail in tails.items():
        i, head = heads[col]
        cells[i] = (*head[:2], head[2].strip() + tail[2].strip(), *head[3:])
    cells[:] = [c if c[0] < first else (c[0] - 1, *c[1:]) for c in cells if c[0] != first]
    return True


_LABEL = re.compile(r"^(?:部门)?(?:公开)?(?:附)?表\s*\d{1,2}$|^公开\s*\d{1,2}\s*表$")


def _return_spilled_label(prev: PageTable, t: PageTable) -> None:
    """'部门公开表7' printed at the top of the next page, above that page's own '部门公开表8',
    labels the previous table: move it to the previous table's `after`."""
    labels = [k for k, x in enumerate(t.before) if _LABEL.match(_norm(x))]
    if len(labels) >= 2 and labels[0] == 0 and not any(_LABEL.match(_norm(x)) for x in prev.before):
        prev.after.append(t.before.pop(0))


def _is_title(s: str) -> bool:
    return s.rstrip().endswith(("表", "表格")) and not _NOTE.match(s)


def _move_orphan_title(prev: PageTable, t: PageTable) -> None:
    """A title printed at the foot of a page belongs to the table at the top of the next one."""
    if any(_is_title(x) for x in t.before):
        return
    j = max((k for k, x in enumerate(prev.after) if _is_title(x)), default=None)
    if j is not None and len(prev.after) - j <= 4:
        moved = prev.after[j:]
        del prev.after[j:]
        t.before = moved + t.before


_CAPTION = re.compile(r"^\s*(?:部门)?公开\s*\d+\s*表|^\s*(?:部门公开)?表\s*\d+|单位\s*[:：]|编制(?:单位|部门)\s*[:：]|表(?:格)?\s*$")


def carry_foot_captions(tables: list[PageTable], page_text: dict[int, list[str]]) -> None:
    """A table's caption printed at the foot of a page with no table of its own (the narrative
    ends there: '部门公开表1' / '…财务收支预算总表' / '单位：元') belongs to the untitled table at the
    top of the next page. `page_text` is each page's body text lines, top to bottom."""
    pages_with_tables = {p for t in tables for p in t.pages}
    first_on_page: dict[int, PageTable] = {}
    for t in tables:
        first_on_page.setdefault(t.pages[0], t)
    for page, t in first_on_page.items():
        if page - 1 in pages_with_tables or any(_is_title(x) for x in t.before):
            continue
        tail: list[str] = []
        for line in reversed(page_text.get(page - 1, [])[-4:]):
            if not _CAPTION.search(line):
                break
            tail.insert(0, line)
        if any(_is_title(x) for x in tail):
            t.before = tail + t.before
