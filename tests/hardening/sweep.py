"""What the route sweep sends: every route of ``app.url_map`` and method, with bad values.

Built from the app itself (its rules and converters), the templates (every form field name)
and the forms (every WTForms field), so a route or field added tomorrow is swept the day it is
added, with no list to keep up to date.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from werkzeug.routing import IntegerConverter

PACKAGE = Path(__file__).resolve().parents[2] / "course_engine"

#: Integers beyond 64 bits, at and past the edges, negative and zero.
BAD_INTS = ["99999999999999999999999", "9223372036854775808", "-1", "0"]
#: Strings that are not what a field expects: NUL, invalid UTF-8 (percent-encoded, so it
#: reaches the app as bytes), very long, wrong types (a float, a list, words for numbers).
BAD_STRINGS = ["a\x00b", "x" * 10_000]
#: Wrong types, two to a request (alternating fields), so every field gets each over two requests.
WRONG_TYPES = [("abc", "1.5"), ("1e309", " "), ("1.5", "abc"), (" ", "1e309")]
#: The same, as raw bytes for URLs and query strings (werkzeug leaves %ff undecoded as bytes).
BAD_URL_STRINGS = ["a%00b%ff%fe", "x" * 10_000, "..%2F..%2Fetc"]

#: Endpoints that sign the person out: swept last for each identity.
SIGNS_OUT = {"auth.logout", "orgs.join_log_out"}


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    data: object = None  # dict, list of pairs, bytes, or None
    content_type: str | None = None
    kind: str = ""

    def label(self) -> str:
        url = self.url if len(self.url) < 120 else self.url[:117] + "..."
        return f"{self.method} {url} [{self.kind}]"


def field_names() -> list[str]:
    """Every form field name: those written in templates and every WTForms field of every form."""
    names = set()
    for template in (PACKAGE / "templates").rglob("*.html"):
        names.update(re.findall(r'\bname="([A-Za-z_][\w-]*)"', template.read_text()))
    import course_engine.models  # noqa: F401 - imports every feature
    from wtforms.fields.core import UnboundField

    from course_engine.forms import BaseForm

    forms, todo = set(), [BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in forms:
                forms.add(sub)
                todo.append(sub)
    for form in forms:
        for name in dir(form):
            if isinstance(getattr(form, name, None), UnboundField):
                names.add(name)
    names.discard("csrf_token")
    return sorted(names)


def query_names() -> list[str]:
    """Every query-string argument the views read (from the source: ``request.args...("name"``)."""
    names = {"page"}
    for source in PACKAGE.rglob("*.py"):
        names.update(re.findall(r'request\.args(?:\.get|\.getlist)?[(\[]"(\w+)"', source.read_text()))
    return sorted(names)


def path_with(rule, values: dict) -> str:
    """The rule's path with each ``<converter:name>`` replaced by the given raw text."""
    return re.sub(r"<(?:[^>:]+(?:\([^)]*\))?:)?([^>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def requests_for(rule, method: str, good: dict, csrf: str, fields: list[str], queries: list[str]):
    """Every bad request for one rule and method: bad path values, bad query strings, bad bodies."""
    base_values = {name: good.get(name, "1") for name in rule.arguments}
    is_post = method != "GET"
    body = {"csrf_token": csrf} if is_post else None
    # Path values: each argument in turn, the others good.
    for name, converter in rule._converters.items():
        bad = BAD_INTS if isinstance(converter, IntegerConverter) else BAD_URL_STRINGS
        for value in bad:
            yield Request(method, path_with(rule, {**base_values, name: value}), body, kind=f"path {name}")
    url = path_with(rule, base_values)
    # Query strings: every argument the views read, each bad value.
    for value in ["99999999999999999999999", "-1", "a%00b%ff%fe", "x" * 10_000]:
        query = "&".join(f"{q}={value}" for q in queries)
        yield Request(method, f"{url}?{query}", body, kind=f"query {value[:12]}")
    yield Request(method, f"{url}?" + "&".join(f"{q}=1&{q}=2" for q in queries), body, kind="query duplicates")
    if not is_post:
        return
    # Bodies: every field with each bad value; duplicates; nothing but the token; uploads.
    for value in BAD_INTS + BAD_STRINGS:
        yield Request(method, url, {"csrf_token": csrf, **{f: value for f in fields}}, kind=f"form {value[:12]!r}")
    for pair in WRONG_TYPES:
        yield Request(method, url, {"csrf_token": csrf, **{f: pair[i % 2] for i, f in enumerate(fields)}},
                      kind=f"form wrong types {pair}")
    pairs = [("csrf_token", csrf)] + [(f, v) for f in fields for v in ("1", "99999999999999999999999")]
    yield Request(method, url, pairs, kind="form duplicates")
    yield Request(method, url, {"csrf_token": csrf}, kind="form missing fields")
    yield Request(method, url, {"csrf_token": csrf, **{f: "1" for f in fields},
                                "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "x.png"),
                                "logo": (io.BytesIO(b"GIF89a" + b"\xff" * 64), "x.png")}, kind="upload junk")
    yield Request(method, url, {"csrf_token": csrf, "file": (io.BytesIO(b"\xff\xfe" + "é,\x00\n".encode() * 50), "x.csv"),
                                "logo": (io.BytesIO(b""), "")}, kind="upload bad text")
    yield Request(method, url, b"--xx\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + csrf.encode(),
                  content_type="multipart/form-data; boundary=xx", kind="upload truncated")
    yield Request(method, url, b"csrf_token=" + csrf.encode() + b"&%ff=%ff&a=%00",
                  content_type="application/x-www-form-urlencoded", kind="form raw bytes")
    yield Request(method, url, b'{"csrf_token": 1}', content_type="application/json", kind="json body")


def send(client, request: Request):
    """Send one request; the response, or the exception it raised out of the app."""
    kwargs = {}
    if request.content_type:
        kwargs["content_type"] = request.content_type
    data = request.data
    if isinstance(data, list):
        from werkzeug.datastructures import MultiDict

        data = MultiDict(data)
    elif isinstance(data, dict):
        # Files are read once: copy them for every send.
        data = {k: ((io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v) for k, v in data.items()}
    return client.open(request.url, method=request.method, data=data, **kwargs)
