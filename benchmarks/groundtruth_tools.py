"""Ground truth of extraction: load it, draft it independently of `extract/`, compare against it.

Ground truth lives in tests/data/groundtruth/*.yaml, one file per document (format described in
tests/data/groundtruth/README.md). This module has three parts:

- `truth_cells(doc_yaml)` / `extracted_cells(document)`: both sides as cell dicts
  (table kind, occurrence, side, row key, measure) → value;
- `compare(truth, got)`: the pure comparison used by benchmarks/extract_accuracy.py and the test;
- `draft` (command line): a first draft of a table's rows read straight from pdfplumber *words*
  and the page's vertical rules (no `extract/` code), to be checked by eye against
  `pdftoppm -png -r 70` renderings and corrected by hand before it is stored.

    .venv/bin/python benchmarks/groundtruth_tools.py draft FILE.pdf --pages 13-14 \\
        --columns code,name,total,basic,project
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from domain.names import name_key

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.model import SUMMARY_KINDS  # noqa: E402

GROUNDTRUTH_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "groundtruth"
SHARED = Path(__file__).resolve().parents[2] / "shared"
# `i:`/`e:`/`f:` column roles → the `side` of a summary table's rows; `f:` is the third list of the
# 3-block 收支总表 (支出用途: 基本支出, 项目支出 …), as extract/ names it.
SIDES = {"i": "income", "e": "expenditure", "f": "expenditure_by_use"}

CellKey = tuple[str, int, str, str, str]  # kind, occurrence of the kind, side, row key, measure

_AMOUNT = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


# --------------------------------------------------------------------------------------------
# Values and row keys (shared by both sides of the comparison)


def parse_value(text: Any) -> float | None:
    """A printed amount → float; empty, dashes and words → None. Numbers pass through."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).replace("−", "-")
    if re.fullmatch(r"[\d,]+\.\d+\.", s):  # printed with a stray trailing dot ('457.90.')
        s = s[:-1]
    if not _AMOUNT.match(s):
        return None
    return float(s.replace(",", ""))


def norm_name(name: Any) -> str:
    """A row name as a key: NFKC, then the product's one name key (domain.names.name_key)."""
    return name_key(unicodedata.normalize("NFKC", str(name or "")))


def norm_code(code: Any) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", str(code or "")))


def row_keys(rows: list[tuple[str, str, str]]) -> list[str]:
    """(side, code, name) per row → a key per row: 'side|code' or 'side|name', '#n' on repeats."""
    seen: Counter[str] = Counter()
    out = []
    for side, code, name in rows:
        c = norm_code(code)
        c = c if len(c) >= 3 else ""  # a truncated code ('11') cannot key its row: use the name
        base = f"{side}|{c}" if c else f"{side}|{norm_name(name)}"
        seen[base] += 1
        out.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return out


# --------------------------------------------------------------------------------------------
# The two sides


@dataclass
class TableCells:
    kind: str
    title: str
    cells: dict[CellKey, float] = field(default_factory=dict)
    # the measure keys of the table's columns, left to right, each once (`Table.measures`); None: the
    # truth does not state them
    roles: list[str] | None = None
    unit: str | None = None


# column roles that are not measures (row keys, ignored columns)
_ROW_ROLES = frozenset({"code", "name", "unit", "label", "lei", "kuan", "xiang", "-"})


def measure_roles(roles: list[str]) -> list[str]:
    """A ground-truth `roles` list (every printed column, `i:`/`e:` sides) → the table's measure keys
    left to right, each once: what `Table.measures` holds."""
    keys = [r.split(":", 1)[-1] for r in roles]
    return list(dict.fromkeys(k for k in keys if k not in _ROW_ROLES))


