#!/bin/sh
# Overhead of leakgate against a bare Python loop of the same number of calls.
# usage: sh tests/bench.sh BUILD_DIR      ($PYTHON: interpreter, default python3)
set -eu

if [ $# -ne 1 ]; then
    echo "usage: sh tests/bench.sh BUILD_DIR" >&2
    exit 2
fi
BUILD=$1
PYTHON=${PYTHON:-python3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LEAKGATE=$BUILD/leakgate
[ -x "$LEAKGATE" ] || { echo "bench.sh: $LEAKGATE not found (build it first)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/leakgate-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

# Bare loop: import the file target the way leakgate does, call it N times.
BARE='
import importlib.util, os, sys
path, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
mod = os.path.splitext(os.path.basename(path))[0]
spec = importlib.util.spec_from_file_location(mod, path)
m = importlib.util.module_from_spec(spec)
sys.modules[mod] = m
spec.loader.exec_module(m)
f = getattr(m, name)
for _ in range(n):
    f()
'

now() { date +%s%N; }

echo "ratio = leakgate wall time (detection, --no-explain) / bare python loop of the same calls (incl. interpreter start)"
echo "explain_s = the diagnostic pass a leak adds (the second child)"
printf '%-42s %9s %12s %10s %7s %15s %10s\n' workload calls leakgate_s bare_s ratio overhead_us/call explain_s

for w in tests/workloads/clean_lru_cache.py:run \
         tests/workloads/clean_random_alloc.py:run \
         tests/workloads/leak_global_cache.py:run \
         examples/orders.py:parse_order; do
    file=$ROOT/${w%:*}
    func=${w##*:}
    rm -f "$TMP/x.xml"

    t0=$(now)
    verdict=0
    "$LEAKGATE" run --quiet --no-explain --python "$PYTHON" --junit "$TMP/x.xml" \
        "$file:$func" >/dev/null 2>&1 || verdict=$?
    t1=$(now)
    t4=$t1
    if [ "$verdict" -eq 1 ]; then   # a leak: time the run with its diagnosis too
        "$LEAKGATE" run --quiet --python "$PYTHON" "$file:$func" >/dev/null 2>&1 || true
        t4=$(now)
    fi
    calls=""
    if [ -s "$TMP/x.xml" ]; then
        calls=$(xmllint --xpath 'string(//property[@name="calls"]/@value)' "$TMP/x.xml" 2>/dev/null || true)
    fi
    case $calls in
        ''|*[!0-9]*|0)
            printf '%-42s %9s   (no calls in JUnit XML: leakgate failed)\n' "$w" -
            continue ;;
    esac

    t2=$(now)
    "$PYTHON" -c "$BARE" "$file" "$func" "$calls" >/dev/null
    t3=$(now)

    awk -v w="$w" -v n="$calls" -v lg=$((t1 - t0)) -v bare=$((t3 - t2)) \
        -v with=$((t4 - t1)) 'BEGIN {
        lgs = lg / 1e9; bs = bare / 1e9; ex = with > 0 ? with / 1e9 - lgs : 0
        printf "%-42s %9d %12.3f %10.3f %7.2f %15.2f %10.3f\n", w, n, lgs, bs,
               (bs > 0 ? lgs / bs : 0), (lg - bare) / 1e3 / n, ex
    }'
done
