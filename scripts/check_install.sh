#!/usr/bin/env bash
# Build the wheel, install it in a fresh venv and use every target from outside the checkout,
# where ./exportdigest cannot shadow the installed package. Checks that site-packages gets no
# generic top-level names (exporters, vault_template).
#
# Usage: scripts/check_install.sh [PYTHON]   (PYTHON: the checkout's venv python, for the
# Zotero stand-in in tests/; default .venv/bin/python)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dev_python="$(realpath -s "${1:-$repo/.venv/bin/python}")"  # absolute: the script changes folder
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$dev_python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$repo" 2>/dev/null
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$work"/dist/exportdigest-*.whl 2>/dev/null
cd "$work"   # outside the checkout
bin="$work/venv/bin"

site="$("$bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
for name in exporters vault_template; do
  if [ -e "$site/$name" ]; then
    echo "check_install: site-packages has a top-level '$name'" >&2
    exit 1
  fi
done
"$bin/python" - "$site" <<'EOF'
import sys
from pathlib import Path

import exportdigest
from exportdigest.exporters.obsidian.render import builtin_dir

site = Path(sys.argv[1]).resolve()
for where in (Path(exportdigest.__file__), builtin_dir()):
    assert site in where.resolve().parents, f"{where} is not the installed copy"
assert (builtin_dir() / "templates" / "paper.md.j2").is_file(), "templates not in the wheel"
assert (builtin_dir() / ".obsidian" / "types.json").is_file(), ".obsidian not in the wheel"
EOF

"$bin/exportdigest" --list-targets > targets.txt
for target in bibtex csljson jsonl obsidian ris zotero; do
  grep -q "^$target " targets.txt || { echo "check_install: no target $target" >&2; exit 1; }
done
grep -qi broken targets.txt && { echo "check_install: a target is broken" >&2; exit 1; }

cp "$repo/digests/2024-11-04.txt" digest.txt
"$bin/exportdigest" -q -t obsidian --vault vault digest.txt
test "$(ls vault/Papers | wc -l)" -eq 10
"$bin/exportdigest" -q -t ris --ris-out out.ris -t bibtex --bibtex-out out.bib \
  -t csljson --csljson-out out.json -t jsonl --jsonl-out out.jsonl digest.txt
test "$(grep -c '^TY  - ' out.ris)" -eq 10
test "$(grep -c '^@' out.bib)" -eq 10
test "$(wc -l < out.jsonl)" -eq 10
"$bin/python" -c "import json; assert len(json.load(open('out.json'))) == 10"

# Zotero: push to the strict stand-in the tests use, run from the checkout's venv.
cd "$repo/tests"
"$dev_python" -u -c '
import sys, time
from zotero_standin import ZoteroStandIn
with ZoteroStandIn() as server:
    print(server.url, server.api_key, server.library_id, flush=True)
    time.sleep(120)
' > "$work/standin.txt" &
server=$!
cd "$work"
for _ in $(seq 100); do [ -s standin.txt ] && break; sleep 0.1; done
read -r url key library < standin.txt
NO_PROXY=127.0.0.1 ZOTERO_API_KEY="$key" "$bin/exportdigest" -t zotero \
  --zotero-library-id "$library" --zotero-api-url "$url" digest.txt 2> zotero.txt
grep -q "zotero: 10 created" zotero.txt || { cat zotero.txt >&2; exit 1; }
echo "check_install: the wheel installs alone and every target works from outside the checkout"
