#!/usr/bin/env bash
# The project's tests, with what they need on a fresh machine: Debian's chromium, a Japanese
# font and poppler's tools for the browser and PDF tests, Debian's aiosmtpd as the SMTP server
# notifications are sent to, and a PostgreSQL server on loopback
# (scripts/postgres.sh) so the server's store and scenario suites run on PostgreSQL as well as
# SQLite. Everything else is pure Rust.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: chromium (browser tests), a Japanese font (browser tests and
# the PDF), poppler's tools (the PDF read back), aiosmtpd (the notification tests' SMTP server).
needed=()
command -v chromium >/dev/null 2>&1 || needed+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || needed+=(poppler-utils)
[ -e /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ] || needed+=(fonts-ipaexfont-gothic)
# An SMTP server (Debian's aiosmtpd) the notification tests send real mail to.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || needed+=(python3-aiosmtpd)
if [ ${#needed[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test.sh: installing ${needed[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${needed[@]}" >/dev/null
  else
    echo "scripts/test.sh: the tests need Debian's ${needed[*]}:" >&2
    echo "  sudo apt-get install ${needed[*]}" >&2
    exit 1
  fi
fi

# A throwaway PostgreSQL for this run, stopped however the run ends.
pg_dir="${TMPDIR:-/tmp}/sansho-test-postgres-$$"
trap 'scripts/postgres.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
SANSHO_TEST_POSTGRES=$(scripts/postgres.sh start "$pg_dir")
export SANSHO_TEST_POSTGRES
echo "scripts/test.sh: PostgreSQL for the tests at $SANSHO_TEST_POSTGRES" >&2

cargo test --workspace --locked
