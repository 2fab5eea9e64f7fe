#!/bin/sh
# A suite of 100 small pytest tests (10 modules of 8 tests with a function
# fixture, and a parametrised pair each) gated with -j 2: wall and CPU time
# of the whole run, collection included (issue 10's goal: under 2 minutes).
# usage: sh tests/bench-pytest.sh BUILD_DIR    (make bench calls it)
# PYTHON: the interpreter with pytest (default /usr/bin/python3, Debian's).
set -eu
if [ $# -ne 1 ]; then
    echo "usage: sh tests/bench-pytest.sh BUILD_DIR" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
suite=$(mktemp -d)
trap 'rm -rf "$suite"' EXIT
for m in 0 1 2 3 4 5 6 7 8 9; do
    {
        printf 'import collections\nimport json\nimport re\n\nimport pytest\n\n\n'
        printf '@pytest.fixture\ndef data():\n    return {"k%%d" %% i: i for i in range(20)}\n'
        for f in 0 1 2 3 4 5 6 7; do
            printf '\n\ndef test_f%s_%s(data):\n    s = json.dumps(data)\n' "$m" "$f"
            printf '    assert json.loads(s) == data\n    assert re.match(r"\\{", s)\n'
        done
        printf '\n\n@pytest.mark.parametrize("n", [1, 2])\ndef test_p%s(n):\n' "$m"
        printf '    assert collections.Counter("ab" * n)["a"] == n\n'
    } > "$suite/test_m$m.py"
done
version=$("$PYTHON" -c 'import pytest; print(pytest.__version__)')
cd "$suite"
"$PYTHON" - "$BUILD/leakgate" "$version" <<'PY'
import os, resource, subprocess, sys, time
start = time.monotonic()
rc = subprocess.call([sys.argv[1], "run", "--python", sys.executable, "--pytest", ".",
                      "-j", "2", "--junit", "suite.xml"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.monotonic() - start
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open("suite.xml", encoding="utf-8") as f:
    tests = f.read().count("<testcase")
print("pytest %s: %d tests with -j 2 in %.1f s wall, %.1f s CPU (exit %d), load %.2f"
      % (sys.argv[2], tests, wall, u.ru_utime + u.ru_stime, rc,
         os.getloadavg()[0]))
sys.exit(rc)
PY