def _table_cells(
    kind: str, occurrence: int, rows: list[tuple[str, str, str, dict[str, Any]]]
) -> dict[CellKey, float]:
    # rows without any amount hold no cells and do not count for the '#n' of repeated names
    rows = [r for r in rows if any(parse_value(v) is not None for v in r[3].values())]
    keys = row_keys([(s, c, n) for s, c, n, _ in rows])
    out: dict[CellKey, float] = {}
    for key, (side, _, _, values) in zip(keys, rows, strict=True):
        for measure, v in values.items():
            val = parse_value(v)
            if val is not None:
                out[(kind, occurrence, side, key.split("|", 1)[1], measure)] = val
    return out


def truth_tables(doc: dict) -> list[TableCells]:
    """Ground-truth YAML (loaded) → its tables as cells. Summary tables have income/expenditure
    blocks; other tables one `measures` + `rows` block. A row is [code, name, value...]."""
    seen: Counter[str] = Counter()
    out = []
    for t in doc.get("tables") or []:
        kind = t["kind"]
        occ = seen[kind]
        seen[kind] += 1
        blocks = [(side, t[side]) for side in SIDES.values() if side in t] or [("", t)]
        rows = []
        for side, block in blocks:
            measures = block["measures"]
            for r in block.get("rows") or []:
                code, name, *vals = r
                if len(vals) != len(measures):
                    raise ValueError(
                        f"{doc.get('source')}: {kind} row {r!r} has {len(vals)} values for {measures}"
                    )
                rows.append((side, str(code or ""), str(name or ""), dict(zip(measures, vals, strict=True))))
        roles = measure_roles(t["roles"]) if "roles" in t else None
        out.append(TableCells(kind, t.get("title", ""), _table_cells(kind, occ, rows), roles, t.get("unit")))
    return out


def extracted_tables(document: Any) -> list[TableCells]:
    """A `domain.model.Document` → its recognised tables as cells (rows with side/code/name)."""
    seen: Counter[str] = Counter()
    out = []
    for t in document.tables:
        if t.kind is None:
            continue
        occ = seen[t.kind]
        seen[t.kind] += 1
        rows = []
        for r in t.rows.iter_rows(named=True):
            # lists printed side by side in a non-summary table (人员经费 | 公用经费) are one list in the
            # truth: their codes and totals are distinct, and which half a line sits in is layout
            side = "" if r.get("side") == "list2" else r.get("side") or ""
            values = {m: r.get(m) for m in t.measures if m in r}
            rows.append((side, r.get("code") or "", r.get("name") or "", values))
        out.append(TableCells(t.kind, t.title, _table_cells(t.kind, occ, rows), list(t.measures), t.unit))
    return out


# --------------------------------------------------------------------------------------------
# Comparison


@dataclass
class Comparison:
    tables_expected: int
    tables_found: int  # expected tables whose kind was recognised (matched by kind and order)
    missing_tables: list[str]
    extra_tables: list[str]
    correct: int  # cells present on both sides with the same value
    truth_cells: int
    got_cells: int  # extracted cells of the matched tables
    wrong: list[tuple[CellKey, float, float]]  # key, expected, got
    missing: list[tuple[CellKey, float]]
    extra: list[tuple[CellKey, float]]
    # column roles, over the tables whose truth states them: aligned in order (difflib), so a dropped
    # column costs one role and two swapped columns (预算数 | 决算数 read the wrong way) cost one
    roles_correct: int = 0
    roles_truth: int = 0
    roles_got: int = 0
    roles_wrong: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # table, expected, got
    units_right: int = 0
    units_expected: int = 0  # matched tables whose truth states a unit

    @property
    def role_precision(self) -> float:
        return self.roles_correct / self.roles_got if self.roles_got else 1.0

    @property
    def role_recall(self) -> float:
        return self.roles_correct / self.roles_truth if self.roles_truth else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.got_cells if self.got_cells else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.truth_cells if self.truth_cells else 1.0

    @property
    def kinds_right(self) -> bool:
        return not self.missing_tables and not self.extra_tables


