#!/bin/sh
# A header per source file, the same name (STYLE.md, Layout): every
# src/NAME.c has include/leakgate/NAME.h and includes it first (so the
# header compiles on its own), and every header there has its .c; every
# src/cli/NAME.c has src/cli/NAME.h and includes it. The exceptions:
#   src/main.c        the program's entry, declared by no one
#   src/cli/cmd_*.c   the subcommands, declared in cli.h's command table
#   src/shim/         the allocator shim, a shared object of its own
# usage: headers.sh [SOURCE_DIR]
set -u
cd "${1:-.}" || exit 1
bad=0

# check SRC HEADERS PREFIX WHERE: SRC/NAME.c and HEADERS/NAME.h go in
# pairs, the .c including "PREFIXNAME.h" (WHERE: first, or anywhere).
check() {
	for c in "$1"/*.c; do
		name=$(basename "$c" .c)
		case "$c" in src/main.c | src/cli/cmd_*) continue ;; esac
		line="#include \"$3$name.h\""
		if [ ! -f "$2/$name.h" ]; then
			echo "headers: $c has no $2/$name.h"
			bad=1
		elif [ "$4" = first ] && [ "$(grep -m1 '^#include' "$c")" != "$line" ]; then
			echo "headers: $c does not include $2/$name.h first"
			bad=1
		elif ! grep -qxF "$line" "$c"; then
			echo "headers: $c does not include $2/$name.h"
			bad=1
		fi
	done
	for h in "$2"/*.h; do
		name=$(basename "$h" .h)
		if [ ! -f "$1/$name.c" ]; then
			echo "headers: $h has no $1/$name.c"
			bad=1
		fi
	done
}

check src include/leakgate leakgate/ first
check src/cli src/cli "" anywhere
[ "$bad" -eq 0 ] && echo "headers: one per source file, the same name"
exit "$bad"
