# Sourced by scripts/test: make the browser tests (and the pooler test, at the end) runnable. They drive Debian's chromium
# through Playwright (Playwright's own browser download is not used). When chromium is
# missing and we are root, install it; otherwise the browser tests skip with a message.
if [ -z "${CE_BROWSER:-}" ]; then
  for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
    [ -x "$candidate" ] && export CE_BROWSER="$candidate" && break
  done
fi
if [ -z "${CE_BROWSER:-}" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    step "Installing chromium for the browser tests (apt-get)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
      && export CE_BROWSER=/usr/bin/chromium
  fi
fi
if [ -z "${CE_BROWSER:-}" ]; then
  echo "Browser tests will be skipped: chromium is not installed and cannot be installed here (not root)."
  echo "Install Debian's chromium package to run them."
fi

# The connection-pooler test (tests/test_db_pooler.py) starts a real PgBouncer in transaction
# mode; without the binary it skips. Install Debian's package the same way when we can.
if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ] \
    && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  step "Installing pgbouncer for the connection-pooler test (apt-get)"
  (apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null) \
    || echo "pgbouncer could not be installed: the pooler test will skip."
fi