def compare(truth: list[TableCells], got: list[TableCells], tol: float = 0.005) -> Comparison:
    """Align tables by (kind, occurrence) and compare their cells. Extra cells are counted only in
    matched tables (an unexpected table is reported as an extra table, its cells as extra too)."""
    t_by = {(t.kind, i): t for i, t in _occurrences(truth)}
    g_by = {(t.kind, i): t for i, t in _occurrences(got)}
    missing_t = [f"{k}#{i}" if i else k for (k, i) in t_by if (k, i) not in g_by]
    extra_t = [f"{k}#{i}" if i else k for (k, i) in g_by if (k, i) not in t_by]
    tc: dict[CellKey, float] = {}
    gc: dict[CellKey, float] = {}
    for key, t in t_by.items():
        tc.update(t.cells)
        if key in g_by:
            gc.update(g_by[key].cells)
    for key, g in g_by.items():
        if key not in t_by:
            gc.update(g.cells)
    correct, wrong, missing, extra = 0, [], [], []
    for k, v in tc.items():
        if k not in gc:
            missing.append((k, v))
        elif abs(gc[k] - v) <= tol:
            correct += 1
        else:
            wrong.append((k, v, gc[k]))
    extra = [(k, v) for k, v in gc.items() if k not in tc]
    found = sum(1 for k in t_by if k in g_by)
    c = Comparison(len(t_by), found, missing_t, extra_t, correct, len(tc), len(gc), wrong, missing, extra)
    with_roles = any(t.roles is not None for t in truth)
    for key, t in t_by.items():
        g = g_by.get(key)
        if g is not None and t.unit:
            c.units_expected += 1
            c.units_right += g.unit == t.unit
        if t.roles is None:
            continue
        got = (g.roles or []) if g is not None else []
        ok = sum(b.size for b in difflib.SequenceMatcher(None, t.roles, got, autojunk=False).get_matching_blocks())
        c.roles_correct += ok
        c.roles_truth += len(t.roles)
        c.roles_got += len(got)
        if ok != len(t.roles) or ok != len(got):
            c.roles_wrong.append((f"{key[0]}#{key[1]}" if key[1] else key[0], t.roles, got))
    if with_roles:  # a table the truth does not hold: its roles are all extra
        c.roles_got += sum(len(g.roles or []) for key, g in g_by.items() if key not in t_by)
    return c


def _occurrences(tables: list[TableCells]) -> list[tuple[int, TableCells]]:
    seen: Counter[str] = Counter()
    out = []
    for t in tables:
        out.append((seen[t.kind], t))
        seen[t.kind] += 1
    return out


def merge(results: list[Comparison]) -> Comparison:
    """Sum of several comparisons (per format, overall)."""
    c = Comparison(0, 0, [], [], 0, 0, 0, [], [], [])
    for r in results:
        c.tables_expected += r.tables_expected
        c.tables_found += r.tables_found
        c.missing_tables += r.missing_tables
        c.extra_tables += r.extra_tables
        c.correct += r.correct
        c.truth_cells += r.truth_cells
        c.got_cells += r.got_cells
        c.wrong += r.wrong
        c.missing += r.missing
        c.extra += r.extra
        c.roles_correct += r.roles_correct
        c.roles_truth += r.roles_truth
        c.roles_got += r.roles_got
        c.roles_wrong += r.roles_wrong
        c.units_right += r.units_right
        c.units_expected += r.units_expected
    return c


# --------------------------------------------------------------------------------------------
# Loading the ground truth


def load_groundtruth(directory: Path = GROUNDTRUTH_DIR) -> list[dict]:
    """Every real-document ground truth (*.yaml except the seed spec), with `id`, absolute
    `path` and `format` added."""
    docs = []
    for f in sorted(directory.glob("*.yaml")):
        if f.name.endswith(".spec.yaml"):
            continue
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        doc["id"] = f.stem
        doc["path"] = SHARED / "corpus" / doc.get("corpus", "real") / doc["source"]
        doc["format"] = doc["path"].suffix.lstrip(".").lower()
        docs.append(doc)
    return docs


