#!/usr/bin/env bash
# make windows-smoke: cross-compile the production keyrelay.exe for
# windows/amd64 (cgo via Debian's mingw-w64), and run e2e/wine's smoke test
# against it under Debian's wine64 in a throwaway prefix. No display is used.
#
# Debian's Wine 8 has no bcryptprimitives.dll, which Go 1.22+ needs at start
# (ProcessPrng); scripts/wine/bcryptprimitives.c is a stand-in built here and
# copied into the prefix's system32. It is test scaffolding, never shipped.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
TAGS=${TAGS:-}

WINE=$(command -v wine64 || true)
[ -n "$WINE" ] || WINE=/usr/lib/wine/wine64
WINESERVER=$(command -v wineserver || true)
[ -n "$WINESERVER" ] || WINESERVER=/usr/lib/wine/wineserver
for tool in "$WINE" "$WINESERVER" "$(command -v x86_64-w64-mingw32-gcc || echo x86_64-w64-mingw32-gcc)"; do
	if ! [ -x "$tool" ]; then
		echo "windows-smoke: $tool missing (scripts/ensure-test-deps.sh installs wine64 and gcc-mingw-w64-x86-64)" >&2
		exit 1
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/keyrelay-wine-XXXXXX")
export WINEPREFIX="$work/prefix"
export WINEDEBUG=-all
# No Mono or Gecko download prompts: keyrelay needs neither.
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
cleanup() {
	timeout 30 "$WINESERVER" -k >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "windows-smoke: building keyrelay.exe (windows/amd64, cgo with mingw-w64)…"
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
	"$GO" build ${TAGS:+-tags "$TAGS"} -o "$work/keyrelay.exe" ./helper
x86_64-w64-mingw32-gcc -shared -O2 -Wl,--kill-at -o "$work/bcryptprimitives.dll" scripts/wine/bcryptprimitives.c

echo "windows-smoke: creating a Wine prefix in $WINEPREFIX…"
timeout 300 "$WINE" wineboot --init >"$work/wineboot.log" 2>&1 || {
	echo "windows-smoke: wineboot failed:" >&2
	cat "$work/wineboot.log" >&2
	exit 1
}
timeout 60 "$WINESERVER" -w || true
cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

KEYRELAY_WINE="$WINE" KEYRELAY_WINE_EXE="$work/keyrelay.exe" \
	timeout 600 "$GO" test -count=1 -timeout 8m ./e2e/wine/ -run TestWindowsSmoke -v
