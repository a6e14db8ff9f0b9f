"""The engine: each rule's check frame, for ALL documents at once, through one GX validation.

GX Core 1.x has no polars engine, so frames go to GX as pandas through an ephemeral, offline
context made once per validate() call; result_format COMPLETE with the `cid` index column
maps every unexpected value back to its row, which becomes a Finding.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import polars as pl

from domain.model import READING_GATE, Document, Finding, Location
from expectations.frames import clear_memo, frame_of
from expectations.rules import RULES, Rule

log = logging.getLogger(__name__)
ID = "cid"
# Categories whose findings depend on a table being read right; none is raised from a table the
# READING_GATE rule marks as unreliable.
GATED_CATEGORIES = frozenset({"arithmetic", "code", "cross_table", "narrative"})


class GxRunner:
    """One ephemeral GX context with a pandas datasource; one batch per rule."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # offline and quiet
        import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import ProgressBarsConfig

        for name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
            logging.getLogger(name).setLevel(logging.ERROR)
        self._gxe = gxe
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("budgetqa").add_dataframe_asset("check_frames")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole")

    def expectation(self, rule: Rule) -> Any:
        name, kwargs = rule.expectation
        meta = {"rule": rule.id, "category": rule.category, "severity": rule.severity, "zh": rule.zh, "en": rule.en}
        return getattr(self._gxe, name)(**kwargs, meta=meta)

    def unexpected_ids(self, rule: Rule, frame: pl.DataFrame) -> set[int]:
        """The `cid`s of the rows whose tested values fail the rule's expectation."""
        _, kwargs = rule.expectation
        tested = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
        data = frame.select(ID, *tested).to_pandas()
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": data})
        result = batch.validate(
            self.expectation(rule),
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ID]},
        )
        if result.success:
            return set()
        if result.exception_info and result.exception_info.get("raised_exception"):
            raise RuntimeError(result.exception_info.get("exception_message"))
        return {int(item[ID]) for item in result.result.get("unexpected_index_list") or []}


class Locator:
    """Where a person finds a row: its cell (page, bbox, address), else the row, else the table."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents

    def table(self, doc: int, tindex: int | None, row: int | None, column: str | None) -> Location:
        if tindex is None:
            return Location()
        table = self.documents[doc].tables[tindex]
        page = table.pages[0] if table.pages else None
        cells = table.cells
        if row is None or not cells.height:
            return Location(page=page)
        in_row = cells.filter(pl.col("row") == row)
        if not in_row.height:
            return Location(page=page)
        exact = in_row.filter(pl.col("column") == column) if column else in_row.head(0)
        pick = exact if exact.height else in_row
        first = pick.row(0, named=True)
        bbox = None
        if first.get("x0") is not None:
            b = pick.select(pl.col("x0").min(), pl.col("top").min(), pl.col("x1").max(), pl.col("bottom").max()).row(0)
            bbox = [round(float(v), 1) for v in b]
        return Location(page=first.get("page") or page, bbox=bbox, cell=first.get("address") if exact.height else None)

    def paragraph(self, doc: int, index: int) -> Location:
        para = next((p for p in self.documents[doc].paragraphs if p.index == index), None)
        return Location(page=para.page if para else None, paragraph=index)


def _build(rule: Rule, documents: list[Document], findings: list[list[Finding]]) -> pl.DataFrame:
    """The rule's frame; if a document's bad input breaks the builder, record that against it."""
    try:
        return frame_of(rule.build, documents)
    except Exception:
        log.exception("rule %s failed on the batch; isolating documents", rule.id)
    frames = []
    for d, doc in enumerate(documents):
        try:
            frames.append(rule.build([doc]).with_columns(pl.lit(d, pl.Int64).alias("doc")))
        except Exception as exc:  # noqa: BLE001 — recorded against the document
            findings[d].append(Finding(
                rule=rule.id, category=rule.category, severity="info", table=None,
                message=f"无法对本文档执行该检查：{type(exc).__name__}: {exc} / the rule could not check this document",
            ))
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()


def to_finding(rule: Rule, row: dict, locator: Locator) -> Finding:
    if row.get("paragraph") is not None and row.get("tindex") is None:
        location = locator.paragraph(row["doc"], row["paragraph"])
    else:
        location = locator.table(row["doc"], row.get("tindex"), row.get("row"), row.get("column"))
    name = row.get("name")
    return Finding(
        rule=rule.id, category=rule.category, severity=row.get("severity") or rule.severity,
        table=row.get("table"), message=row.get("message") or f"{rule.zh} / {rule.en}",
        code=row.get("code"), row=name.strip() if isinstance(name, str) else name,
        column=row.get("column"), expected=row.get("expected"), observed=row.get("observed"), location=location,
    )


def without_doubtful(failing: pl.DataFrame, unreliable: set[tuple[int, int]]) -> pl.DataFrame:
    """The failing rows that involve no unreliable table (as the reported or the compared table)."""
    pairs = pl.DataFrame(list(unreliable), schema={"doc": pl.Int64, "tindex": pl.Int64}, orient="row")
    keep = failing.join(pairs, on=["doc", "tindex"], how="anti", nulls_equal=False) if "tindex" in failing.columns else failing
    if "other_tindex" in keep.columns:
        keep = keep.join(pairs.rename({"tindex": "other_tindex"}), on=["doc", "other_tindex"], how="anti")
    return keep


def run(documents: list[Document], rules: list[Rule] | None = None) -> list[list[Finding]]:
    findings: list[list[Finding]] = [[] for _ in documents]
    if not documents:
        return findings
    runner = GxRunner()
    locator = Locator(documents)
    unreliable: set[tuple[int, int]] = set()
    try:
        for rule in sorted(rules or RULES, key=lambda r: r.id != READING_GATE):  # the gate first
            frame = _build(rule, documents, findings)
            if not frame.height:
                continue
            frame = frame.with_row_index(ID).with_columns(pl.col(ID).cast(pl.Int64))
            try:
                unexpected = runner.unexpected_ids(rule, frame)
            except Exception as exc:  # noqa: BLE001 — one rule's engine failure must not sink the batch
                log.exception("GX failed on rule %s", rule.id)
                for d in sorted(set(frame["doc"].to_list())):
                    findings[d].append(Finding(
                        rule=rule.id, category=rule.category, severity="info", table=None,
                        message=f"校验引擎未能执行该检查：{type(exc).__name__}: {exc} / the engine could not run this rule",
                    ))
                continue
            failing = frame.filter(pl.col(ID).is_in(sorted(unexpected)))
            if rule.id == READING_GATE:
                unreliable = set(failing.select("doc", "tindex").iter_rows())
            elif unreliable and rule.category in GATED_CATEGORIES:
                failing = without_doubtful(failing, unreliable)
            for row in failing.iter_rows(named=True):
                findings[row["doc"]].append(to_finding(rule, row, locator))
    finally:
        clear_memo()
    return findings
