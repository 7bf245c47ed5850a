"""Run the development server: ``python run.py`` (``scripts/run`` does the whole set-up first).

In development, content in modules/ and quizzes/ is synced into the database when the server
starts, so an author who edits a file and restarts sees it (``flask content sync`` does the
same on demand). Production never does this implicitly: deploys run ``flask content sync``.
"""
import os

from course_engine import create_app

app = create_app()


def sync_content_on_start() -> None:
    """Load content once, in the serving process (not again in the reloader's watcher)."""
    from course_engine.authoring.cli import content_dirs
    from course_engine.authoring.services import sync_content
    from course_engine.db import commit_and_run_callbacks

    with app.app_context():
        result = sync_content(*content_dirs())
        commit_and_run_callbacks()
        app.logger.warning(result.summary())


if __name__ == "__main__":
    debug = os.environ.get("FLASK_DEBUG") == "1"
    wants_sync = app.config["ENV_NAME"] == "development" or app.config["CONTENT_SYNC_ON_START"]
    if wants_sync and (not debug or os.environ.get("WERKZEUG_RUN_MAIN") == "true"):
        sync_content_on_start()
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")), debug=debug)
