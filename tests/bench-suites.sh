#!/bin/sh
# Real upstream test suites gated with -j 2 (issue 17's goals): for each,
# its tests, plain pytest's wall time (the median of three runs),
# leakgate's wall and CPU time, the median CPU time per clean test (the
# JUnit's cpu_seconds), the verdicts, and the tests judged leaks, by name.
# usage: sh tests/bench-suites.sh BUILD_DIR      (make bench calls it)
# LEAKGATE_SUITES: a directory holding the upstream tests at the tag of
# Debian's version of each package below, as DIR/<suite>/ (`git archive`
# of the tag, with the package's own source directory removed, so that the
# tests import the installed package). A suite whose directory or package
# is missing is skipped, saying so. simplejson's tests are installed with
# its package. PYTHON: default /usr/bin/python3, Debian's.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: sh tests/bench-suites.sh BUILD_DIR" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
SUITES=${LEAKGATE_SUITES:-}
"$PYTHON" - "$BUILD/leakgate" "$SUITES" <<'PY'
import os, resource, statistics, subprocess, sys, tempfile, time
import xml.etree.ElementTree as ET

leakgate, root = sys.argv[1], sys.argv[2]
# name, module, directory under LEAKGATE_SUITES (None: installed), pytest args
SUITES = [
    ("cbor2 5.4.6", "cbor2", "cbor2", "-o addopts= tests"),
    ("multidict 6.0.4", "multidict", "multidict", "-o addopts= tests"),
    ("pyrsistent 0.18.1", "pyrsistent", "pyrsistent", "-o addopts= tests"),
    ("msgpack 1.0.3", "msgpack", "msgpack", "test"),
    ("simplejson 3.18.3", "simplejson", None, "--pyargs simplejson"),
]


def children_cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def timed(argv, cwd):
    cpu, start = children_cpu(), time.monotonic()
    rc = subprocess.call(argv, cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    return rc, time.monotonic() - start, children_cpu() - cpu


print("| suite | tests | pytest wall | leakgate wall | CPU | median CPU/clean test "
      "| wall ratio | verdicts |")
print("|---|---|---|---|---|---|---|---|")
notes = []
for name, module, sub, args in SUITES:
    if subprocess.call([sys.executable, "-c", "import " + module],
                       stderr=subprocess.DEVNULL) != 0:
        print("| %s | skipped: python3-%s is not installed | | | | | | |" % (name, module))
        continue
    if sub is None:
        cwd = tempfile.mkdtemp()
    elif root and os.path.isdir(os.path.join(root, sub)):
        cwd = os.path.join(root, sub)
    else:
        print("| %s | skipped: no $LEAKGATE_SUITES/%s | | | | | | |" % (name, sub))
        continue
    # Plain pytest's wall time is the median of three runs: a suite of
    # 0.3 s moved by half from one run to the next.
    plain = statistics.median(
        timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
              + args.split(), cwd)[1] for _ in range(3))
    junit = os.path.join(tempfile.mkdtemp(), "suite.xml")
    rc, wall, cpu = timed([leakgate, "run", "--python", sys.executable, "--pytest", args,
                           "-j", "2", "--junit", junit], cwd)
    verdicts, clean_cpu, leaks = {}, [], []
    for suite in ET.parse(junit).getroot().iter("testsuite"):
        props = dict((p.get("name"), p.get("value")) for p in suite.iter("property"))
        verdict = props.get("verdict", "?")
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        if verdict == "clean" and "cpu_seconds" in props:
            clean_cpu.append(float(props["cpu_seconds"]))
        if verdict in ("leak", "expected-leak", "regression"):
            leaks.append(suite.get("name"))
    tests = sum(verdicts.values())
    median = statistics.median(clean_cpu) if clean_cpu else float("nan")
    print("| %s | %d | %.1f s | %.1f s | %.1f s | %.3f s | %.0fx | %s (exit %d) |"
          % (name, tests, plain, wall, cpu, median, wall / plain,
             ", ".join("%d %s" % (n, v) for v, n in sorted(verdicts.items())), rc))
    notes.extend("%s leaks: %s" % (name, leak) for leak in leaks)
for line in notes:
    print(line)
print("load %.2f" % os.getloadavg()[0])
PY
