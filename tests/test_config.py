"""Configuration layers and the secret key rules."""
import pytest

from course_engine import config
from flask import Flask


def _app(tmp_path):
    return Flask("probe", instance_path=str(tmp_path / "instance"), instance_relative_config=True)


def test_layers_defaults_then_instance_file_then_environment(tmp_path):
    app = _app(tmp_path)
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text("SITE_NAME = 'From file'\nBASE_URL = 'https://file.example'\n")
    config.configure(app, environ={"COURSE_ENGINE_BASE_URL": "https://env.example",
                                   "COURSE_ENGINE_PASSWORD_MIN_LENGTH": "14",
                                   "DATABASE_URL": "postgres://u@h/db", "SECRET_KEY": "from-env"})
    assert app.config["SITE_NAME"] == "From file"
    assert app.config["BASE_URL"] == "https://env.example"
    assert app.config["PASSWORD_MIN_LENGTH"] == 14
    assert app.config["DATABASE_URL"] == "postgresql+psycopg://u@h/db"
    assert app.config["SECRET_KEY"] == "from-env"


def test_development_secret_key_is_generated_once(tmp_path):
    first, second = _app(tmp_path), _app(tmp_path)
    config.configure(first, environ={})
    config.configure(second, environ={})
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_production_without_secret_key_stops_with_one_line(tmp_path):
    with pytest.raises(SystemExit) as info:
        config.configure(_app(tmp_path), environ={"COURSE_ENGINE_ENV_NAME": "production"})
    message = str(info.value.code)
    assert "SECRET_KEY is not set" in message and "\n" not in message


def test_default_database_is_sqlite_in_instance(tmp_path):
    app = _app(tmp_path)
    config.configure(app, environ={})
    assert app.config["DATABASE_URL"] == "sqlite:///" + str(tmp_path / "instance" / "course_engine.db")
