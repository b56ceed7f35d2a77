#!/usr/bin/env bash
# The project's tests, with what they need on a fresh machine: Debian's chromium and a Japanese
# font for the end-to-end browser tests of the HTML report. Everything else is pure Rust.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "scripts/test.sh: installing chromium and fonts-ipaexfont-gothic" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-ipaexfont-gothic >/dev/null
  else
    echo "scripts/test.sh: the browser tests need Debian's chromium:" >&2
    echo "  sudo apt-get install chromium fonts-ipaexfont-gothic" >&2
    exit 1
  fi
fi

cargo test --workspace --locked
