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
REPEAT=${REPEAT:-3}
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

# Wall and CPU seconds (user + system, the command's children included) of
# a command, its output dropped.
MEASURE='
import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.4f %.4f" % (wall, r.ru_utime + r.ru_stime))
'
measure() { "$PYTHON" -c "$MEASURE" "$@"; }

# JUnit property of the only workload in FILE.
property() {
    xmllint --xpath "string(//property[@name='$2']/@value)" "$1" 2>/dev/null || true
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "leakgate bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $("$PYTHON" -c 'import platform; print("Python", platform.python_version())'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "medians of $REPEAT runs each"
echo "calls       the calls of the detection pass (--no-early-stop --calls N)"
echo "detect_s    its wall time, interpreter start included (no explain pass)"
echo "bare_s      a bare loop of the same calls in one python process"
echo "ratio       detect_s / bare_s; cpu: the same for CPU time (user + system)"
echo "verdict_s   wall time to the verdict with early stop (the default), at early_calls"
echo "naive_s     gc.collect() + a tracemalloc snapshot after every call, the same calls"
echo "            (projected from at most $NAIVE_CALLS calls)"
echo
printf '%-8s %-38s %8s %9s %8s %6s %6s %10s %11s %-6s %10s\n' kind workload calls detect_s bare_s ratio cpu verdict_s early_calls verdict naive_s

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

    # The median of REPEAT runs of each, interleaved: the machine's load
    # moves while we measure.
    : > "$TMP/full"; : > "$TMP/bare"; : > "$TMP/early"
    for _ in $(seq "$REPEAT"); do
        measure "$LEAKGATE" run --quiet --no-explain --no-early-stop --calls "$calls" \
            --python "$PYTHON" --junit "$TMP/full.xml" "$file:$func" >> "$TMP/full"
        measure "$PYTHON" -c "$BARE" "$file" "$func" "$calls" >> "$TMP/bare"
        measure "$LEAKGATE" run --quiet --no-explain --calls "$calls" \
            --python "$PYTHON" --junit "$TMP/early.xml" "$file:$func" >> "$TMP/early"
    done
    made=$(property "$TMP/full.xml" calls)
    if [ "$made" != "$calls" ]; then
        printf '%-8s %-38s   leakgate made %s calls, not %s: failed\n' "$kind" "$target" "${made:-no}" "$calls"
        continue
    fi
    full=$(cut -d' ' -f1 "$TMP/full" | median) bare=$(cut -d' ' -f1 "$TMP/bare" | median)
    full_cpu=$(cut -d' ' -f2 "$TMP/full" | median) bare_cpu=$(cut -d' ' -f2 "$TMP/bare" | median)
    early=$(cut -d' ' -f1 "$TMP/early" | median)
    naive=$("$PYTHON" -c "$NAIVE" "$file" "$func" "$calls")
    awk -v kind="$kind" -v w="$target" -v n="$calls" -v full="$full" -v bare="$bare" \
        -v full_cpu="$full_cpu" -v bare_cpu="$bare_cpu" -v early="$early" -v naive="$naive" \
        -v early_calls="$(property "$TMP/early.xml" calls)" \
        -v verdict="$(property "$TMP/early.xml" verdict)" 'BEGIN {
        printf "%-8s %-38s %8d %9.3f %8.3f %6.2f %6.2f %10.3f %11s %-6s %10.2f\n", kind, w, n,
               full, bare, full / bare, full_cpu / bare_cpu, early, early_calls, verdict,
               naive * n
    }'
    case $kind in fast|medium|slow)
        awk -v full="$full" -v bare="$bare" -v fc="$full_cpu" -v bc="$bare_cpu" \
            'BEGIN { print full / bare, fc / bc }' >> "$ratios" ;;
    esac
done

