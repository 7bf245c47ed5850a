"""Passwords are hashed with Argon2id at production strength unless an app says otherwise;
test apps use the cheapest parameters so the suite does not spend minutes hashing."""
from flask import Flask

from course_engine import config
from course_engine.auth import passwords


def _app(test_config: dict) -> Flask:
    app = Flask(__name__)
    config.configure(app, {"SECRET_KEY": "x", **test_config})
    return app


def test_production_apps_hash_at_the_recommended_strength():
    """Without settings, hashes use argon2-cffi's recommended profile: 3 passes, 64 MiB, 4 lanes."""
    with _app({}).app_context():
        hashed = passwords.hash_password("correct horse battery staple")
        assert hashed.startswith("$argon2id$") and "$m=65536,t=3,p=4$" in hashed
        assert passwords.verify_password(hashed, "correct horse battery staple")
        assert not passwords.verify_password(hashed, "wrong horse battery staple")


def test_test_apps_hash_cheaply_unless_told_otherwise():
    with _app({"TESTING": True}).app_context():
        assert "$m=8,t=1,p=1$" in passwords.hash_password("correct horse battery staple")
    with _app({"TESTING": True, "PASSWORD_HASH_MEMORY_KIB": 65536, "PASSWORD_HASH_TIME_COST": 3,
               "PASSWORD_HASH_PARALLELISM": 4}).app_context():
        assert "$m=65536,t=3,p=4$" in passwords.hash_password("correct horse battery staple")


def test_a_hash_made_with_other_parameters_is_upgraded_at_the_next_login():
    """A hash from cheaper (or older) parameters needs rehashing; one from the current ones does not."""
    with _app({"TESTING": True}).app_context():
        cheap = passwords.hash_password("correct horse battery staple")
    with _app({}).app_context():
        assert passwords.needs_rehash(cheap)
        assert passwords.verify_password(cheap, "correct horse battery staple")  # still accepted
        assert not passwords.needs_rehash(passwords.hash_password("correct horse battery staple"))
