#!/bin/sh
# make bench: what leakgate costs and how soon it knows, all measured in this
# run. A benchmark, not a test: it prints numbers and fails only when
# leakgate cannot run.
# usage: sh tests/bench.sh BUILD_DIR      ($PYTHON: interpreter, default python3)
set -eu

if [ $# -ne 1 ]; then
    echo "usage: sh tests/bench.sh BUILD_DIR" >&2
    exit 2
fi
BUILD=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LEAKGATE=$(cd "$BUILD" && pwd)/leakgate
[ -x "$LEAKGATE" ] || { echo "bench.sh: $LEAKGATE not found (build it first)" >&2; exit 2; }
# The interpreter itself: a version manager's shim (pyenv's) adds its own
# start-up, about a second here, to every child.
PYTHON=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')

TMP=$(mktemp -d "${TMPDIR:-/tmp}/leakgate-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

# Import a file target the way the agent does; then either call it N times
# (the bare loop) or, the naive method, after every call gc.collect() and a
# tracemalloc snapshot, over at most NAIVE_CALLS calls: prints seconds per call.
LOAD='
import importlib.util, os, sys
path, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
mod = os.path.splitext(os.path.basename(path))[0]
spec = importlib.util.spec_from_file_location(mod, path)
m = importlib.util.module_from_spec(spec)
sys.modules[mod] = m
spec.loader.exec_module(m)
f = getattr(m, name)
'
BARE="$LOAD
for _ in range(n):
    f()
"
NAIVE_CALLS=300
NAIVE="$LOAD
import gc, time, tracemalloc
n = min(n, $NAIVE_CALLS)
tracemalloc.start()
t = time.perf_counter()
for _ in range(n):
    f()
    gc.collect()
    tracemalloc.take_snapshot()
print((time.perf_counter() - t) / n)
"

now() { date +%s%N; }

# JUnit property of the only workload in FILE.
property() {
    xmllint --xpath "string(//property[@name='$2']/@value)" "$1" 2>/dev/null || true
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "leakgate bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $("$PYTHON" -c 'import platform; print("Python", platform.python_version())'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "calls       the calls of the detection pass (--no-early-stop --calls N)"
echo "detect_s    its wall time, interpreter start included (no diagnosis)"
echo "bare_s      a bare loop of the same calls in one python process"
echo "ratio       detect_s / bare_s"
echo "verdict_s   wall time to the verdict with early stop (the default), at early_calls"
echo "naive_s     gc.collect() + a tracemalloc snapshot after every call, the same calls"
echo "            (projected from at most $NAIVE_CALLS calls)"
echo
printf '%-8s %-38s %8s %9s %8s %6s %10s %11s %-6s %10s\n' kind workload calls detect_s bare_s ratio verdict_s early_calls verdict naive_s

# kind target --calls
set -- \
    fast   tests/workloads/clean_lru_cache.py:run     100000 \
    medium examples/orders.py:parse_order             100000 \
    slow   tests/bench/slow_sort.py:run               2000 \
    leak   tests/workloads/leak_one_per_100.py:run    100000 \
    leak   tests/workloads/leak_slow.py:run           100000 \
    leak   tests/workloads/leak_global_cache.py:run   100000 \
    leak   tests/bench/leak_10k.py:run                10000
ratios=$TMP/ratios
: > "$ratios"
while [ $# -ge 3 ]; do
    kind=$1 target=$2 calls=$3
    shift 3
    file=$ROOT/${target%:*}
    func=${target##*:}

    t0=$(now)
    "$LEAKGATE" run --quiet --no-explain --no-early-stop --calls "$calls" \
        --python "$PYTHON" --junit "$TMP/full.xml" "$file:$func" >/dev/null 2>&1 || true
    t1=$(now)
    made=$(property "$TMP/full.xml" calls)
    if [ "$made" != "$calls" ]; then
        printf '%-8s %-38s   leakgate made %s calls, not %s: failed\n' "$kind" "$target" "${made:-no}" "$calls"
        continue
    fi
    "$PYTHON" -c "$BARE" "$file" "$func" "$calls"
    t2=$(now)
    "$LEAKGATE" run --quiet --no-explain --calls "$calls" \
        --python "$PYTHON" --junit "$TMP/early.xml" "$file:$func" >/dev/null 2>&1 || true
    t3=$(now)
    naive=$("$PYTHON" -c "$NAIVE" "$file" "$func" "$calls")
    awk -v kind="$kind" -v w="$target" -v n="$calls" -v full=$((t1 - t0)) \
        -v bare=$((t2 - t1)) -v early=$((t3 - t2)) -v naive="$naive" \
        -v early_calls="$(property "$TMP/early.xml" calls)" \
        -v verdict="$(property "$TMP/early.xml" verdict)" 'BEGIN {
        printf "%-8s %-38s %8d %9.3f %8.3f %6.2f %10.3f %11s %-6s %10.2f\n", kind, w, n,
               full / 1e9, bare / 1e9, full / bare, early / 1e9, early_calls, verdict,
               naive * n
    }'
    case $kind in fast|medium|slow)
        awk -v full=$((t1 - t0)) -v bare=$((t2 - t1)) 'BEGIN { print full / bare }' >> "$ratios" ;;
    esac
done

# Time to verdict (early stop, defaults) over every workload of the tests
# and examples that is clean or leaks.
echo
echo "time to verdict with the defaults, wall clock, interpreter start included:"
clean=$TMP/clean leaks=$TMP/leaks
: > "$clean"
: > "$leaks"
for target in "$ROOT"/tests/workloads/clean_*.py:run "$ROOT"/tests/workloads/leak_*.py:run \
              "$ROOT"/examples/orders.py:parse_order "$ROOT"/examples/orders.py:parse_and_audit \
              "$ROOT"/examples/events.py:subscribe_properly "$ROOT"/examples/events.py:subscribe_and_forget; do
    case $target in *leak_big.py:run|*leak_refs.py:run) continue ;; esac
    [ -f "${target%:*}" ] || continue
    grep -q "^def ${target##*:}(" "${target%:*}" || continue
    t0=$(now)
    "$LEAKGATE" run --quiet --no-explain --python "$PYTHON" --junit "$TMP/one.xml" \
        "$target" >/dev/null 2>&1 || true
    t1=$(now)
    verdict=$(property "$TMP/one.xml" verdict)
    seconds=$(awk -v t=$((t1 - t0)) 'BEGIN { printf "%.3f", t / 1e9 }')
    printf '  %-52s %-6s %8s calls %7s s\n' "${target#"$ROOT"/}" "$verdict" \
        "$(property "$TMP/one.xml" calls)" "$seconds"
    case $verdict in
        clean) echo "$seconds" >> "$clean" ;;
        leak) echo "$seconds" >> "$leaks" ;;
    esac
done
echo
echo "median overhead at equal work (fast, medium, slow): $(median < "$ratios")x"
echo "median time to a clean verdict: $(median < "$clean") s over $(wc -l < "$clean") workloads"
echo "median time to a leak verdict:  $(median < "$leaks") s over $(wc -l < "$leaks") workloads"
