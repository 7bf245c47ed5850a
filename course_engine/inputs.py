"""What a request may carry, checked at the door: ids, page numbers, NUL bytes and UTF-8.

Every integer the app stores in an id column is a 64-bit signed integer on PostgreSQL and
SQLite; a bigger one (``/attempts/99999999999999999999999``) made the driver raise
(``OverflowError`` on SQLite) and the page a 500. The rules here make such values "not found"
(a URL id: 404), "not valid" (a page number or an id in a query string: 400, or the last page)
or a form error (an id in a form), before any statement is built. NUL bytes (PostgreSQL text
cannot hold them) and bytes that are not UTF-8 in the address are refused with a 400 for every
route. ``errors.py`` keeps a last net for what gets past: a database ``DataError`` or an
``OverflowError`` from a value is a 400, never a 500.
"""
from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import abort, request
from werkzeug.routing import IntegerConverter, Rule

#: The largest id a BIGINT (and SQLite's INTEGER) column holds; ids start at 1.
MAX_ID = 2**63 - 1
#: The furthest page any list offers (a cap that keeps OFFSET far inside 64 bits).
MAX_PAGE = 1_000_000

BAD_ADDRESS = "The address has characters that are not allowed. Check the link and try again."
BAD_FORM = ("Something you sent contains a character that cannot be saved (a NUL byte). "
            "Remove it and try again: nothing was saved.")


class IdConverter(IntegerConverter):
    """``<int:...>`` for every route: whole numbers from 1 to 2**63-1, anything else 404.

    It replaces werkzeug's ``int`` converter (same name, so no route changes), so an id too
    big for the database is simply "not found" before a view runs.
    """

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def is_id(value) -> bool:
    """Whether ``value`` is an int that can be a database id (1 .. 2**63-1)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def parse_id(text) -> int | None:
    """``text`` as an id, or None when it is not one (not digits, 0, or beyond 64 bits)."""
    text = str(text if text is not None else "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if is_id(value) else None


def choice_id(value):
    """A WTForms ``coerce`` for a select of ids where "none" is a choice: None for ``""``/``"0"``;
    an id; -1 for anything else (not among the choices, so the form says so)."""
    if value in (None, "", "0", 0):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value if is_id(value) else -1
    parsed = parse_id(value)
    return -1 if parsed is None else parsed


def id_arg(name: str) -> int | None:
    """An id in the query string (``?team=3``): None when absent or empty, 400 when not an id."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    value = parse_id(raw)
    if value is None:
        abort(400, description=f"The {name} in the address is not valid.")
    return value


def page_arg(last_page: int | None = None, name: str = "page") -> int:
    """The page number in the query string, for every paged list (people, audit, completions).

    Missing: 1. Not a whole number from 1 to :data:`MAX_PAGE`: 400 with a clear message.
    Beyond ``last_page`` (when the list knows it): the last page, so a stale link still shows
    the end of the list.
    """
    raw = request.args.get(name)
    if raw is None or raw == "":
        return 1
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, description=f"The page number in the address is not valid: use a whole number from 1 to {MAX_PAGE:,}.")
    page = int(raw)
    if last_page is not None:
        page = min(page, max(1, last_page))
    return page


def refuse_bad_characters() -> None:
    """``before_request``: a 400 for NUL bytes or bytes that are not UTF-8 in the address or
    query string, and for NUL bytes in submitted form fields (uploaded files may hold any bytes)."""
    path = request.environ.get("PATH_INFO", "")
    try:
        raw_path = path.encode("latin-1")  # WSGI hands the path over as latin-1 text
        raw_path.decode("utf-8")
        raw_query = unquote_to_bytes(request.environ.get("QUERY_STRING", "").replace("+", " "))
        raw_query.decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        abort(400, description=BAD_ADDRESS)
    if b"\x00" in raw_path or b"\x00" in raw_query:
        abort(400, description=BAD_ADDRESS)
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for values in request.form.listvalues():
            if any("\x00" in value for value in values):
                abort(400, description=BAD_FORM)


class LazyBuilderRule(Rule):
    """A URL rule that compiles its URL builder when ``url_for`` first needs it, not when the
    rule is added.

    Werkzeug compiles two builders (Python source, through ``compile()``) for every rule as it is
    added: about 45 ms of the 51 ms an app with our ~150 rules takes to build, most of them for
    endpoints a process may never link to. Matching a request is unchanged (its regular
    expression is still compiled at once); the first ``url_for`` of an endpoint compiles the same
    builder werkzeug would have. This rests on werkzeug's ``Rule._compile_builder`` (3.x), so
    tests/test_url_rules.py checks every route builds the same URLs as a plain werkzeug rule.
    Figures: docs/performance.md, "The suite's time".
    """

    def _compile_builder(self, append_unknown: bool = True):
        compile_now = super()._compile_builder
        compiled = None

        def build(rule, *args, **values):
            nonlocal compiled
            if compiled is None:  # two threads may both compile it: the same function, no harm
                compiled = compile_now(append_unknown)
            return compiled(rule, *args, **values)

        return build


def init_app(app) -> None:
    """Install the id converter and lazily compiled URL rules (before any blueprint adds its
    rules) and the character check."""
    app.url_map.converters["int"] = IdConverter
    app.url_rule_class = LazyBuilderRule
    app.before_request(refuse_bad_characters)
