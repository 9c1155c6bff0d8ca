#!/usr/bin/env bash
# Build the one-folder app and prove the *built* executables work, as on a fresh machine:
# no virtualenv, no source tree, an empty home and temp folder, no display.
#   scripts/frozen-smoke.sh            build (make package), then test
#   scripts/frozen-smoke.sh --no-build test what is in dist/PeerDesk
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIST="$ROOT/dist/PeerDesk"
EXE=""; [[ "${OS:-}" == "Windows_NT" ]] && EXE=".exe"

if [[ "${1:-}" != "--no-build" ]]; then
    started=$(date +%s)
    if make -n package 2>/dev/null | grep -q pyinstaller; then
        make package
    else  # until the Makefile has the target
        .venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build \
            installers/peerdesk.spec
    fi
    echo "frozen-smoke: built in $(( $(date +%s) - started )) s"
fi
[[ -x "$DIST/PeerDesk$EXE" ]] || { echo "frozen-smoke: no build in $DIST" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/tmp"
clean_env=(env -i "PATH=/usr/bin:/bin" "HOME=$work/home" "TMPDIR=$work/tmp" "TEMP=$work/tmp"
           "TMP=$work/tmp" "LANG=C.UTF-8" "QT_QPA_PLATFORM=offscreen"
           "PEERDESK_POLICY=${PEERDESK_POLICY:-$work/no-policy.json}")
[[ -n "${PEERDESK_POLICY:-}" ]] || echo '{"_note": "frozen smoke test"}' > "$work/no-policy.json"
[[ -n "${SYSTEMROOT:-}" ]] && clean_env+=("SYSTEMROOT=$SYSTEMROOT")  # Windows needs it

cd "$work"
echo "frozen-smoke: $DIST/PeerDesk$EXE --self-test"
"${clean_env[@]}" "$DIST/PeerDesk$EXE" --self-test
echo "frozen-smoke: $DIST/peerdesk-cli$EXE --self-test"
"${clean_env[@]}" "$DIST/peerdesk-cli$EXE" --self-test >/dev/null
"${clean_env[@]}" "$DIST/peerdesk-cli$EXE" --check-policy "$ROOT/installers/policy.example.json" >/dev/null
data="$work/data"
"${clean_env[@]}" "$DIST/peerdesk-cli$EXE" --data-dir "$data" init >/dev/null
"${clean_env[@]}" PEERDESK_PASSPHRASE="frozen smoke passphrase" \
    "$DIST/peerdesk-cli$EXE" --data-dir "$data" user add Smoke --role peer >/dev/null
"${clean_env[@]}" PEERDESK_PASSPHRASE="frozen smoke passphrase" \
    "$DIST/peerdesk-cli$EXE" --data-dir "$data" audit verify >/dev/null

leftover=$(find "$work/tmp" -mindepth 1 | head -1)
[[ -z "$leftover" ]] || { echo "frozen-smoke: the self-test left $leftover behind" >&2; exit 1; }
for unwanted in pytest _pytest hypothesis PyInstaller PySide6/QtNetwork.abi3.so PySide6/QtQml.abi3.so; do
    [[ ! -e "$DIST/_internal/$unwanted" ]] || { echo "frozen-smoke: $unwanted is in the bundle" >&2; exit 1; }
done
echo "frozen-smoke: passed; bundle $(du -sh "$DIST" | cut -f1)"
