#!/bin/sh
# Scale figures: 10,000 JUnit test cases written, read, rendered and merged
# from 50 shards; the runner's peak RSS with 20 and 200 workloads (-j 2).
# usage: sh tests/bench-scale.sh BUILD_DIR    (make bench calls it)
set -eu
if [ $# -ne 1 ]; then
    echo "usage: sh tests/bench-scale.sh BUILD_DIR" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
[ -x "$BUILD/tests/test_run_scale" ] || { echo "bench-scale.sh: build $BUILD/tests/test_run_scale first" >&2; exit 2; }
LG_SCALE_BENCH=1 LEAKGATE="$BUILD/leakgate" "$BUILD/tests/test_run_scale" | grep '^scale:'
