#!/usr/bin/env bash
# make release: everything an operator downloads, in dist/.
#   keyrelay-VERSION-linux-amd64            the helper (cgo, this machine's glibc)
#   keyrelay-VERSION-windows-amd64.exe      the helper (cgo via mingw-w64)
#   keyrelay-VERSION-windows-amd64.zip      keyrelay.exe + README-ja.txt + extension/ (unpacked)
#   keyrelay-extension-VERSION.zip          Chrome / Edge
#   keyrelay-extension-firefox-VERSION.zip  Firefox (web-ext lint clean)
#   SHA256SUMS
# VERSION is manifest.json's version; the commit is stamped into both binaries
# (keyrelay --version). macOS is not built here: see README (cgo needs a Mac).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
TAGS=${TAGS:-}

version=$(python3 -c 'import json; print(json.load(open("manifest.json"))["version"])')
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then commit="$commit+dirty"; fi
ldflags="-s -w -X keyrelay/internal/keyrelay.Version=$version -X main.commitStamp=$commit"
tagflags=()
[ -n "$TAGS" ] && tagflags=(-tags "$TAGS")
case " $TAGS " in *" demo "*) echo "release: refusing -tags demo (the fakes stay out of releases)" >&2; exit 1 ;; esac

rm -rf dist
mkdir -p dist
echo "release: keyrelay $version (commit $commit)"

echo "release: linux/amd64…"
CGO_ENABLED=1 "$GO" build -trimpath "${tagflags[@]}" -ldflags "$ldflags" -o "dist/keyrelay-$version-linux-amd64" ./helper

echo "release: windows/amd64 (mingw-w64)…"
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
	"$GO" build -trimpath "${tagflags[@]}" -ldflags "$ldflags" -o "dist/keyrelay-$version-windows-amd64.exe" ./helper

echo "release: extension…"
bash scripts/package-extension.sh chrome "dist/keyrelay-extension-$version.zip"
bash scripts/package-extension.sh firefox "dist/keyrelay-extension-firefox-$version.zip"

# web-ext lint (npm's web-ext through npx) on exactly the Firefox zip's files.
lintdir=$(mktemp -d)
trap 'rm -rf "$lintdir"' EXIT
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
	"dist/keyrelay-extension-firefox-$version.zip" "$lintdir/src"
echo "release: web-ext lint…"
npx --yes web-ext@8 lint --source-dir "$lintdir/src" --warnings-as-errors --output text

echo "release: Windows zip…"
python3 - "$version" <<'PY'
import sys, zipfile
v = sys.argv[1]
out = f"dist/keyrelay-{v}-windows-amd64.zip"
readme = open("scripts/release/README-ja.txt", encoding="utf-8").read().replace("{VERSION}", v)
ext = zipfile.ZipFile(f"dist/keyrelay-extension-{v}.zip")
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    def add(name, data, mode=0o644):
        info = zipfile.ZipInfo(f"keyrelay-{v}/{name}", date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = mode << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
    add("keyrelay.exe", open(f"dist/keyrelay-{v}-windows-amd64.exe", "rb").read(), 0o755)
    # Notepad reads UTF-8 with a BOM and CRLF line ends everywhere.
    add("README-ja.txt", "\ufeff" + readme.replace("\r\n", "\n").replace("\n", "\r\n"))
    for n in sorted(ext.namelist()):
        add("extension/" + n, ext.read(n))
print(out)
PY

(cd dist && sha256sum -- * > SHA256SUMS)
echo "release: dist/"
ls -l dist
