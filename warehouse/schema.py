"""The warehouse schema as ordered migrations; the same portable SQL runs on DuckDB and PostgreSQL.

Column names avoid SQL keywords (`row`, `column`, `table`, `index`): see docs/warehouse.md.
"""

from __future__ import annotations

# a later version n of the row being updated (see warehouse.store.Warehouse.save_documents)
_NEXT = ("n.sha256 <> documents.sha256 AND n.extracted_at > documents.extracted_at AND (n.locator = documents.locator "
         "OR (n.identity = documents.identity AND n.format = documents.format "
         "AND COALESCE(n.first_run, '') <> COALESCE(documents.first_run, '')))")

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
        # finding amounts as numbers (domain.model.Finding): the compared values at their printed
        # precision and the rounding step, so a reader need not parse `expected`/`observed` text
        "ALTER TABLE findings ADD COLUMN expected_value DOUBLE PRECISION",
        "ALTER TABLE findings ADD COLUMN observed_value DOUBLE PRECISION",
        "ALTER TABLE findings ADD COLUMN rounding_step DOUBLE PRECISION",
    ]),
    (5, [
        # versions: a document (one sha256) is found at a locator (its URL, else its path) and has an
        # identity (region|department|year|kind); a new version supersedes the current ones with the
        # same locator, or the same identity first stored by another run (see docs/warehouse.md)
        "ALTER TABLE documents ADD COLUMN locator TEXT",
        "ALTER TABLE documents ADD COLUMN identity TEXT",
        "ALTER TABLE documents ADD COLUMN first_seen TIMESTAMP",
        "ALTER TABLE documents ADD COLUMN first_run TEXT",
        "ALTER TABLE documents ADD COLUMN superseded_by TEXT",
        "ALTER TABLE documents ADD COLUMN superseded_at TIMESTAMP",
        "UPDATE documents SET locator = COALESCE(url, path), first_seen = extracted_at, first_run = run_id, "
        "identity = CASE WHEN department IS NOT NULL AND year IS NOT NULL AND kind IS NOT NULL "
        "THEN COALESCE(region, '') || '|' || department || '|' || CAST(year AS TEXT) || '|' || kind END",
        # the score of each document version under each rule-set version (the past is kept)
        """CREATE TABLE results (
            sha256 TEXT NOT NULL, ruleset TEXT NOT NULL, run_id TEXT, checked_at TIMESTAMP,
            status TEXT, score DOUBLE PRECISION, grade TEXT,
            score_completeness DOUBLE PRECISION, score_arithmetic DOUBLE PRECISION,
            score_code DOUBLE PRECISION, score_cross_table DOUBLE PRECISION,
            score_narrative DOUBLE PRECISION, score_format DOUBLE PRECISION,
            errors INTEGER, warnings INTEGER, infos INTEGER,
            PRIMARY KEY (sha256, ruleset))""",
        "INSERT INTO results SELECT sha256, COALESCE(ruleset, 'unknown'), run_id, extracted_at, status, score, "
        "grade, score_completeness, score_arithmetic, score_code, score_cross_table, score_narrative, "
        "score_format, errors, warnings, infos FROM documents",
        "CREATE INDEX documents_locator ON documents (locator)",
        "CREATE INDEX documents_identity ON documents (identity)",
        # documents stored before versions existed: each is superseded by the next one stored after
        # it with the same locator, or the same identity and format from another run (no blend)
        f"UPDATE documents SET superseded_by = (SELECT n.sha256 FROM documents n WHERE {_NEXT} "
        f"ORDER BY n.extracted_at, n.sha256 LIMIT 1) WHERE EXISTS (SELECT 1 FROM documents n WHERE {_NEXT})",
        "UPDATE documents SET superseded_at = (SELECT n.extracted_at FROM documents n "
        "WHERE n.sha256 = documents.superseded_by) WHERE superseded_by IS NOT NULL",
    ]),
    (6, [
        # what the report shows of each extracted table (its grid view): the measure keys read from
        # the header, and the rows and cells as JSON columns (see warehouse.store.grid_json)
        "ALTER TABLE doc_tables ADD COLUMN measures TEXT",
        "ALTER TABLE doc_tables ADD COLUMN grid TEXT",
    ]),
    (7, [
        # the extraction itself, so `--recheck` validates again without reading the file
        # (warehouse.extraction): each table's rows and cells frames whole, with their types, notes
        # and index (the report's grid is derived from it; `grid` stays for rows stored before),
        "ALTER TABLE doc_tables ADD COLUMN frames TEXT",
        # the paragraphs with their page,
        """CREATE TABLE doc_paragraphs (
            sha256 TEXT NOT NULL, ordinal INTEGER NOT NULL, paragraph_index INTEGER, page INTEGER, body TEXT,
            PRIMARY KEY (sha256, ordinal))""",
        # and the extractor version (domain.ruleset) and layout it was stored with; NULL: not stored
        "ALTER TABLE documents ADD COLUMN extractor TEXT",
    ]),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]

DOCUMENT_COLUMNS = (
    "sha256", "path", "url", "format", "department", "region", "year", "kind", "unit", "status", "error",
    "score", "grade", "score_completeness", "score_arithmetic", "score_code", "score_cross_table",
    "score_narrative", "score_format", "errors", "warnings", "infos", "page_count", "extracted_at", "run_id",
    "paragraph_count", "ruleset", "locator", "identity", "first_seen", "first_run", "superseded_by", "superseded_at",
    "extractor",
)
RESULT_COLUMNS = (
    "sha256", "ruleset", "run_id", "checked_at", "status", "score", "grade", "score_completeness",
    "score_arithmetic", "score_code", "score_cross_table", "score_narrative", "score_format",
    "errors", "warnings", "infos",
)
TABLE_COLUMNS = ("sha256", "table_index", "kind", "number", "title", "unit", "pages", "row_count", "measures", "grid", "frames")
PARAGRAPH_COLUMNS = ("sha256", "ordinal", "paragraph_index", "page", "body")
FINDING_COLUMNS = (
    "sha256", "ordinal", "rule", "category", "severity", "table_kind", "code", "row_label", "column_name",
    "expected", "observed", "message", "page", "bbox", "cell", "paragraph", "excerpt",
    "expected_value", "observed_value", "rounding_step",
)
COPY_COLUMNS = ("sha256", "path", "url", "seen_at")
CRAWL_COLUMNS = ("portal", "url", "referer", "title", "published", "fetched_at", "status", "size", "sha256", "outcome")
