"""One helper for every CSV and XLSX export: a cell that a spreadsheet would read as a formula
(beginning with ``= + - @``, TAB or CR) is written as text, so an export can never carry a formula."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number written as text ("-1.234,50", "+390801234567") is no formula: it stays as it is.
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d.,]*")


def safe_cell(value: Any) -> Any:
    """A value ready for a cell: numbers and dates stay typed; text that could start a formula gets a
    leading apostrophe (CSV) — XLSX writes it as a string cell, see ``xlsx_bytes``."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | decimal.Decimal | dt.date):
        return value
    text = str(value)
    if text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def read_cell(text: str) -> str:
    """The value ``safe_cell`` wrote (an import of our own export): the protective apostrophe goes."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(_FORMULA_STARTS):
        return text[1:]
    return text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ";") -> Iterator[str]:
    """CSV text line by line (streamable), with a BOM so spreadsheets read UTF-8."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)

    def flush() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate(0)
        return text

    writer.writerow([safe_cell(h) for h in header])
    yield "\ufeff" + flush()
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        yield flush()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ";") -> str:
    return "".join(csv_lines(header, rows, delimiter=delimiter))


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Export") -> bytes:
    """An XLSX workbook; every text cell is a string cell (data_type ``s``), never a formula. Amounts
    (Decimal) are numbers shown with two decimals, dates are dates."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = title[:31] or "Export"
    for row in [list(header), *rows]:
        ws.append([None if v is None else v for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING
            elif isinstance(cell.value, decimal.Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(cell.value, dt.date) and not isinstance(cell.value, dt.datetime):
                cell.number_format = "dd/mm/yyyy"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