# Time to verdict (early stop, defaults) over every workload of the tests
# and examples that is clean or leaks.
echo
echo "time to verdict with the defaults, wall clock, interpreter start included:"
clean=$TMP/clean leaks=$TMP/leaks
: > "$clean"
: > "$leaks"
for target in $(cd "$ROOT" && ls tests/workloads/clean_*.py tests/workloads/leak_*.py | sed 's/$/:run/') \
              examples/orders.py:parse_order examples/orders.py:parse_and_audit \
              examples/events.py:subscribe_properly examples/events.py:subscribe_and_forget; do
    # leak_big fills memory on purpose; leak_refs needs a debug build.
    case $target in *leak_big.py:run|*leak_refs.py:run) continue ;; esac
    target=$ROOT/$target
    grep -q "^def ${target##*:}(" "${target%:*}" || continue
    seconds=$(measure "$LEAKGATE" run --quiet --no-explain --python "$PYTHON" \
        --junit "$TMP/one.xml" "$target" | cut -d' ' -f1)
    verdict=$(property "$TMP/one.xml" verdict)
    printf '  %-52s %-6s %8s calls %7s s\n' "${target#"$ROOT"/}" "$verdict" \
        "$(property "$TMP/one.xml" calls)" "$seconds"
    case $verdict in
        clean) echo "$seconds" >> "$clean" ;;
        leak) echo "$seconds" >> "$leaks" ;;
    esac
done
echo
echo "median overhead at equal work (fast, medium, slow): wall $(cut -d' ' -f1 "$ratios" | median)x, CPU $(cut -d' ' -f2 "$ratios" | median)x"
echo "median time to a clean verdict: $(median < "$clean") s over $(wc -l < "$clean") workloads"
echo "median time to a leak verdict:  $(median < "$leaks") s over $(wc -l < "$leaks") workloads"

# What the agent adds before the first call: one call, sampled, against one
# bare call (both with the interpreter's start).
: > "$TMP/one_lg"; : > "$TMP/one_bare"
for _ in $(seq 5); do
    measure "$LEAKGATE" run --quiet --no-explain --no-early-stop --calls 1 \
        --python "$PYTHON" "$ROOT/tests/workloads/clean_lru_cache.py:run" >> "$TMP/one_lg"
    measure "$PYTHON" -c "$BARE" "$ROOT/tests/workloads/clean_lru_cache.py" run 1 >> "$TMP/one_bare"
done
echo "start-up, one call (median of 5): leakgate $(cut -d' ' -f1 "$TMP/one_lg" | median) s wall," \
     "$(cut -d' ' -f2 "$TMP/one_lg" | median) s CPU; bare python" \
     "$(cut -d' ' -f1 "$TMP/one_bare" | median) s wall, $(cut -d' ' -f2 "$TMP/one_bare" | median) s CPU"

# The explain pass of every leak of the tests and examples, as the runner
# timed it (the second child, interpreter start included; -v prints it), and
# whether it found the retainer chain.
echo
echo "explain pass per leak (defaults), wall clock:"
: > "$TMP/explain"
for target in $(cd "$ROOT" && ls tests/workloads/leak_*.py | sed 's/$/:run/') \
              examples/orders.py:parse_and_audit examples/events.py:subscribe_and_forget; do
    case $target in *leak_big.py:run|*leak_refs.py:run) continue ;; esac
    "$LEAKGATE" run -v --python "$PYTHON" --junit "$TMP/one.xml" "$ROOT/$target" \
        > "$TMP/one.txt" 2>/dev/null || true
    seconds=$(sed -n 's/.*\[explain pass: [0-9,]* calls, \([0-9.]*\) s\].*/\1/p' "$TMP/one.txt" | head -1)
    [ -n "$seconds" ] || continue
    chain=$(property "$TMP/one.xml" explain.chain)
    printf '  %-44s %5s s  %s\n' "$target" "$seconds" "${chain:-(no chain: $(property "$TMP/one.xml" explain.chain_note))}"
    echo "$seconds" >> "$TMP/explain"
done
echo "median explain pass: $(median < "$TMP/explain") s over $(wc -l < "$TMP/explain") leaks"
