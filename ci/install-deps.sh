#!/bin/sh
# Install the Debian/Ubuntu packages leakgate needs to build and test.
# Called by every make target; quiet and quick when nothing is missing.
set -eu

packages="pkg-config libgit2-dev libxml2-dev libxml2-utils libcmocka-dev python3"
# python3-yaml: make check parses the GitHub Action and GitLab template.
packages="$packages python3-yaml"
# The tests check the refs metric, which needs a debug build of CPython.
packages="$packages python3-dbg"
# make check lints the agent's Python modules.
packages="$packages python3-pyflakes"
# Extra packages a caller may ask for, e.g. LEAKGATE_EXTRA_PACKAGES=valgrind.
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
