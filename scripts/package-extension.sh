#!/usr/bin/env bash
# Builds dist/keyrelay-extension.zip with only what the browser loads:
# manifest.json, _locales/ and extension/ (without its tests and the icon
# generator). Deterministic: sorted entries, fixed timestamps. The test
# entry points (extension/testhooks.js) stay out: the shipped service
# worker has none (e2e TestPackagedExtensionHasNoTestHooks).
# Usage: scripts/package-extension.sh [OUT.zip]  (default dist/keyrelay-extension.zip)
set -euo pipefail
out=$(realpath -m "${1:-$(dirname "$0")/../dist/keyrelay-extension.zip}")
cd "$(dirname "$0")/.."
mkdir -p "$(dirname "$out")"
rm -f "$out"
python3 - "$out" <<'PY'
import os, sys, zipfile
out = sys.argv[1]
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
            z.writestr(info, fh.read())
print(f"{out}: {len(files)} files")
PY
