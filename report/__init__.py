"""The scorecard report: a static, self-contained site in Chinese (English in small type)."""

from report.site import render_document, render_index, write_scorecard, write_site

__all__ = ["render_document", "render_index", "write_scorecard", "write_site"]
