"""Evidence an auditor can follow from a finding: the PDF page it is on, rendered once, with the
finding's cell or sentence outlined.

Only the pages that carry a finding are rendered (pypdfium2, grey lossless WebP at PAGE_DPI), into
`pages/<sha16>/<page>.webp` with a viewer page `pages/<sha16>/<page>.html` beside it; each finding
on the page is a box positioned in percent of the page (from its bbox in PDF points, top-left
origin, as extraction records it), so the box stays on its cell at any zoom. A finding located
on a page without a bbox (a narrative sentence) is outlined where the page's text holds the
figure it quotes, when the page (unrotated) prints it exactly once; else the whole page is the evidence.
A missing or unreadable original never fails the report: the viewer page says so.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

PAGE_DPI = 120  # readable: 9-pt table text is ~15 px high
IMAGE_SUFFIX = "webp"


def page_folder(sha256: str) -> str:
    return f"pages/{sha256[:16]}"


def page_image_href(sha256: str, page: int) -> str:
    return f"{page_folder(sha256)}/{page}.{IMAGE_SUFFIX}"


def page_view_href(sha256: str, page: int) -> str:
    return f"{page_folder(sha256)}/{page}.html"


@dataclass
class PageImage:
    """A rendered page: its size in PDF points and in pixels; `error` when it could not be drawn."""

    page: int
    width: float = 0.0  # points
    height: float = 0.0
    pixels: tuple[int, int] = (0, 0)
    error: str | None = None
    # page-text boxes found for findings without a bbox: finding number → [x0, top, x1, bottom] in points
    found: dict[int, list[float]] = field(default_factory=dict)


def _pdf_bytes(path: str) -> bytes:
    """The PDF's bytes, from the file or from the ZIP member `a.zip!/b.pdf`."""
    if "!/" in path:
        archive, member = path.split("!/", 1)
        with zipfile.ZipFile(archive) as z:
            return z.read(member)
    return Path(path).read_bytes()


def _figure(text: str | None) -> str | None:
    """The printed figure a finding quotes ('1682.76', '12.5%'), to find on the page; None for none."""
    if not text:
        return None
    m = re.search(r"\d[\d,，]*(?:\.\d+)?%?", str(text))
    return m.group(0) if m and len(m.group(0).replace(",", "")) >= 3 else None


def _search_box(textpage, needle: str) -> list[list[float]]:
    """Every place `needle` is on the page, as [x0, top, x1, bottom] in points from the top-left."""
    height = textpage.page.get_height()
    boxes = []
    searcher = textpage.search(needle, match_case=True, match_whole_word=False)
    while (hit := searcher.get_next()) is not None:
        start, count = hit
        rects = [textpage.get_charbox(i) for i in range(start, start + count)]
        left, bottom, right, top = (min(r[0] for r in rects), min(r[1] for r in rects),
                                    max(r[2] for r in rects), max(r[3] for r in rects))
        boxes.append([round(left, 1), round(height - top, 1), round(right, 1), round(height - bottom, 1)])
    searcher.close()
    return boxes


def locate_sentences(pdf, findings: list[dict]) -> dict[int, list[float]]:
    """For findings on a page without a bbox: the box of the figure they quote (observed value), when
    the page shows it exactly once; finding number → box in points."""
    out: dict[int, list[float]] = {}
    for f in findings:
        loc = f.get("location") or {}
        needle = _figure(f.get("observed"))
        if loc.get("bbox") or not loc.get("page") or not needle:
            continue
        try:
            if pdf[loc["page"] - 1].get_rotation():  # char boxes are in unrotated page space: no box
                continue
            textpage = pdf[loc["page"] - 1].get_textpage()
            hits = _search_box(textpage, needle)
            if not hits and needle.endswith("%"):  # printed '129.97 %'
                hits = _search_box(textpage, needle[:-1])
            textpage.close()
        except Exception:  # noqa: BLE001 — a page without text or an odd font: no box, the page still shows
            continue
        if len(hits) == 1:
            out[f["n"]] = hits[0]
    return out


def render_pages(path: str | None, findings: list[dict], out_dir: Path, sha256: str) -> dict[int, PageImage]:
    """Draw each page of the PDF at `path` that a numbered finding points at into `out_dir`
    (pages/<sha16>/<n>.webp); page → PageImage (with `error` set when it could not be drawn)."""
    pages = sorted({f["location"]["page"] for f in findings if (f.get("location") or {}).get("page")})
    if not pages:
        return {}
    try:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(_pdf_bytes(path)) if path and "://" not in path else None
    except Exception as exc:  # noqa: BLE001 — missing, moved, not a PDF: say so, keep the report
        pdf, reason = None, f"{type(exc).__name__}: {exc}"
    else:
        reason = "原件不在本机 / the original is not on this machine"
    if pdf is None:
        return {p: PageImage(page=p, error=reason) for p in pages}
    images: dict[int, PageImage] = {}
    folder = out_dir / page_folder(sha256)
    folder.mkdir(parents=True, exist_ok=True)
    found = locate_sentences(pdf, findings)
    try:
        for p in pages:
            if not 1 <= p <= len(pdf):
                images[p] = PageImage(page=p, error=f"文件只有 {len(pdf)} 页 / the file has {len(pdf)} pages")
                continue
            page = pdf[p - 1]
            try:
                width, height = page.get_size()
                image = page.render(scale=PAGE_DPI / 72).to_pil().convert("L")
                image.save(out_dir / page_image_href(sha256, p), "WEBP", lossless=True, quality=50, method=4)
                images[p] = PageImage(page=p, width=width, height=height, pixels=image.size,
                                      found={n: b for n, b in found.items()
                                             if any(f["n"] == n and f["location"]["page"] == p for f in findings)})
            except Exception as exc:  # noqa: BLE001
                images[p] = PageImage(page=p, error=f"{type(exc).__name__}: {exc}")
            finally:
                page.close()
    finally:
        pdf.close()
    return images


def box_style(bbox: list[float] | None, image: PageImage, pad: float = 2.0) -> str | None:
    """CSS placing a box over the page image in percent of the page (pad in points), or None."""
    if not bbox or not image.width or not image.height:
        return None
    x0, top, x1, bottom = bbox
    x0, top = max(0.0, x0 - pad), max(0.0, top - pad)
    x1, bottom = min(image.width, x1 + pad), min(image.height, bottom + pad)
    if x1 <= x0 or bottom <= top:
        return None
    w, h = image.width, image.height
    return (f"left:{100 * x0 / w:.3f}%;top:{100 * top / h:.3f}%;"
            f"width:{100 * (x1 - x0) / w:.3f}%;height:{100 * (bottom - top) / h:.3f}%")


def page_boxes(findings: list[dict], image: PageImage) -> list[dict]:
    """The numbered findings on the image's page, each with its box style (None: no place on the page)."""
    out = []
    for f in findings:
        loc = f.get("location") or {}
        if loc.get("page") != image.page:
            continue
        bbox = loc.get("bbox") or image.found.get(f["n"])
        out.append(f | {"style": box_style(bbox, image), "box": bbox, "found": not loc.get("bbox") and bbox is not None})
    return out