def expand_rows(rows: list[list[Any]], width: int) -> list[list[str]]:
    """seed.yaml rows (cells that start in the row, with colspan/rowspan) → a full text grid."""
    grid: list[list[str]] = []
    covered: dict[tuple[int, int], bool] = {}
    for r, row in enumerate(rows):
        out = [""] * width
        c = 0
        for cell in row:
            while covered.get((r, c)):
                c += 1
            text, cs, rs = (
                (cell, 1, 1)
                if not isinstance(cell, dict)
                else (cell.get("text", ""), cell.get("colspan", 1), cell.get("rowspan", 1))
            )
            out[c] = str(text or "")
            for dr in range(1, rs):
                for dc in range(cs):
                    covered[(r + dr, c + dc)] = True
            c += cs
        grid.append(out)
    return grid


def seed_groundtruth(directory: Path = GROUNDTRUTH_DIR) -> list[dict]:
    """The seed's ground truth, one document per rendered format, from tests/data/seed/seed.yaml
    and the hand-written column roles in seed.spec.yaml."""
    spec = yaml.safe_load((directory / "seed.spec.yaml").read_text(encoding="utf-8"))
    seed = yaml.safe_load((directory.parent / "seed" / "seed.yaml").read_text(encoding="utf-8"))
    tables = []
    for block in seed["blocks"]:
        t = block.get("table")
        if not t or t["number"] not in spec["tables"]:
            continue
        ts = spec["tables"][t["number"]]
        body = t["rows"][t["caption_rows"] : len(t["rows"]) - t["note_rows"]]
        grid = expand_rows(body, t["width"])
        tables.append({"kind": ts["kind"], "title": t["title"], **_rows_by_roles(grid, ts["columns"])})
    root = Path(__file__).resolve().parents[1]
    return [
        {
            "id": f"seed.{fmt}",
            "source": f"{spec['source']}.{fmt}",
            "path": root / f"{spec['source']}.{fmt}",
            "format": fmt,
            "tables": tables,
        }
        for fmt in spec["formats"]
    ]


def _rows_by_roles(grid: list[list[str]], cols: list[str]) -> dict:
    """Rows of a text grid → `measures`/`rows` (or income/expenditure blocks) by column roles."""
    out: dict[str, Any] = {}
    sides = sorted({c.split(":")[0] for c in cols if ":" in c}) or [""]
    for side in sides:
        pre = f"{side}:" if side else ""
        measures = [
            c[len(pre) :] for c in cols if c.startswith(pre) and c[len(pre) :] not in ("code", "name", "-")
        ]
        rows = []
        for cells in grid:
            role = {c[len(pre) :]: v for c, v in zip(cols, cells, strict=True) if c.startswith(pre)}
            vals = [role.get(m, "") for m in measures]
            if any(parse_value(v) is not None for v in vals):
                code, name = role.get("code", "").strip(), role.get("name", "").strip()
                if not name:  # a merged label ('合计' over 编码+名称) sits in its first grid column
                    name = next((c.strip() for c in cells if c.strip() and parse_value(c) is None), "")
                    code = "" if code == name else code
                rows.append([code, name, *vals])
        target = out if not side else out.setdefault({"i": "income", "e": "expenditure"}[side], {})
        target.update(measures=measures, rows=rows)
    return out


def load_all(directory: Path = GROUNDTRUTH_DIR) -> list[dict]:
    return load_groundtruth(directory) + seed_groundtruth(directory)


# --------------------------------------------------------------------------------------------
# Draft: rows of a PDF table from words and vertical rules (independent of extract/)


def _vertical_edges(page: Any, top: float, bottom: float) -> list[float]:
    xs = []
    for obj in list(page.lines) + list(page.rects):
        x0, x1, t, b = obj["x0"], obj["x1"], obj["top"], obj["bottom"]
        if b < top or t > bottom:
            continue
        if abs(x1 - x0) < 2 and (b - t) > 5:
            xs.append((x0 + x1) / 2)
        elif obj.get("object_type") == "rect" and (b - t) > 5 and (x1 - x0) > 2:
            xs += [x0, x1]
    xs.sort()
    out: list[float] = []
    for x in xs:
        if not out or x - out[-1] > 3:
            out.append(x)
    return out


