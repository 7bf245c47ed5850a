"""Private pages are never cached: every page and export sent to a signed-in person carries
``Cache-Control: no-store`` unless it is public by design; production cookies are Secure."""
from __future__ import annotations

import pytest

from course_engine import create_app
from tests.hardening.sweep import path_with
from tests.hardening.test_route_sweep import _good_values
from tests.hardening.world import client_for

#: Public by design, and cached on purpose (each sets its own Cache-Control): the organisation's
#: logo and accent stylesheet, content images, the LTI tool's public keys, static files, and what
#: anyone checking an Open Badge fetches (the issuer profile, its keys, the status lists: bits
#: only, no names, and the achievements of module versions), and the two metadata documents a
#: wallet reads (OpenID for Verifiable Credential Issuance: endpoints and formats, nobody's data).
PUBLIC = {"branding.logo", "branding.accent_stylesheet", "authoring.media", "lti.jwks", "static",
          "certificates.badge_issuer", "certificates.badge_jwks", "certificates.badge_key",
          "certificates.badge_status_list", "certificates.badge_achievement",
          "certificates.wallet_issuer_metadata", "certificates.wallet_authorization_server_metadata"}


@pytest.mark.parametrize("who", ["learner", "admin", "manager"])
def test_every_page_to_a_signed_in_person_is_no_store(app, world, who):
    """Every GET route (url_map), fetched signed in with real ids: 'no-store' unless public by design."""
    browser = client_for(app, getattr(world.a, who))
    good = _good_values(world)
    missing = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in PUBLIC or rule.endpoint in ("auth.logout",):
            continue
        values = dict(good, number=1) if "<int:number>" in rule.rule else good
        response = browser.get(path_with(rule, {k: values.get(k, "1") for k in rule.arguments}))
        response.get_data()
        response.close()
        if "no-store" not in response.headers.get("Cache-Control", ""):
            missing.append(f"{rule.rule} ({response.status_code}): {response.headers.get('Cache-Control')}")
    assert not missing, "\n".join(missing)


def test_exports_are_no_store(app, world):
    """The CPD record's CSV and PDF and the organisation's CSV exports are never cached."""
    learner, admin = client_for(app, world.a.learner), client_for(app, world.a.admin)
    slug = world.a.org.slug
    for browser, url in [(learner, "/cpd/export.csv"), (learner, "/cpd/export.pdf"),
                         (admin, f"/orgs/{slug}/dashboard/matrix.csv"), (admin, f"/orgs/{slug}/dashboard/completions.csv")]:
        response = browser.get(url)
        response.get_data()  # a streamed export ends its request when read
        response.close()
        assert response.status_code == 200, url
        assert "no-store" in response.headers["Cache-Control"], url


def test_production_cookies_are_secure_by_default(tmp_path):
    """In production the session and remember-me cookies are Secure, HttpOnly and SameSite without
    any setting; development keeps them usable over plain http; an explicit setting wins."""
    base = {"SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/c.db", "MAIL_BACKEND": "memory"}
    production = create_app({**base, "ENV_NAME": "production"}).config
    for prefix in ("SESSION", "REMEMBER"):
        assert production[f"{prefix}_COOKIE_SECURE"] is True
        assert production[f"{prefix}_COOKIE_HTTPONLY"] is True
        assert production[f"{prefix}_COOKIE_SAMESITE"] == "Lax"
    development = create_app({**base, "ENV_NAME": "development"}).config
    assert development["REMEMBER_COOKIE_SECURE"] is False and development["SESSION_COOKIE_SECURE"] is False
    explicit = create_app({**base, "ENV_NAME": "production", "REMEMBER_COOKIE_SECURE": False}).config
    assert explicit["REMEMBER_COOKIE_SECURE"] is False
