"""The engine: every rule's check frame of a run, validated in ONE GX Checkpoint run.

GX Core 1.x has no polars engine, so each rule's check frame (over all documents of the run,
reduced to `cid` and the columns its expectation reads) is written as a Parquet file, a batch
of a pandas-filesystem data source with one asset per rule. The Checkpoint holds one Validation
Definition per rule (its suite, expectations/suites.py, over its batch); result_format COMPLETE
with the `cid` index column maps every unexpected value back to its row, which becomes a Finding.

With `gx_dir` the context is file-backed (GX's project in gx_dir/gx): the batches (gx/frames), suites, validation
definitions, the checkpoint, its Validation Results and the Data Docs built from them are kept
there, the record of the run. Without it the context is ephemeral and the batches go to a
temporary folder that is removed afterwards.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from domain.model import READING_GATE, Document, Finding, Location
from expectations.frames import Derived
from expectations.rules import RULES, Rule
from expectations.suites import ID, batch, suite

log = logging.getLogger(__name__)
# Categories whose findings depend on a table being read right; none is raised from a table the
# READING_GATE rule marks as unreliable.
GATED_CATEGORIES = frozenset({"arithmetic", "code", "cross_table", "narrative"})
CHECKPOINT = "budgetqa"
SOURCE = "check_frames"
# Every unexpected row's `cid`, as one list per expectation; the values themselves stay in the batch
# (gx/frames/<rule>.parquet, by `cid`) and in the findings, so the stored results stay small.
RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": [ID],
                 "return_unexpected_index_query": False, "exclude_unexpected_values": True}


def _cids(result: dict) -> set[int]:
    """The `cid`s in an expectation result's unexpected_index_list: one {cid: [ids]} entry when values
    are excluded, else one {cid: id, <column>: value} entry per row."""
    out: set[int] = set()
    for entry in result.get("unexpected_index_list") or []:
        ids = entry[ID]
        out.update(int(i) for i in (ids if isinstance(ids, list) else [ids]))
    return out


def _raised(info: dict | None) -> str | None:
    """The engine's error message in an expectation result's exception_info, if it raised."""
    if not info:
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "error") if info["raised_exception"] else None
    return next(((v.get("exception_message") or "error") for v in info.values()
                 if isinstance(v, dict) and v.get("raised_exception")), None)


class GxRunner:
    """A GX context (file-backed under `gx_dir`, else ephemeral); `validate` runs the suites of the
    given rules over their check frames through one Checkpoint."""

    def __init__(self, gx_dir: Path | None = None) -> None:
        from expectations.suites import import_gx

        gx = import_gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        for name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
            logging.getLogger(name).setLevel(logging.ERROR)
        self._gx = gx
        self.gx_dir = gx_dir
        if gx_dir is not None:
            gx_dir.mkdir(parents=True, exist_ok=True)
            self.context = gx.get_context(mode="file", project_root_dir=str(gx_dir))
        else:
            self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        # the batches: kept with the run, else in a temporary folder removed by close()
        self._tmp = None if gx_dir is not None else tempfile.TemporaryDirectory(prefix="budgetqa-gx-")
        self.frames_dir = Path(self._tmp.name) if self._tmp else Path(self.context.root_directory) / "frames"
        self.frames_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.source = self.context.data_sources.get(SOURCE)
        except (KeyError, ValueError):
            self.source = self.context.data_sources.add_pandas_filesystem(SOURCE, base_directory=self.frames_dir)

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def _batch_definition(self, rule: Rule) -> Any:
        """The rule's batch: its check frame of the run, frames_dir/<rule id>.parquet."""
        try:
            asset = self.source.get_asset(rule.id)
        except LookupError:
            asset = self.source.add_parquet_asset(rule.id)
        try:
            return asset.get_batch_definition("run")
        except (KeyError, LookupError):
            return asset.add_batch_definition_path("run", path=f"{rule.id}.parquet")

    def checkpoint(self, rules: list[Rule]) -> Any:
        """The Checkpoint for these rules: per rule a Validation Definition of its suite over its batch."""
        gx = self._gx
        definitions = []
        for rule in rules:
            data = self._batch_definition(rule)
            gx_suite = self.context.suites.add_or_update(suite(rule))
            definitions.append(self.context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=rule.id, data=data, suite=gx_suite)))
        return self.context.checkpoints.add_or_update(
            gx.Checkpoint(name=CHECKPOINT, validation_definitions=definitions, result_format=RESULT_FORMAT))

    def validate(self, frames: list[tuple[Rule, pl.DataFrame]]) -> dict[str, set[int] | str]:
        """Rule id → the `cid`s of its unexpected rows, or the engine's error message for that rule.
        The frames carry run-wide `cid`s. File-backed: the results are stored and Data Docs built."""
        for rule, frame in frames:
            batch(frame, rule).write_parquet(self.frames_dir / f"{rule.id}.parquet")
        result = self.checkpoint([rule for rule, _ in frames]).run()
        out: dict[str, set[int] | str] = {}
        for validation in result.run_results.values():
            for item in validation.results:
                rule_id = item.expectation_config.meta["rule"]
                error = _raised(item.exception_info)
                if error is not None:
                    out[rule_id] = error
                elif item.success:
                    out[rule_id] = set()
                else:
                    out[rule_id] = _cids(item.result)
        if self.gx_dir is not None:
            self.context.build_data_docs()
        return out

    def unexpected_ids(self, rule: Rule, frame: pl.DataFrame) -> set[int]:
        """One rule over one frame (with `cid`): the `cid`s of the rows that fail its expectation."""
        found = self.validate([(rule, frame)])[rule.id]
        if isinstance(found, str):
            raise RuntimeError(found)
        return found


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


