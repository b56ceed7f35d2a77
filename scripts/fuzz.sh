#!/usr/bin/env bash
# Fuzz the model loader. Usage: scripts/fuzz.sh [SECONDS] (default 60).
# Stable toolchains cannot build AddressSanitizer, so the sanitizer is off (-s none); the fuzzer
# still finds panics, hangs and excessive memory use.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz@0.13.2
seconds="${1:-60}"
cd fuzz
cargo fuzz run -s none load_model corpus/load_model -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10
