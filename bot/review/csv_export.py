"""CSV downloads that spreadsheet programs open safely.

A cell starting with = + - @ (or a tab or carriage return) is a formula to
Excel and LibreOffice: text cells like that get a leading apostrophe, so a
resident's words or a tag can never run as a formula (OWASP "CSV injection").
Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from aiohttp import web

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | None


def safe_cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> web.Response:
    """An attachment in UTF-8 with a byte order mark, which Excel needs to read ä and å."""
    body = "\ufeff" + csv_text(header, rows)
    return web.Response(
        body=body.encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
