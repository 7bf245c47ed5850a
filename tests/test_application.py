"""The application class: remembered URLs must be exactly the URLs Flask would build."""
from flask import Flask


def _flask_url(app, endpoint, **values):
    return Flask.url_for(app, endpoint, **values)


def test_remembered_urls_match_flask_and_follow_the_script_root(app):
    """A remembered URL equals Flask's, including query values; a different script root (the
    app mounted under a prefix) gets its own URLs, not the ones remembered for another."""
    cases = [("learner.catalogue", {}), ("learner.catalogue", {"q": "race & racism", "theme": "bias"}),
             ("learner.play", {"attempt_id": 7}), ("static", {"filename": "css/site.css"}),
             ("learner.save_journal", {"attempt_id": 3, "prompt_id": "first thoughts"})]
    for script_root in ["", "/cpd"]:
        with app.test_request_context("/", base_url=f"http://localhost{script_root}/"):
            for endpoint, values in cases:
                first, again = app.url_for(endpoint, **values), app.url_for(endpoint, **values)
                assert first == again == _flask_url(app, endpoint, **values)
                assert first.startswith(script_root + "/")


def test_external_urls_anchors_and_unhashable_values_are_built_by_flask(app):
    with app.test_request_context("/", base_url="https://cpd.example.org"):
        assert app.url_for("learner.catalogue", _external=True) == "https://cpd.example.org/modules"
        assert app.url_for("learner.catalogue", _anchor="top") == "/modules#top"
        assert app.url_for("learner.catalogue", theme=["a", "b"]) == "/modules?theme=a&theme=b"
    with app.test_request_context("/", base_url="https://other.example.org"):
        assert app.url_for("learner.catalogue", _external=True) == "https://other.example.org/modules"


def test_the_memo_is_bounded(app, monkeypatch):
    monkeypatch.setattr(type(app), "url_memo_size", 10)
    with app.test_request_context("/"):
        for attempt_id in range(25):
            assert app.url_for("learner.play", attempt_id=attempt_id) == f"/attempts/{attempt_id}"
        assert len(app._url_memo) <= 10