def _reading_order(words: list[dict]) -> list[dict]:
    """Words of one row: by text line (tops within 3 pt), then left to right."""
    line_of: list[float] = []
    keyed = []
    for w in sorted(words, key=lambda w: w["top"]):
        if not line_of or w["top"] - line_of[-1] > 3:
            line_of.append(w["top"])
        keyed.append((len(line_of), w["x0"], w))
    return [w for _, _, w in sorted(keyed, key=lambda k: (k[0], k[1]))]


def _horizontal_edges(page: Any, top: float, bottom: float, xs: list[float]) -> list[float]:
    """The y of the horizontal rules across the table's columns (cell borders), top to bottom."""
    left, right = (xs[0], xs[-1]) if len(xs) > 1 else (0, page.width)
    ys = []
    for obj in list(page.lines) + list(page.rects):
        x0, x1, t, b = obj["x0"], obj["x1"], obj["top"], obj["bottom"]
        if b < top - 20 or t > bottom + 60 or x1 < left or x0 > right:  # + the rule under the last row
            continue
        if abs(b - t) < 2 and (x1 - x0) > 5:
            ys.append((t + b) / 2)
        elif obj.get("object_type") == "rect" and (b - t) >= 2 and (x1 - x0) > 5:
            ys += [t, b]
    ys.sort()
    out: list[float] = []
    for y in ys:
        if not out or y - out[-1] > 2:
            out.append(y)
    return out


def draft_rows(
    pdf_path: Path,
    pages: list[int],
    columns: list[str],
    edges: list[float] | None = None,
    clip: tuple[float, float] | dict | None = None,
    by_rules: bool = False,
) -> list[list[str]]:
    """Rows (cells by column role) of a table on `pages`: words clustered into lines by `top`,
    each word put in the column interval (between vertical rules, or `edges`) holding its centre.
    With `by_rules` a row is the band between two horizontal rules, so a name wrapped over several
    lines stays whole. Only lines that carry an amount are kept (rows without amounts hold no cells)."""
    import pdfplumber

    out = []
    with pdfplumber.open(pdf_path) as pdf:
        for p in pages:
            page = pdf.pages[p - 1]
            words = page.extract_words(x_tolerance=1.5, y_tolerance=2)
            box = clip.get(p, clip.get(str(p))) if isinstance(clip, dict) else clip
            if box:  # [top, bottom] of the table on the page (several tables on one page)
                words = [w for w in words if box[0] <= w["top"] <= box[1]]
            if not words:
                continue
            top, bottom = min(w["top"] for w in words), max(w["bottom"] for w in words)
            xs = edges or _vertical_edges(page, top, bottom)
            lines: dict[int, list[dict]] = defaultdict(list)
            anchors: list[float] = []
            ys = _horizontal_edges(page, top, bottom, xs) if by_rules else []
            if ys and ys[-1] < bottom:
                ys.append(bottom + 1)  # no rule under the last words: they still form a row
            for w in sorted(words, key=lambda w: w["top"]):
                if len(ys) > 1:  # a row is the band between two horizontal rules (wrapped cells)
                    mid = (w["top"] + w["bottom"]) / 2
                    band = next((k for k in range(len(ys) - 1) if ys[k] <= mid < ys[k + 1]), None)
                    if band is not None:
                        lines[band].append(w)
                    continue
                a = next((a for a in anchors if abs(a - w["top"]) <= 3), None)
                if a is None:
                    anchors.append(w["top"])
                    a = w["top"]
                lines[anchors.index(a)].append(w)
            for i in sorted(lines):
                cells = [""] * (len(xs) - 1 if len(xs) > 1 else 0)
                prev: dict[int, float] = {}
                for w in _reading_order(lines[i]):
                    mid = (w["x0"] + w["x1"]) / 2
                    j = next((j for j in range(len(xs) - 1) if xs[j] <= mid < xs[j + 1]), None)
                    if j is not None:
                        sep = " " if abs(prev.get(j, w["top"]) - w["top"]) <= 3 else ""  # wrapped: no space
                        cells[j] = (cells[j] + sep + w["text"]).strip() if cells[j] else w["text"]
                        prev[j] = w["top"]
                if any(c.strip() in ("**", "栏次", "栏 次") for c in cells):
                    continue  # the column-number row (栏次 1 2 3 …) under the header
                filled = [c for c in cells if c]
                if re.fullmatch(r"[-－—\s]*(第\s*)?\d{1,3}\s*(页)?[-－—\s]*", " ".join(filled)):
                    continue  # a page number below the table
                if any(parse_value(c) is not None for c in cells):
                    out.append(cells)
    return out


