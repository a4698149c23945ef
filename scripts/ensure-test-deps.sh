#!/usr/bin/env bash
# Installs what the browser, tray and Windows tests need on a fresh Debian
# machine of this kind: Debian's chromium (driven by chromedp), Xvfb, a session
# bus, and for make windows-smoke the mingw-w64 cross compiler and wine64.
# Idempotent; does nothing when everything is present.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
command -v dbus-run-session >/dev/null 2>&1 || need+=(dbus)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64)
{ command -v wine64 >/dev/null 2>&1 || [ -x /usr/lib/wine/wine64 ]; } || need+=(wine64)
# Japanese glyphs for the popup screenshots (e2e, KEYRELAY_SCREENSHOTS).
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "missing ${need[*]}: run 'sudo apt-get install ${need[*]}'" >&2
	exit 1
fi
echo "installing ${need[*]} (Debian packages)…"
export DEBIAN_FRONTEND=noninteractive
# Serialized: other jobs on a shared machine may be installing too.
flock /tmp/keyrelay-apt.lock apt-get update -qq
flock /tmp/keyrelay-apt.lock apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
