#!/usr/bin/env bash
# Installs what the browser and tray tests need on a fresh Debian machine of
# this kind: Debian's chromium (driven by chromedp), Xvfb and a session bus.
# Idempotent; does nothing when everything is present.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
command -v dbus-run-session >/dev/null 2>&1 || need+=(dbus)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v node >/dev/null 2>&1 || need+=(nodejs)
# Japanese glyphs for the popup screenshots (e2e, KEYRELAY_SCREENSHOTS).
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "missing ${need[*]}: run 'sudo apt-get install ${need[*]}'" >&2
	exit 1
fi
echo "installing ${need[*]} (Debian packages)…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
