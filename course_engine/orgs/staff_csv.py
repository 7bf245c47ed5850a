"""Reading a bulk staff upload (columns name, email, team, role): bytes in, checked rows out.

Pure functions, no database: whether a team exists or a person already has an account is
decided by :func:`course_engine.orgs.staff_upload.plan_staff_import`. A file that cannot be
used at all raises :class:`UnusableFile` (nothing is written); a row that is wrong gets a
``problem`` and is reported with its line number.
"""
from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass

from ..auth.services import email_is_well_formed, normalise_email
from .models import OrgRole

#: The columns a staff upload must have, in any order (header names are case-insensitive).
COLUMNS = ("name", "email", "team", "role")

#: What the role column may say (lower-cased), and the role it means.
ROLE_WORDS = {
    "learner": OrgRole.learner,
    "manager": OrgRole.manager,
    "org_admin": OrgRole.org_admin,
    "org admin": OrgRole.org_admin,
    "organisation admin": OrgRole.org_admin,
}

SAVE_AS_UTF8 = ("Save it as CSV UTF-8 (in Excel: File > Save As > 'CSV UTF-8 (Comma delimited)') "
                "and upload it again.")


class UnusableFile(ValueError):
    """The file as a whole cannot be used (nothing is written); the message says why and what to do."""


@dataclass
class StaffRow:
    """One person's row, as written in the file, with what is wrong with it (if anything)."""

    line: int
    name: str
    email: str
    team: str
    role: str
    problem: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def read_staff_csv(data: bytes, *, max_rows: int) -> list[StaffRow]:
    """Decode, parse and check a staff upload.

    :param data: the uploaded bytes (the caller enforces the size limit).
    :param max_rows: the most people one file may list.
    :raises UnusableFile: empty, binary, not UTF-8, malformed, wrong columns, no rows or too many rows.
    """
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[StaffRow] = []
    last_line = 0
    try:
        for cells in reader:
            start, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _check_header(cells)
                continue
            if len(rows) == max_rows:
                raise UnusableFile(f"The file has more than {max_rows:,} people. "
                                   f"Split it into files of at most {max_rows:,} rows and upload each one.")
            rows.append(_read_row(start, header, cells))
    except csv.Error as exc:
        raise UnusableFile(f"Line {reader.line_num} could not be read as CSV ({exc}). "
                           "Check for a stray quotation mark, or save the file again as CSV UTF-8.") from None
    if header is None:
        raise UnusableFile("The file is empty. Upload a CSV file with a header row (name, email, team, role) "
                           "and one row for each person.")
    if not rows:
        raise UnusableFile("The file has a header row but nobody in it. Add one row for each person.")
    _mark_duplicates(rows)
    return rows


def _decode(data: bytes) -> str:
    if not data.strip():
        raise UnusableFile("The file is empty. Upload a CSV file with a header row (name, email, team, role) "
                           "and one row for each person.")
    if data.startswith(b"PK\x03\x04"):
        raise UnusableFile("This is an Excel workbook, not a CSV file. " + SAVE_AS_UTF8)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnusableFile("This file is saved as UTF-16 ('Unicode text'), not UTF-8. " + SAVE_AS_UTF8)
    if b"\x00" in data:
        raise UnusableFile("This doesn't look like a CSV text file (it contains binary data). " + SAVE_AS_UTF8)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UnusableFile(f"The file isn't in UTF-8: line {line} has characters in another encoding "
                           "(perhaps Windows-1252). " + SAVE_AS_UTF8) from None


def _check_header(cells: list[str]) -> list[str]:
    names = [" ".join(cell.split()).lower() for cell in cells]
    while names and not names[-1]:
        names.pop()  # trailing empty cells, as spreadsheets sometimes write
    expected = ", ".join(COLUMNS)
    twice = sorted({n for n in names if names.count(n) > 1 and n})
    if twice:
        raise UnusableFile(f"The column {_quoted(twice)} appears more than once in the header row. "
                           f"The columns must be {expected}, once each.")
    missing = [c for c in COLUMNS if c not in names]
    extra = [n or "(a column with no name)" for n in names if n not in COLUMNS]
    if missing:
        hint = " The first row must be the header row." if any("@" in n for n in names) else ""
        raise UnusableFile(f"The header row is missing the column {_quoted(missing)}.{hint} "
                           f"The columns must be {expected} (in any order).")
    if extra:
        raise UnusableFile(f"The file has columns we can't use: {_quoted(extra)}. Remove them: "
                           f"the columns must be exactly {expected} (in any order).")
    return names


def _read_row(line: int, header: list[str], cells: list[str]) -> StaffRow:
    cells = list(cells)
    while len(cells) > len(header) and not cells[-1].strip():
        cells.pop()
    values = dict(zip(header, (cell.strip() for cell in cells)))
    row = StaffRow(line=line, name=" ".join(values.get("name", "").split()),
                   email=normalise_email(values.get("email", "")),
                   team=" ".join(values.get("team", "").split()), role=values.get("role", "").lower())
    problems = []
    if len(cells) != len(header):
        problems.append(f"has {len(cells)} values but there are {len(header)} columns")
    if not row.name:
        problems.append("name is missing")
    elif len(row.name) > 200:
        problems.append("name is longer than 200 characters")
    if not row.email:
        problems.append("email is missing")
    elif len(row.email) > 320 or not email_is_well_formed(row.email):
        problems.append(f"'{row.email}' is not a valid email address")
    if not row.role:
        problems.append("role is missing: use learner, manager or org_admin")
    elif row.role not in ROLE_WORDS:
        problems.append(f"role '{row.role}' is not one of learner, manager, org_admin")
    else:
        row.role = ROLE_WORDS[row.role].value
    if len(row.team) > 200:
        problems.append("team is longer than 200 characters")
    row.problem = "; ".join(problems) or None
    return row


def _mark_duplicates(rows: list[StaffRow]) -> None:
    # Every copy is rejected: when one person is listed twice we can't tell which row is right.
    lines: dict[str, list[int]] = {}
    for row in rows:
        if row.email:
            lines.setdefault(row.email, []).append(row.line)
    for row in rows:
        same = lines.get(row.email, [])
        if len(same) > 1:
            others = ", ".join(str(n) for n in same if n != row.line)
            message = f"the same email is also on line {others}: keep one row per person"
            row.problem = f"{row.problem}; {message}" if row.problem else message


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)
