"""How a workbook prints, checked on LibreOffice's PDF of it (the quarterly, annual and
meeting-pack workbooks share these checks; issue 10 item 2).

``check_prints(path, tmp_path)`` converts the workbook and a reference workbook to PDF and
holds every page to three things:

- readable: the body text prints at 8 pt or more (10 pt at ``MIN_SCALE``), allowing for how
  this machine's fonts measure column widths (the reference page shows the factor);
- pages: each sheet takes at least one page per manual break and no more than its rows
  need;
- headers: a page's top shows the heading of a table starting there, the header of the
  table going on from the page before, or neither; never another table's header.

Without LibreOffice (soffice) or poppler (pdftotext) the checks fail, saying so.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from openpyxl import load_workbook

from cm_excel.print_setup import MIN_SCALE, page_height_points, print_scale

REFERENCE_WIDTHS = (10,) * 30
HEADER_FILL = "1F3864"  # the dark fill of every table header row (xlsx_style)


def run(*args, timeout=180) -> str:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def printed_widths(sheet) -> tuple[list[float], set[int]]:
    """Column widths (characters, as xlsxwriter was given them) and the hidden columns."""
    from openpyxl.utils import column_index_from_string

    widths, hidden = {}, set()
    for letter, dim in sheet.column_dimensions.items():
        for col in range(dim.min or column_index_from_string(letter),
                         (dim.max or column_index_from_string(letter)) + 1):
            widths[col - 1] = round(dim.width - 0.71, 1)  # xlsxwriter adds the padding
            if dim.hidden:
                hidden.add(col - 1)
    return [widths.get(i, 8.43) for i in range(max(widths) + 1)], hidden


def reference_workbook(path):
    """Two pages with the marking in 10 pt italic Arial, as every sheet's subtitle ends:
    one at 100%, one of 30 columns fitted to the page width. The second shows how this
    machine's fonts turn column widths into a scale (LibreOffice without Carlito measures
    widths in a wider font than Excel's Calibri and prints smaller than the widths say)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    for fitted in (False, True):
        ws = wb.add_worksheet()
        ws.write_string(2, 0, "OFFICIAL-SENSITIVE", wb.add_format(
            {"font_name": "Arial", "font_size": 10, "italic": True}))
        ws.set_landscape()
        ws.set_paper(9)
        ws.set_header("&L ")
        ws.set_footer("&L ")
        if fitted:
            ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
            ws.set_column(0, len(REFERENCE_WIDTHS) - 1, REFERENCE_WIDTHS[0])
            ws.write_string(3, len(REFERENCE_WIDTHS) - 1, "end")
            ws.fit_to_pages(1, 0)
    wb.close()


def marking_scale(page_bbox: str, at_full_size: float | None = None) -> float | None:
    """The width of the subtitle's marking (10 pt, shrunk with the page when fitted), as a
    share of ``at_full_size`` (or in points); None when the page has no subtitle."""
    words = sorted(re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                              r'yMax="[\d.]+">OFFICIAL-SENSITIVE</word>', page_bbox),
                   key=lambda w: float(w[1]))
    if at_full_size is None:
        [(x0, _, x1)] = words[:1]
    elif len(words) >= 3:  # page header, subtitle, (a cell or two,) footer
        x0, _, x1 = words[1]
    else:
        return None
    width = float(x1) - float(x0)
    return width / at_full_size if at_full_size else width


def tables(sheet):
    """(heading or None, header words) of each table: header rows are the dark-filled ones."""
    out = []
    for row in sheet.iter_rows():
        first = row[0]
        if first.fill is not None and str(first.fill.fgColor.rgb).endswith(HEADER_FILL):
            above = sheet.cell(first.row - 1, 1).value if first.row > 1 else None
            words = {w for c in row if isinstance(c.value, str) for w in c.value.split()}
            out.append((above if first.row > 3 else None, words))
    return out


def page_text(pdf, number: int) -> list[str]:
    """The non-blank lines of page ``number``, as laid out."""
    return [ln.strip() for ln in run("pdftotext", "-layout", "-f", number, "-l", number,
                                     pdf, "-").splitlines() if ln.strip()]


def to_pdf(path, tmp_path):
    """LibreOffice's PDF of ``path`` and of the reference workbook; (pdf, reference pdf)."""
    reference = tmp_path / "reference.xlsx"
    reference_workbook(reference)
    out = tmp_path / "pdf"
    run(shutil.which("soffice") or "/usr/bin/soffice",
        f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
        "--convert-to", "pdf", "--outdir", out, path, reference)
    return out / (path.stem + ".pdf"), out / "reference.pdf"


