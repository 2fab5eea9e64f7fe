#!/bin/sh
# Install the Debian/Ubuntu packages leakgate needs; quiet and quick (no
# apt-get at all) when nothing is missing.
#
# Usage: install-deps.sh [--list] [run|build|test|bench]
#   --list prints the set's packages, one a line, and installs nothing (the
#          compiler and make too, installed only when missing): README.md's
#          list of packages is checked against it (tests/test_install_deps.c)
#   run    what the CI scripts need beside a built binary (xmllint)
#   build  run + what building leakgate needs: the -dev packages of libgit2
#          and libxml2 (which bring their runtime libraries), a C compiler
#          and make when there are none. CI jobs of users need only this.
#   test   build + what `make check` needs: cmocka, the system Python with
#          PyYAML, pytest, pyflakes, multidict and its debug build, rsync for
#          gitlab-ci-local (default)
#   bench  test + the Debian packages whose upstream suites `make bench`
#          gates (tests/bench-suites.sh), and hypothesis for pyrsistent's
# LEAKGATE_EXTRA_PACKAGES: more packages, e.g. valgrind.
set -eu

list=""
if [ "${1:-}" = --list ]; then
	list=1
	shift
fi
set_name=${1:-test}
run="libxml2-utils"
build="$run pkg-config libgit2-dev libxml2-dev"
if [ -n "$list" ] || ! command -v cc >/dev/null 2>&1; then
	build="$build gcc libc6-dev"
fi
if [ -n "$list" ] || ! command -v make >/dev/null 2>&1; then
	build="$build make"
fi
# python3-yaml: the tests parse the GitHub Action and GitLab template;
# python3-dbg: they check the refs metric, which needs a debug CPython;
# rsync: gitlab-ci-local copies the project with it (tests/ci/);
# python3-pytest: tests/test_run_pytest.c runs a pytest suite (tests/pysuite);
# python3-pyflakes: make check lints the agent's Python modules;
# python3-multidict: Debian 12's 6.0.4 leaks in C (tests/test_run_explain.c
# names what keeps it; skipped without).
test="$build libcmocka-dev python3 python3-yaml python3-dbg rsync"
test="$test python3-pytest python3-pyflakes python3-multidict"
bench="$test python3-cbor2 python3-msgpack python3-simplejson python3-pyrsistent"
bench="$bench python3-hypothesis"
case $set_name in
run) packages=$run ;;
build) packages=$build ;;
test) packages=$test ;;
bench) packages=$bench ;;
*)
	echo "usage: install-deps.sh [--list] [run|build|test|bench]" >&2
	exit 2
	;;
esac
if [ -n "$list" ]; then
	# shellcheck disable=SC2086
	printf '%s\n' $packages
	exit 0
fi
packages="$packages ${LEAKGATE_EXTRA_PACKAGES:-}"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "leakgate: missing packages:$missing (no apt-get here: install them by hand)" >&2
	exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo -n"
else
	echo "leakgate: missing packages:$missing; run as root or install sudo" >&2
	exit 1
fi
echo "leakgate: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
