#!/bin/sh
# make install and make uninstall into a temporary DESTDIR with PREFIX=/usr:
# the binary and the man page where they belong, the page valid roff naming
# every option of every command, and nothing left after uninstall.
# Usage: install.sh BUILD_DIR
set -eu
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "!! install: $*"; exit 1; }

${MAKE:-make} -s install BUILD="$build" DESTDIR="$tmp/root" PREFIX=/usr >/dev/null
bin=$tmp/root/usr/bin/leakgate
page=$tmp/root/usr/share/man/man1/leakgate.1
[ -x "$bin" ] || fail "no executable $bin"
[ -f "$page" ] || fail "no man page $page"
"$bin" --version >/dev/null || fail "the installed binary does not run"
grep -q '^\.TH LEAKGATE 1 ' "$page" || fail "no .TH LEAKGATE 1 in the page"

# Rendered as man would; groff's warnings (-ww) are failures.
if command -v groff >/dev/null; then
	groff -man -Tutf8 -ww "$page" > "$tmp/page.txt" 2> "$tmp/warnings" ||
		fail "groff failed"
	[ ! -s "$tmp/warnings" ] || fail "groff: $(cat "$tmp/warnings")"
	# groff draws some hyphens as U+2010; compare plain ones.
	sed 's/.\x08//g; s/\xe2\x80\x90/-/g' "$tmp/page.txt" > "$tmp/page.plain"
else
	sed 's/\\-/-/g' "$page" > "$tmp/page.plain"
fi
if command -v man >/dev/null; then
	man -l "$page" > /dev/null 2>&1 || fail "man -l cannot show the page"
fi
for command in run "baseline record" report merge; do
	# shellcheck disable=SC2086
	for option in $("$bin" $command --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -- "$option" "$tmp/page.plain" ||
			fail "the page does not name $option of $command"
	done
done
for key in $("$bin" --settings-markdown | grep -o '`[a-z-]* = ' | tr -d '`= '); do
	grep -qE -- "$key +=" "$tmp/page.plain" || fail "the page does not name the key $key"
done
for code in 0 1 2 3 128+N; do
	sed -n "/^EXIT STATUS/,\$p" "$tmp/page.plain" | grep -q "^ *$code\( \|\$\)" ||
		fail "the page lacks exit code $code"
done

${MAKE:-make} -s uninstall BUILD="$build" DESTDIR="$tmp/root" PREFIX=/usr >/dev/null
left=$(find "$tmp/root" -type f -o -type l)
[ -z "$left" ] || fail "left after uninstall: $left"
echo "install: make install/uninstall (DESTDIR, PREFIX=/usr) and leakgate(1): ok"
