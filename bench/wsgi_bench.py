"""The app as the player benchmark serves it: the real app plus a one-line baseline route."""
from course_engine import create_app

app = create_app()


@app.route("/_bench/hello")
def hello():
    """Baseline: the cheapest response this app and server can give."""
    return "hello"
