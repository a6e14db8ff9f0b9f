"""Regenerate the demo portal's copies of the seed disclosure (DOCX, PDF, XLSX) in demo/files/.

    .venv/bin/python scripts/build_seed_files.py [--out demo/files]

The files are built from tests/data/seed/seed.yaml by samples/seed_docs.py; the PDF is the
DOCX converted by LibreOffice headless.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samples.seed_docs import (  # noqa: E402
    DEMO_BASENAME,
    build_seed_docx,
    build_seed_pdf,
    build_seed_xlsx,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成示例门户的种子公开文件 / build the seed demo files")
    parser.add_argument("--out", type=Path, default=ROOT / "demo" / "files")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    written = [
        build_seed_docx(out / f"{DEMO_BASENAME}.docx"),
        build_seed_xlsx(out / f"{DEMO_BASENAME}.xlsx"),
    ]
    with tempfile.TemporaryDirectory(prefix="seed-build-") as tmp:
        written.append(build_seed_pdf(out / f"{DEMO_BASENAME}.pdf", cache_dir=Path(tmp)))
    for path in written:
        print(f"{path}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
