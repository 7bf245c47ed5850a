"""CSV exports, streamed row by row from the same query functions as the screens.

Every cell goes through :func:`safe_cell`, so a name such as ``=HYPERLINK(...)`` is shown as
text by spreadsheets rather than run as a formula (CSV formula injection).
"""
from __future__ import annotations

import csv
import io
from datetime import date
from typing import Iterable, Iterator

from ..documents import safe_cell
from ..scores import score_percent
from . import queries


#: Characters of CSV sent per chunk. Why: one chunk per line made the server (WSGI and its
#: streaming wrapper) handle 20,000 tiny writes for a national organisation's matrix; a few
#: hundred chunks of this size keep memory flat and cost far less.
CHUNK_CHARS = 64 * 1024


def _csv_lines(rows: Iterable[list], chunk_chars: int = CHUNK_CHARS) -> Iterator[str]:
    """The rows as CSV text, in chunks of whole lines of about ``chunk_chars`` (0: a line each)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        if buffer.tell() >= chunk_chars:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def format_day(day: date | None) -> str:
    return day.isoformat() if day else ""


def matrix_header(columns: list[queries.Column]) -> list[str]:
    header = ["Name", "Email", "Team"]
    for column in columns:
        header += [f"{column.title}: status", f"{column.title}: due"]
    return header


def matrix_values(row: queries.MatrixRow) -> list[str]:
    """The values of one matrix row, exactly as the screen shows them."""
    values = [row.name, row.email, row.team_name]
    for cell in row.cells:
        if cell is None:
            values += ["Not assigned", ""]
        else:
            values += [cell.status.label, format_day(cell.due_date)]
    return values


def matrix_csv(scope, filters, today, chunk_chars: int = CHUNK_CHARS) -> Iterator[str]:
    """The whole matrix for these filters, as CSV text (chunks of lines, see :func:`_csv_lines`)."""
    book = queries.rule_book(scope.organisation_id)
    columns = queries.columns_for(book, filters)

    def rows():
        yield matrix_header(columns)
        for row in queries.iter_matrix(scope, filters, today, book, columns):
            yield matrix_values(row)

    return _csv_lines(rows(), chunk_chars)


COMPLETION_HEADER = ["Name", "Email", "Team", "Module", "Version", "Completed (UTC)", "Quiz score", "CPD minutes"]


def completion_values(row: queries.CompletionRow) -> list[str]:
    return [row.name, row.email, row.team_name, row.module_title, str(row.version),
            row.completed_at.strftime("%Y-%m-%d %H:%M"),
            "" if row.score_percent is None else score_percent(row.score_percent), str(row.cpd_minutes)]


def completions_csv(scope, filters, module_ids, chunk_chars: int = CHUNK_CHARS) -> Iterator[str]:
    def rows():
        yield COMPLETION_HEADER
        for row in queries.completions(scope, filters, module_ids):
            yield completion_values(row)

    return _csv_lines(rows(), chunk_chars)
