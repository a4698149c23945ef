#!/usr/bin/env bash
# Builds the extension zip with only what the browser loads: manifest.json,
# _locales/ and extension/ (without its tests and the icon generator).
# Deterministic: sorted entries, fixed timestamps. The test entry points
# (extension/testhooks.js) stay out: the shipped service worker has none
# (e2e TestPackagedExtensionHasNoTestHooks).
#
#   package-extension.sh [chrome|firefox] [OUT]
#
# chrome (default, dist/keyrelay-extension.zip): the manifest as is; Chrome
# and Edge use background.service_worker. firefox: the same files, with the
# manifest's service_worker left out; Firefox runs background.scripts and
# its linter (web-ext lint) warns about the key it does not support.
set -euo pipefail
variant=${1:-chrome}
case "$variant" in
chrome) out=${2:-dist/keyrelay-extension.zip} ;;
firefox) out=${2:-dist/keyrelay-extension-firefox.zip} ;;
*) echo "usage: $0 [chrome|firefox] [OUT]" >&2; exit 2 ;;
esac
out=$(realpath -m "$out")
cd "$(dirname "$0")/.."
mkdir -p "$(dirname "$out")"
rm -f "$out"
python3 - "$out" "$variant" <<'PY'
import json, os, sys, zipfile
out, variant = sys.argv[1], sys.argv[2]
files = ["manifest.json"]
for top in ("_locales", "extension"):
    for root, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not (root == "extension" and d == "test"))
        for n in sorted(names):
            if n.endswith((".py", ".md")) or n.startswith(".") or n == "testhooks.js":
                continue
            files.append(os.path.join(root, n))
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(files):
        info = zipfile.ZipInfo(f, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(f, "rb") as fh:
            data = fh.read()
        if f == "manifest.json" and variant == "firefox":
            m = json.loads(data)
            m["background"].pop("service_worker", None)
            data = (json.dumps(m, ensure_ascii=False, indent=2) + "\n").encode()
        z.writestr(info, data)
print(f"{out}: {len(files)} files ({variant})")
PY
