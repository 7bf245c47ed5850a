"""The Flask application class: Flask with memoised URL building."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask.globals import _cv_request


class CourseEngine(Flask):
    """Flask, remembering the relative URLs it has built.

    Every page builds a dozen or more URLs (menu, static files, form actions), and building
    one through Werkzeug's router took more work than reading the learner's position from
    the database (see docs/performance.md). Inside a request, a relative URL depends only on
    the endpoint, its values and the script root, and the URL map no longer changes once the
    app serves requests, so each worker remembers what it built. External URLs, anchors,
    explicit methods and apps with ``url_defaults`` functions take Flask's own path.
    """

    #: The most URLs a worker remembers; the memo starts afresh when it is full.
    url_memo_size = 4096

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._url_memo: dict[tuple, str] = {}

    def url_for(self, endpoint: str, /, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values: Any) -> str:
        request_context = _cv_request.get(None)
        if (request_context is None or _anchor is not None or _method is not None or _scheme is not None
                or _external or any(self.url_default_functions.values())):
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                                   _external=_external, **values)
        request = request_context.request
        key = (request.script_root, request.blueprint if endpoint[:1] == "." else None, endpoint,
               tuple(values.items()))
        try:
            return self._url_memo[key]
        except KeyError:
            pass
        except TypeError:  # a value that can't be a key (a list of query values): build it
            return super().url_for(endpoint, **values)
        url = super().url_for(endpoint, **values)
        if len(self._url_memo) >= self.url_memo_size:
            self._url_memo.clear()
        self._url_memo[key] = url
        return url