def draft_table(pdf_path: Path, spec: dict) -> dict:
    """A table spec (kind, title, unit, pages, columns[, page_columns, edges, clip, fill_names, rename])
    → the spec with its rows drafted: `rows` (or `income`/`expenditure` blocks for `i:`/`e:` columns). Column roles:
    code, lei/kuan/xiang (split code, 类 carried down), name, unit (the name when the name
    column is empty), label (several columns of a hierarchy: the first non-empty names the
    row), a measure key, 'measure@label' (one row per label: 决算 三公 预算数/决算数), or '-' (ignored);
    `i:`/`e:` lists in a table that is not a summary are joined into one list. `by_rules`: rows are the
    bands between horizontal rules. Hand corrections, kept in the spec: `fill_names` (a list,
    or {income, expenditure, expenditure_by_use} lists for `i:`/`e:`/`f:` blocks) names, in order, the rows whose
    label the words did not place; `rename` maps a partial (wrapped) name to the printed full name;
    `set_names` {row index: name} names a row whose first label was wrapped off the amount's line."""
    cols = spec["columns"]
    # a page whose rules split the columns differently (Word tables) has its own roles
    by_page = {int(k): v for k, v in (spec.get("page_columns") or {}).items()}
    rows = [
        (by_page.get(p, cols), cells)
        for p in spec["pages"]
        for cells in draft_rows(
            pdf_path,
            [p],
            by_page.get(p, cols),
            spec.get("edges"),
            spec.get("clip"),
            bool(spec.get("by_rules")),
        )
    ]
    out = {k: v for k, v in spec.items() if k not in ("rows", "income", "expenditure", "measures")}
    problems = []
    sides = sorted({c.split(":")[0] for c in cols if ":" in c}) or [""]
    for side in sides:
        pre = f"{side}:" if side else ""
        own = [c[len(pre) :] for c in cols if c.startswith(pre)]
        measures = [c for c in own if c not in ("code", "name", "unit", "label", "lei", "kuan", "xiang", "-")]
        block: list[list[str]] = []
        lei = kuan = ""
        for cols, cells in rows:  # noqa: B020 — the roles of the row's page
            if len(cells) != len(cols):
                problems.append(f"{len(cells)} intervals for {len(cols)} columns: {cells}")
                continue
            role = {c[len(pre) :]: v for c, v in zip(cols, cells, strict=True) if c.startswith(pre)}
            vals = [role.get(m, "") for m in measures]
            if not any(parse_value(v) is not None for v in vals):
                continue
            code = role.get("code", "")
            if "lei" in role or "kuan" in role or "xiang" in role:
                a, b, c = role.get("lei", ""), role.get("kuan", ""), role.get("xiang", "")
                # 款/项 are two-digit fields: a spreadsheet that printed '2' dropped the leading zero
                b, c = (x.zfill(2) if x.isdigit() and len(x) == 1 else x for x in (b, c))
                if a:
                    lei, kuan = a, b
                elif b:
                    kuan = b
                code = (
                    (a or (lei if (b or c) else "")) + (b or (kuan if c else "")) + c if (a or b or c) else ""
                )
            labels = [v for c, v in zip(cols, cells, strict=True) if c == pre + "label" and v]
            block.append(
                [code, role.get("name", "") or role.get("unit", "") or (labels[0] if labels else ""), *vals]
            )
        fills = spec.get("fill_names") or {}
        if side:
            fills = fills.get(SIDES[side], [])
        blanks = [r for r in block if not r[1]]
        if fills and len(fills) != len(blanks):
            problems.append(f"side {side}: {len(blanks)} rows without a name for {len(fills)} fill_names")
        for r, name in zip(blanks, fills, strict=False):
            r[1] = name  # a label the words could not place (merged cell, other baseline, wrapped)
        for r in block:
            r[1] = (spec.get("rename") or {}).get(r[1], r[1])  # a wrapped name completed by hand
        for i, name in (spec.get("set_names") or {}).items():
            if not side or side == "e":
                block[int(i)][1] = name  # the n-th row (0-based) named by hand from the image
        target = out if not side else out.setdefault(SIDES[side], {})
        if target.get("measures") not in (None, measures):
            problems.append(f"side {side}: measures {measures} differ from {target['measures']}")
        target["measures"] = measures
        target["rows"] = block
    if "expenditure_by_use" in out and "expenditure" in out:
        # the 支出 totals span both expenditure lists; their amount sits in the last column
        by_use = out["expenditure_by_use"]["rows"]
        totals = [r for r in by_use if re.search(r"(小计|合计|总计)$", r[1])]
        out["expenditure_by_use"]["rows"] = [r for r in by_use if r not in totals]
        out["expenditure"]["rows"] += totals
    if spec["kind"] not in SUMMARY_KINDS and any(s in out for s in SIDES.values()):
        # lists side by side in a table that is not a summary (基本支出决算表: 人员经费 | 公用经费):
        # one block, the left list first
        blocks = [out.pop(s) for s in ("income", "expenditure", "expenditure_by_use") if s in out]
        if any(b["measures"] != blocks[0]["measures"] for b in blocks):
            problems.append(f"side lists with different measures: {[b['measures'] for b in blocks]}")
        out["measures"] = blocks[0]["measures"]
        out["rows"] = [r for b in blocks for r in b["rows"]]
    if any("@" in m for m in out.get("measures") or []):
        out["measures"], out["rows"] = _split_by_label(out["measures"], out["rows"])
    if problems:
        out["draft_problems"] = problems
    return out


