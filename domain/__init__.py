"""The domain package: the words every stage shares, defined once, importing no stage.

- `domain.model`    — Document, Table, Finding, Scorecard; table kinds, their families (summary, 三公),
                      measure keys (CONTRACT §4) and the 三公 经济分类 codes
- `domain.settings` — where budgetqa keeps its things (environment with embedded defaults)
- `domain.units`    — 元/千元/万元/亿元, the one conversion between them, an amount's printed decimals
- `domain.formats`  — the document formats read (by suffix) and the one byte sniffer
- `domain.names`    — the key by which a budget line's name is matched across tables
- `domain.scope`    — the money a table covers (all funds, 财政拨款, 一般公共预算, …)
"""
