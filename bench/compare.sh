#!/usr/bin/env bash
# Times whole `sansho assess` runs on both generated shapes, `sansho report` on the regional one,
# and OWASP pytm `--json` on the same regional system from the shared generator. sansho and
# pytm run alternately, pair by pair, so that a slow spell of the machine falls on both. Prints
# a Markdown table per shape (medians, and the min–max of the per-pair ratio) and the exponent
# of time against flows for each series (least squares on log time against log flows).
#
#   bench/compare.sh                  # regional 1k, 10k, 100k (pytm at 1k, 5k, 20k); deep 10k-40k
#   REPS=5 bench/compare.sh
#   REGIONAL_SIZES="1000 10000" DEEP_SIZES="" PYTM_SIZES="1000" WATCH_SIZE="" bench/compare.sh
#
# Needs python3 (pytm is installed into bench/.venv) and GNU time (/usr/bin/time). The shared
# generator is looked up at ../shared/bench/gen_regional_network.py unless SHARED_GEN is set.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS="${REPS:-3}"
SHARED_GEN="${SHARED_GEN:-../shared/bench/gen_regional_network.py}"
REGIONAL_SIZES="${REGIONAL_SIZES-1000 10000 100000}"
PYTM_SIZES="${PYTM_SIZES-1000 5000 20000}"
REPORT_SIZES="${REPORT_SIZES-$REGIONAL_SIZES}"
DEEP_SIZES="${DEEP_SIZES-10000 20000 40000}"
WATCH_SIZE="${WATCH_SIZE-10000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

command -v /usr/bin/time >/dev/null || { echo "bench/compare.sh: install GNU time (apt-get install time)" >&2; exit 1; }
cargo build --release -q -p sansho
sansho=target/release/sansho
if [ -n "$PYTM_SIZES" ] && [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q pytm
fi

# One timed run: appends "series flows rep seconds MiB" to the samples.
sample() {
  local series="$1" flows="$2" rep="$3"; shift 3
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; return 1; }
  read -r t m < "$work/time"
  echo "$series $flows $rep $t $(( m / 1024 ))" >> "$work/samples"
}

in_list() { [[ " $2 " == *" $1 "* ]]; }

: > "$work/samples"
for n in $(printf '%s\n' $REGIONAL_SIZES $PYTM_SIZES | sort -n | uniq); do
  "$sansho" generate --flows "$n" -o "$work/model.yaml"
  if in_list "$n" "$PYTM_SIZES"; then
    python3 "$SHARED_GEN" --flows "$n" --format pytm -o "$work/model.py" >/dev/null
  fi
  for rep in $(seq "$REPS"); do
    sample "sansho-assess" "$n" "$rep" "$sansho" assess "$work/model.yaml" -o "$work/summary.txt"
    if in_list "$n" "$PYTM_SIZES"; then
      sample "pytm" "$n" "$rep" bench/.venv/bin/python "$work/model.py" --json "$work/pytm.json"
    fi
    if in_list "$n" "$REPORT_SIZES"; then
      rm -rf "$work/out"
      sample "sansho-report" "$n" "$rep" "$sansho" report "$work/model.yaml" --out "$work/out"
    fi
  done
done
for n in $DEEP_SIZES; do
  "$sansho" generate --shape deep --flows "$n" -o "$work/deep.yaml"
  for rep in $(seq "$REPS"); do
    sample "deep-assess" "$n" "$rep" "$sansho" assess "$work/deep.yaml" -o "$work/summary.txt"
  done
done

python3 - "$work/samples" <<'EOF'
import math, statistics, sys
from collections import defaultdict

runs = defaultdict(dict)  # (series, flows) -> rep -> (seconds, MiB)
for line in open(sys.argv[1]):
    series, flows, rep, t, m = line.split()
    runs[(series, int(flows))][int(rep)] = (float(t), int(m))

def median(series, n):
    got = runs.get((series, n))
    if not got:
        return None
    return statistics.median(t for t, _ in got.values()), statistics.median(m for _, m in got.values())

def cell(series, n):
    got = median(series, n)
    return "—" if got is None else f"{got[0]:.2f} / {round(got[1]):,}"

def ratio(n):
    pairs = [runs[("pytm", n)][r][0] / max(runs[("sansho-assess", n)][r][0], 0.001)
             for r in runs.get(("pytm", n), {}) if r in runs.get(("sansho-assess", n), {})]
    if not pairs:
        return "—"
    return f"{statistics.median(pairs):.0f}× ({min(pairs):.0f}–{max(pairs):.0f})"

def exponent(series):
    points = sorted((n, median(series, n)[0]) for (s, n) in runs if s == series)
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(t, 0.001)) for _, t in points]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return f"{slope:.2f} ({points[0][0]:,}–{points[-1][0]:,} flows)"

regional = sorted({n for (s, n) in runs if s in ("sansho-assess", "pytm", "sansho-report")})
print("Regional network (medians of", max((len(v) for v in runs.values()), default=0), "runs; s / MiB)\n")
print("| flows | sansho assess | sansho report, all formats | pytm --json | pytm ÷ sansho assess, per pair |")
print("|---:|---:|---:|---:|---:|")
for n in regional:
    print(f"| {n:,} | {cell('sansho-assess', n)} | {cell('sansho-report', n)} | {cell('pytm', n)} | {ratio(n)} |")
deep = sorted({n for (s, n) in runs if s == "deep-assess"})
if deep:
    print("\nDeep paths, decisions growing with the model (sansho generate --shape deep)\n")
    print("| flows | sansho assess |")
    print("|---:|---:|")
    for n in deep:
        print(f"| {n:,} | {cell('deep-assess', n)} |")
print("\nExponent of time against flows:")
for series in ("sansho-assess", "sansho-report", "deep-assess", "pytm"):
    e = exponent(series)
    if e:
        print(f"- {series}: {e}")
EOF

# Incremental checking: from saving an edit to the end of `sansho watch`'s change report.
if [ -n "$WATCH_SIZE" ]; then
  "$sansho" generate --flows "$WATCH_SIZE" -o "$work/watch.yaml"
  echo
  echo "sansho watch, $WATCH_SIZE flows, save to change report: $(python3 bench/watch_latency.py "$sansho" "$work/watch.yaml")"
fi