def _split_by_label(measures: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Roles 'measure@label' (决算 三公 table: 预算数 and 决算数 under each item) → one row per label,
    named by it, with the plain measures."""
    base = list(dict.fromkeys(m.split("@")[0] for m in measures))
    labels = list(dict.fromkeys(m.split("@")[1] for m in measures if "@" in m))
    out = []
    for code, _, *vals in rows:
        by = dict(zip(measures, vals, strict=True))
        for label in labels:
            out.append([code, label, *(by.get(f"{m}@{label}", "") for m in base)])
    return base, out


def _flow_rows(dumper: yaml.SafeDumper, data: dict) -> Any:
    return dumper.represent_dict(data.items())


class _Dumper(yaml.SafeDumper):
    pass


def _represent_list(dumper: yaml.SafeDumper, data: list) -> Any:
    flow = all(not isinstance(x, list | dict) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _flow_rows)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=400)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draft", help="draft every table of a spec file (YAML: source, tables: [specs])")
    d.add_argument("spec", type=Path)
    a = ap.parse_args()
    spec = yaml.safe_load(a.spec.read_text(encoding="utf-8"))
    pdf = SHARED / "corpus" / spec.get("corpus", "real") / spec["source"]
    spec["tables"] = [draft_table(pdf, t) for t in spec.get("tables") or []]
    print(dump_yaml(spec))


if __name__ == "__main__":
    main()
