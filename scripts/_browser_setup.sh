# Sourced by scripts/test: make the browser tests (and the pooler test) runnable. They drive Debian's chromium
# through Playwright (Playwright's own browser download is not used). When chromium or pgbouncer is
# missing and we are root, install what is missing with one apt-get update and one apt-get install
# (an update each cost seconds on a fresh machine); otherwise those tests skip with a message.
find_browser() {
  if [ -z "${CE_BROWSER:-}" ]; then
    for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
      [ -x "$candidate" ] && export CE_BROWSER="$candidate" && break
    done
  fi
  return 0
}
find_browser
wanted=()
[ -z "${CE_BROWSER:-}" ] && wanted+=(chromium)
# The connection-pooler test (tests/test_db_pooler.py) starts a real PgBouncer in transaction
# mode; without the binary it skips.
if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  wanted+=(pgbouncer)
fi
if [ "${#wanted[@]}" -gt 0 ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  step "Installing ${wanted[*]} for the browser and connection-pooler tests (apt-get)"
  (apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null) \
    || echo "apt-get could not install ${wanted[*]}: the tests that need it will skip."
  find_browser
fi
if [ -z "${CE_BROWSER:-}" ]; then
  echo "Browser tests will be skipped: chromium is not installed and cannot be installed here (not root)."
  echo "Install Debian's chromium package to run them."
fi
