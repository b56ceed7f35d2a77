#!/usr/bin/env bash
# Fuzz every way input reaches sansho: the loader, the diagnostic renderer, each report writer,
# the knowledge-base loader, `diff` on JSON results and include resolution; and the one-line
# reader against the YAML parser.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default: 60 seconds for each target)
#
# Stable toolchains cannot build AddressSanitizer, so the sanitizer is off (-s none); the
# fuzzer still finds panics, failed assertions, hangs (-timeout) and memory blow-ups
# (-rss_limit_mb). The committed corpora under fuzz/corpus/ are read; what a run discovers goes
# to target/fuzz-corpus/ and is not committed. A crash fails the script and leaves its input
# under fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz@0.13.2
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(load_model render_diagnostics writers kb_override diff_json includes one_line)
fi
scratch="$PWD/target/fuzz-corpus"
cd fuzz
# Built once, then each target's binary is run directly: `cargo fuzz run` would rebuild.
cargo fuzz build -s none
bin="target/$(rustc -vV | sed -n "s/^host: //p")/release"
printf '%-20s %12s %10s %8s\n' target executions exec/s cov
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target" "artifacts/$target"
  log="$scratch/$target.log"
  if ! "$bin/$target" -artifact_prefix="artifacts/$target/" "$scratch/$target" "corpus/$target" \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
      >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "scripts/fuzz.sh: $target failed; the input is under fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  speed=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+' || echo '?')
  printf '%-20s %12s %10s %8s\n' "$target" "$runs" "$speed" "$cov"
done
