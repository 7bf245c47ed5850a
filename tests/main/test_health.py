"""The health check reports the database's status."""


def test_healthz_ok(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(make_app):
    app = make_app(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_landing_and_accessibility_pages(app, client):
    assert "Log in" in client.get("/").get_data(as_text=True)
    assert "Accessibility statement" in client.get("/accessibility").get_data(as_text=True)
