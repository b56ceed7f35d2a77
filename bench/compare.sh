#!/usr/bin/env bash
# Times whole `sansho assess` and `sansho report` runs on generated regional networks, and OWASP
# pytm `--json` on the same system from the shared generator, and prints a Markdown table.
#
#   bench/compare.sh                  # sansho at 1k, 10k, 100k; pytm at 1k, 5k, 20k
#   REPS=5 PYTM_REPS=1 bench/compare.sh
#
# Needs python3 (pytm is installed into bench/.venv) and GNU time (/usr/bin/time). The shared
# generator is looked up at ../shared/bench/gen_regional_network.py unless SHARED_GEN is set.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS="${REPS:-3}"
PYTM_REPS="${PYTM_REPS:-3}"
SHARED_GEN="${SHARED_GEN:-../shared/bench/gen_regional_network.py}"
SANSHO_SIZES="${SANSHO_SIZES:-1000 10000 100000}"
PYTM_SIZES="${PYTM_SIZES:-1000 5000 20000}"
REPORT_SIZES="${REPORT_SIZES:-$SANSHO_SIZES}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

command -v /usr/bin/time >/dev/null || { echo "bench/compare.sh: install GNU time (apt-get install time)" >&2; exit 1; }
cargo build --release -q -p sansho
sansho=target/release/sansho
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q pytm
fi

# median of the wall times and peak memory of REPS runs of a command: prints "seconds MB"
measure() {
  local reps="$1"; shift
  local times=() mems=()
  for _ in $(seq "$reps"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; return 1; }
    read -r t m < "$work/time"
    times+=("$t"); mems+=("$m")
  done
  local mid=$(( reps / 2 ))
  local t; t=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$((mid + 1))p")
  local m; m=$(printf '%s\n' "${mems[@]}" | sort -n | sed -n "$((mid + 1))p")
  echo "$t $(( m / 1024 ))"
}

echo "| flows | sansho assess (s / MB) | sansho report, all formats (s / MB) | pytm --json (s / MB) | pytm ÷ sansho assess |"
echo "|---:|---:|---:|---:|---:|"
for n in $(printf '%s\n' $SANSHO_SIZES $PYTM_SIZES | sort -n | uniq); do
  "$sansho" generate --flows "$n" -o "$work/model.yaml"
  read -r at am < <(measure "$REPS" "$sansho" assess "$work/model.yaml" -o "$work/summary.txt")
  report="—"
  if [[ " $REPORT_SIZES " == *" $n "* ]]; then
    read -r rt rm < <(measure "$REPS" "$sansho" report "$work/model.yaml" --out "$work/out")
    report="$rt / $rm"
  fi
  pytm="—"; ratio="—"
  if [[ " $PYTM_SIZES " == *" $n "* ]]; then
    python3 "$SHARED_GEN" --flows "$n" --format pytm -o "$work/model.py"
    read -r pt pm < <(measure "$PYTM_REPS" bench/.venv/bin/python "$work/model.py" --json "$work/pytm.json")
    pytm="$pt / $pm"
    ratio=$(python3 -c "print(f'{$pt / max($at, 0.001):.0f}×')")
  fi
  echo "| $n | $at / $am | $report | $pytm | $ratio |"
done

# Incremental checking: from saving an edit to the end of `sansho watch`'s change report.
WATCH_SIZE="${WATCH_SIZE:-10000}"
if [ -n "$WATCH_SIZE" ]; then
  "$sansho" generate --flows "$WATCH_SIZE" -o "$work/watch.yaml"
  echo
  echo "sansho watch, $WATCH_SIZE flows, save to change report: $(python3 bench/watch_latency.py "$sansho" "$work/watch.yaml")"
fi