def check_prints(path, tmp_path, *, untitled_pages=("Summary",), marking="OFFICIAL-SENSITIVE"):
    """Convert ``path`` with LibreOffice and check every printed page (module docstring).
    Pages without a subtitle are allowed only on the sheets ``untitled_pages`` (whose later
    pages repeat nothing). Returns the PDF's path."""
    pdf, reference = to_pdf(path, tmp_path)
    run("pdftotext", "-bbox", pdf, tmp_path / "bbox.html")
    run("pdftotext", "-bbox", reference, tmp_path / "ref.html")
    pages = (tmp_path / "bbox.html").read_text(encoding="utf-8").split("<page ")[1:]
    full_page, fitted_page = (tmp_path / "ref.html").read_text(encoding="utf-8").split("<page ")[1:]
    full = marking_scale(full_page)
    # this machine's fonts: the scale LibreOffice uses over the one the widths give
    fonts = marking_scale(fitted_page) / full / print_scale(REFERENCE_WIDTHS)
    book = load_workbook(path)

    def sheet_of(lines) -> str:
        """The sheet a page belongs to: its name ends the page header (the longest match)."""
        found = [t for t in book.sheetnames if lines[0].endswith(t)]
        assert found, lines[:2]
        return max(found, key=len)

    # readable: the body text of every page prints at 8 pt or more (10 pt at 80%)
    scales = [marking_scale(p, full) for p in pages]
    assert all(s / fonts >= MIN_SCALE - 0.01 for s in scales if s is not None), (scales, fonts)
    for number, s in enumerate(scales, 1):
        if s is None:
            assert sheet_of(page_text(pdf, number)) in untitled_pages, number

    # pages: each sheet at least one page per manual break, and no more than its rows need
    low = high = 0
    for sheet in book:
        breaks = len(sheet.row_breaks.brk)
        widths, hidden = printed_widths(sheet)
        scale = print_scale(widths, hidden)
        heights = [sheet.row_dimensions[r].height or 15 for r in range(1, sheet.max_row + 1)]
        usable = page_height_points() - (24 + 15 + 42 + max(heights)) * scale
        low += breaks + 1
        high += breaks + 1 + int(sum(heights) * scale / usable)
    assert low <= len(pages) <= high, (low, len(pages), high)

    # headers: a page's top shows the heading of a table starting there, the header of the
    # table going on from the page before, or neither; never another table's header
    going_on: dict[str, int] = {}
    for number in range(1, len(pages) + 1):
        lines = page_text(pdf, number)
        name = sheet_of(lines)
        found = tables(book[name])
        first_page = name not in going_on
        if not found:
            continue
        # the page's body starts after the page header, the title and the subtitle (which
        # ends with the marking, on one line or more)
        body = next((i + 1 for i, ln in enumerate(lines[1:6], 1) if ln.endswith(marking)), 3)
        top_words = set(" ".join(lines[body:body + 4]).split())
        scores = [len(words & top_words) / len(words) for _, words in found]
        # the tables whose header the page's top shows (two tables may share header words)
        shown = [i for i, score in enumerate(scores) if score >= 0.7]
        starts_here = any(
            (found[i][0] is None and first_page) or (
                found[i][0] is not None and len(lines) > body
                and lines[body].startswith(str(found[i][0])[:30])) for i in shown)
        if shown and not starts_here:
            assert going_on.get(name) in shown, (number, name, lines[body:body + 4])
        if first_page and found[0][0] is None:
            going_on[name] = 0
        text = " ".join(lines[body:])  # the table going on at the foot: the last begun here
        for i, (title, _) in enumerate(found):
            if title and str(title)[:30] in text:
                going_on[name] = i
    return pdf


def print_setup_problems(book, *, period: str, marking: str = "OFFICIAL-SENSITIVE",
                         skip=()) -> list[str]:
    """What is wrong with the workbook's page setup, sheet by sheet (empty when nothing):
    landscape A4 fitted one page wide at ``MIN_SCALE`` or more, marking and period in the
    footer, a print area, and repeated rows: the title and the header of a sheet's one table
    (in row 3), else only the title rows (several tables, or none under row 3)."""
    problems = []
    for sheet in book:
        widths, hidden = printed_widths(sheet)
        checks = {
            "landscape": sheet.page_setup.orientation == "landscape",
            "A4": str(sheet.page_setup.paperSize) == "9",
            "fit to width": bool(sheet.sheet_properties.pageSetUpPr.fitToPage)
            and sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0,
            "marking": marking in sheet.oddFooter.right.text,
            "period": period in sheet.oddFooter.left.text,
            "readable": print_scale(widths, hidden) >= MIN_SCALE,
            "print area": bool(sheet.print_area),
        }
        if sheet.title not in skip:
            found = tables(sheet)
            one_table = len(found) == 1 and found[0][0] is None  # its header in row 3
            checks["repeated rows"] = sheet.print_title_rows == ("$1:$3" if one_table else "$1:$2")
        problems += [f"{sheet.title}: {what}" for what, ok in checks.items() if not ok]
    return problems