def _build(rule: Rule, documents: list[Document], derived: Derived, findings: list[list[Finding]]) -> pl.DataFrame:
    """The rule's frame; if a document's bad input breaks the builder, record that against it."""
    try:
        return derived.frame(rule.build, documents)
    except Exception:
        log.exception("rule %s failed on the batch; isolating documents", rule.id)
    frames = []
    for d, doc in enumerate(documents):
        try:
            frames.append(rule.build([doc], derived).with_columns(pl.lit(d, pl.Int64).alias("doc")))
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
        expected_value=row.get("expected_value"), observed_value=row.get("observed_value"),
        rounding_step=row.get("rounding_step"),
    )


def without_doubtful(failing: pl.DataFrame, unreliable: set[tuple[int, int]]) -> pl.DataFrame:
    """The failing rows that involve no unreliable table (as the reported or the compared table)."""
    pairs = pl.DataFrame(list(unreliable), schema={"doc": pl.Int64, "tindex": pl.Int64}, orient="row")
    keep = failing.join(pairs, on=["doc", "tindex"], how="anti", nulls_equal=False) if "tindex" in failing.columns else failing
    if "other_tindex" in keep.columns:
        keep = keep.join(pairs.rename({"tindex": "other_tindex"}), on=["doc", "other_tindex"], how="anti")
    return keep


def _engine_failure(rule: Rule, message: str) -> Finding:
    return Finding(rule=rule.id, category=rule.category, severity="info", table=None,
                   message=f"校验引擎未能执行该检查：{message} / the engine could not run this rule")


def build_frames(documents: list[Document], rules: list[Rule]) -> list[tuple[Rule, pl.DataFrame, list[list[Finding]]]]:
    """Each rule's check frame over the documents, with run-wide `cid`s, and per document the notes of
    a builder that failed on it. The reading gate first. What the builders derive from the same tables
    and paragraphs is kept by one Derived for this call only."""
    derived = Derived()
    built: list[tuple[Rule, pl.DataFrame, list[list[Finding]]]] = []
    offset = 0
    for rule in sorted(rules, key=lambda r: r.id != READING_GATE):
        notes: list[list[Finding]] = [[] for _ in documents]
        frame = _build(rule, documents, derived, notes)
        frame = frame.with_row_index(ID, offset).with_columns(pl.col(ID).cast(pl.Int64))
        offset += frame.height
        built.append((rule, frame, notes))
    return built


def run(documents: list[Document], rules: list[Rule] | None = None,
        gx_dir: Path | None = None) -> list[list[Finding]]:
    """Findings per document: every rule's check frame built, all validated in one Checkpoint run
    (kept with its Data Docs under `gx_dir` when given), unexpected rows turned into Findings."""
    findings: list[list[Finding]] = [[] for _ in documents]
    if not documents:
        return findings
    locator = Locator(documents)
    built = build_frames(documents, rules or RULES)
    try:
        runner = GxRunner(gx_dir)
        try:
            outcome = runner.validate([(rule, frame) for rule, frame, _ in built])
        finally:
            runner.close()
    except Exception as exc:  # noqa: BLE001 — recorded against every rule, the batch still returns
        log.exception("GX failed on the run")
        outcome = {rule.id: f"{type(exc).__name__}: {exc}" for rule, _, _ in built}
    unreliable: set[tuple[int, int]] = set()
    for rule, frame, notes in built:
        for d, extra in enumerate(notes):
            findings[d].extend(extra)
        if not frame.height:
            continue
        unexpected = outcome.get(rule.id, f"{rule.id}: no result")
        if isinstance(unexpected, str):  # one rule's engine failure must not sink the batch
            log.error("GX failed on rule %s: %s", rule.id, unexpected)
            for d in sorted(set(frame["doc"].to_list())):
                findings[d].append(_engine_failure(rule, unexpected))
            continue
        failing = frame.filter(pl.col(ID).is_in(sorted(unexpected)))
        if rule.id == READING_GATE:
            unreliable = set(failing.select("doc", "tindex").iter_rows())
        elif unreliable and rule.category in GATED_CATEGORIES:
            failing = without_doubtful(failing, unreliable)
        for row in failing.iter_rows(named=True):
            findings[row["doc"]].append(to_finding(rule, row, locator))
    return findings
