# Shared set-up for scripts/run and scripts/test (sourced, not run directly).
# Creates .venv with Python 3.11 if needed and installs the pinned dependencies when the
# requirement files change.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "course-engine needs Python 3.11: install it and run this again." >&2
  return 1
}

step() { printf '\n==> %s\n' "$*"; }

if [ ! -x .venv/bin/python ]; then
  step "Creating .venv"
  "$(find_python)" -m venv .venv
fi
REQS_STAMP=".venv/.requirements-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)"
if [ ! -f "$REQS_STAMP" ]; then
  step "Installing pinned dependencies"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  rm -f .venv/.requirements-*
  touch "$REQS_STAMP"
fi
# Bytecode for the project's own modules is kept (__pycache__ is git-ignored), even where the
# environment says not to write it: the suite starts many Python processes (the xdist workers,
# gunicorn for the browser tests, CLI steps), and without it each one compiles course_engine
# and re-rewrites every test module's asserts from source (collection: 12 s -> 6 s CPU each).
unset PYTHONDONTWRITEBYTECODE
export FLASK_APP=course_engine
export PATH="$ROOT/.venv/bin:$PATH"
