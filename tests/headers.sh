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
fail() {
	echo "headers: $*"
	bad=1
}
first_include() {
	grep -m1 '^#include' "$1"
}
for c in src/*.c; do
	name=$(basename "$c" .c)
	[ "$name" = main ] && continue
	h=include/leakgate/$name.h
	if [ ! -f "$h" ]; then
		fail "$c has no $h"
	elif [ "$(first_include "$c")" != "#include \"leakgate/$name.h\"" ]; then
		fail "$c does not include $h first"
	fi
done
for h in include/leakgate/*.h; do
	name=$(basename "$h" .h)
	[ -f "src/$name.c" ] || fail "$h has no src/$name.c"
done
for c in src/cli/*.c; do
	name=$(basename "$c" .c)
	case "$name" in cmd_*) continue ;; esac
	if [ ! -f "src/cli/$name.h" ]; then
		fail "$c has no src/cli/$name.h"
	elif ! grep -q "^#include \"$name.h\"" "$c"; then
		fail "$c does not include src/cli/$name.h"
	fi
done
for h in src/cli/*.h; do
	name=$(basename "$h" .h)
	[ -f "src/cli/$name.c" ] || fail "$h has no src/cli/$name.c"
done
[ "$bad" -eq 0 ] && echo "headers: one per source file, the same name"
exit "$bad"
