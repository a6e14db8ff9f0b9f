"""Generated inputs shared by the tests and the benchmarks: the seed disclosure rendered as
DOCX/PDF/XLSX (seed_docs), generated 部门决算 with defect variants (final_accounts_docs), scored
documents and synthetic warehouses of any size (warehouse_docs), and a POST-only JSON platform on a
local server (platform_site). Nothing in the product imports this package; benchmarks import the
product and this, never tests/."""
