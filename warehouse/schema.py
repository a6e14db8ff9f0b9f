"""The warehouse schema as ordered migrations; the same portable SQL runs on DuckDB and PostgreSQL.

Column names avoid SQL keywords (`row`, `column`, `table`, `index`): see docs/warehouse.md.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, list[str]]] = [
    (1, [
        """CREATE TABLE documents (
            sha256 TEXT PRIMARY KEY,
            path TEXT, url TEXT, format TEXT,
            department TEXT, region TEXT, year INTEGER, kind TEXT, unit TEXT,
            status TEXT NOT NULL, error TEXT,
            score DOUBLE PRECISION, grade TEXT,
            score_completeness DOUBLE PRECISION, score_arithmetic DOUBLE PRECISION,
            score_code DOUBLE PRECISION, score_cross_table DOUBLE PRECISION,
            score_narrative DOUBLE PRECISION, score_format DOUBLE PRECISION,
            errors INTEGER, warnings INTEGER, infos INTEGER,
            page_count INTEGER,
            extracted_at TIMESTAMP, run_id TEXT)""",
        """CREATE TABLE doc_tables (
            sha256 TEXT NOT NULL, table_index INTEGER NOT NULL,
            kind TEXT, number INTEGER, title TEXT, unit TEXT,
            pages TEXT, row_count INTEGER,
            PRIMARY KEY (sha256, table_index))""",
        """CREATE TABLE findings (
            sha256 TEXT NOT NULL, ordinal INTEGER NOT NULL,
            rule TEXT NOT NULL, category TEXT NOT NULL, severity TEXT NOT NULL,
            table_kind TEXT, code TEXT, row_label TEXT, column_name TEXT,
            expected TEXT, observed TEXT, message TEXT,
            page INTEGER, bbox TEXT, cell TEXT, paragraph INTEGER,
            PRIMARY KEY (sha256, ordinal))""",
        """CREATE TABLE crawl_log (
            portal TEXT, url TEXT, referer TEXT, title TEXT, published TEXT,
            fetched_at TIMESTAMP, status INTEGER, size BIGINT, sha256 TEXT, outcome TEXT)""",
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY, started TIMESTAMP, finished TIMESTAMP, counts TEXT)""",
        "CREATE INDEX findings_rule ON findings (rule)",
        "CREATE INDEX documents_department ON documents (department, region, year)",
        "CREATE INDEX crawl_log_url ON crawl_log (url)",
    ]),
    (2, [
        # every place the same bytes were found (the first one is documents.path)
        """CREATE TABLE doc_copies (
            sha256 TEXT NOT NULL, path TEXT NOT NULL, url TEXT, seen_at TIMESTAMP,
            PRIMARY KEY (sha256, path))""",
        # the paragraph a narrative finding points at, so the report can quote it
        "ALTER TABLE findings ADD COLUMN excerpt TEXT",
        "ALTER TABLE documents ADD COLUMN paragraph_count INTEGER",
    ]),
    (3, [
        # the rule-set version (domain.ruleset) the stored findings and score were computed with
        "ALTER TABLE documents ADD COLUMN ruleset TEXT",
        # running | finished | failed; who runs it, so a run left by a killed process can be closed
        "ALTER TABLE runs ADD COLUMN status TEXT",
        "ALTER TABLE runs ADD COLUMN ruleset TEXT",
        "ALTER TABLE runs ADD COLUMN host TEXT",
        "ALTER TABLE runs ADD COLUMN pid INTEGER",
        "ALTER TABLE runs ADD COLUMN error TEXT",
    ]),
    (4, [
        # what the report shows of each extracted table (its grid view): the measure keys read from
        # the header, and the rows and cells as JSON columns (see warehouse.store.grid_json)
        "ALTER TABLE doc_tables ADD COLUMN measures TEXT",
        "ALTER TABLE doc_tables ADD COLUMN grid TEXT",
    ]),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]

DOCUMENT_COLUMNS = (
    "sha256", "path", "url", "format", "department", "region", "year", "kind", "unit", "status", "error",
    "score", "grade", "score_completeness", "score_arithmetic", "score_code", "score_cross_table",
    "score_narrative", "score_format", "errors", "warnings", "infos", "page_count", "extracted_at", "run_id",
    "paragraph_count", "ruleset",
)
TABLE_COLUMNS = ("sha256", "table_index", "kind", "number", "title", "unit", "pages", "row_count", "measures", "grid")
FINDING_COLUMNS = (
    "sha256", "ordinal", "rule", "category", "severity", "table_kind", "code", "row_label", "column_name",
    "expected", "observed", "message", "page", "bbox", "cell", "paragraph", "excerpt",
)
COPY_COLUMNS = ("sha256", "path", "url", "seen_at")
CRAWL_COLUMNS = ("portal", "url", "referer", "title", "published", "fetched_at", "status", "size", "sha256", "outcome")
