"""Several `flask` commands in one interpreter, in order, each exactly as `flask ARGS` runs it
(Flask's own command line, its own app from FLASK_APP and the environment):
``python tests/browser/flask_steps.py '[["db", "upgrade"], ["content", "sync"]]'``.

The live server's set-up ran three `flask` processes, and each paid about a second and a half
of interpreter and import start-up; here it is paid once. A command that exits with a code
other than 0 or 1 (1: a command's own "done, with problems") stops the rest and is the exit code.
"""
import json
import sys

from flask.cli import cli

if __name__ == "__main__":
    for args in json.loads(sys.argv[1]):
        print(f"$ flask {' '.join(args)}", flush=True)
        try:
            cli.main(args=args, prog_name="flask")
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if code not in (0, 1):
            sys.exit(code)
