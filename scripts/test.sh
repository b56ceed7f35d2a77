#!/usr/bin/env bash
# The project's tests, with what they need on a fresh machine: Debian's chromium, a Japanese
# font and poppler's tools for the browser and PDF tests, Debian's aiosmtpd as the SMTP server
# notifications are sent to, schemathesis from PyPI against the server's OpenAPI document, and a
# PostgreSQL server on loopback (scripts/postgres.sh) so the server's store and scenario suites
# run on PostgreSQL as well as SQLite. Everything else is pure Rust.
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
# A virtual environment for schemathesis (below).
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || needed+=(python3-venv)
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

# schemathesis from PyPI, at the pinned version, in a virtual environment of its own under the
# target directory (tests/schemathesis.rs runs it against the server's OpenAPI document).
target_dir="${CARGO_TARGET_DIR:-target}"
st_env="$target_dir/schemathesis-env"
st_pin=$(cat scripts/schemathesis-requirements.txt)
if [ "$(cat "$st_env/pinned" 2>/dev/null)" != "$st_pin" ]; then
  echo "scripts/test.sh: installing $st_pin" >&2
  rm -rf "$st_env"
  python3 -m venv "$st_env"
  "$st_env/bin/pip" install -q --disable-pip-version-check -r scripts/schemathesis-requirements.txt
  echo "$st_pin" > "$st_env/pinned"
fi
SANSHO_SCHEMATHESIS="$(cd "$st_env/bin" && pwd)/schemathesis"
export SANSHO_SCHEMATHESIS

# A throwaway PostgreSQL for this run, stopped however the run ends.
pg_dir="${TMPDIR:-/tmp}/sansho-test-postgres-$$"
trap 'scripts/postgres.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
SANSHO_TEST_POSTGRES=$(scripts/postgres.sh start "$pg_dir")
export SANSHO_TEST_POSTGRES
echo "scripts/test.sh: PostgreSQL for the tests at $SANSHO_TEST_POSTGRES" >&2

cargo test --workspace --locked
