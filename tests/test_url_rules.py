"""URL rules compile their builders lazily (``inputs.LazyBuilderRule``): every route still builds
exactly the URL a plain werkzeug rule builds, with and without extra (query string) values."""
from __future__ import annotations

from werkzeug.routing import AnyConverter, PathConverter, Rule

from course_engine import create_app, inputs
from course_engine.inputs import LazyBuilderRule
from tests.conftest import base_test_config


def _value(converter):
    """A value each converter accepts: an id, a path with a slash, one of an ``any``, a word."""
    if isinstance(converter, inputs.IdConverter):
        return 7
    if isinstance(converter, PathConverter):
        return "folder/file name.txt"
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0] if hasattr(converter, "items") else converter.regex.split("|")[0]
    return "a value/with ünïcode"


def _apps(tmp_path, monkeypatch):
    config = base_test_config(tmp_path, "sqlite:///" + str(tmp_path / "rules.db"))
    lazy = create_app(config)
    monkeypatch.setattr(inputs, "LazyBuilderRule", Rule)  # the same app with werkzeug's own rules
    plain = create_app(config)
    return lazy, plain


def test_every_route_builds_the_same_url_as_a_plain_werkzeug_rule(tmp_path, monkeypatch):
    lazy, plain = _apps(tmp_path, monkeypatch)
    lazy_rules = [r for r in lazy.url_map.iter_rules() if r.endpoint != "static"]
    assert lazy_rules and all(isinstance(r, LazyBuilderRule) for r in lazy_rules)
    assert not any(isinstance(r, LazyBuilderRule) for r in plain.url_map.iter_rules())
    plain_rules = {(r.endpoint, r.rule): r for r in plain.url_map.iter_rules()}
    assert set(plain_rules) == {(r.endpoint, r.rule) for r in lazy.url_map.iter_rules()}
    for rule in lazy_rules:
        values = {name: _value(converter) for name, converter in rule._converters.items()}
        twin = plain_rules[(rule.endpoint, rule.rule)]
        for extra in ({}, {"next": "/a b?c", "page": 2}):
            built = rule.build({**values, **extra}, append_unknown=True)
            assert built == twin.build({**values, **extra}, append_unknown=True), rule.rule
            assert built is not None and built[1].startswith("/"), rule.rule
        assert rule.build(values, append_unknown=False) == twin.build(values, append_unknown=False)


def test_a_builder_is_compiled_once_on_first_use_and_url_for_works(app):
    """The first url_for of an endpoint compiles its builder; later ones reuse it."""
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "static")
    compiled = []
    real = Rule._compile_builder

    def counting(self, append_unknown=True):
        compiled.append(append_unknown)
        return real(self, append_unknown)

    fresh = LazyBuilderRule(rule.rule, endpoint="counted")
    Rule._compile_builder, saved = counting, Rule._compile_builder
    try:
        app.url_map.add(fresh)
        assert compiled == []  # nothing compiled when the rule is added
        with app.test_request_context():
            assert url_for("counted", filename="site.css") == "/static/site.css"
            assert url_for("counted", filename="site.css", v=3) == "/static/site.css?v=3"
            assert url_for("counted", filename="other.css") == "/static/other.css"
        assert compiled == [True]  # url_for's builder (extra values in the query string), once
        assert fresh.build({"filename": "x.css", "v": 3}, append_unknown=False) == ("", "/static/x.css")
        assert fresh.build({"filename": "y.css"}, append_unknown=False) == ("", "/static/y.css")
    finally:
        Rule._compile_builder = saved
    assert compiled == [True, False]  # the other builder only when it was first used, once
