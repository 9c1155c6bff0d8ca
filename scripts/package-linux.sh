#!/usr/bin/env bash
# Linux tarball: dist/PeerDesk-<version>-linux-<arch>.tar.gz, unpacked to /opt/PeerDesk.
#   scripts/package-linux.sh [--no-build]
# Holds the one-folder build, the menu entry and icon (share/), install-desktop-entry.sh,
# and the example policy. See docs/deployment.md.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(.venv/bin/python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
arch=$(uname -m)
if [[ "${1:-}" != "--no-build" ]]; then
    .venv/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build \
        installers/peerdesk.spec
fi
[[ -x dist/PeerDesk/PeerDesk ]] || { echo "package-linux: build dist/PeerDesk first" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -al dist/PeerDesk "$stage/PeerDesk" 2>/dev/null || cp -a dist/PeerDesk "$stage/PeerDesk"
mkdir -p "$stage/PeerDesk/share"
cp installers/linux/peerdesk.desktop resources/icons/peerdesk.svg "$stage/PeerDesk/share/"
cp installers/linux/install-desktop-entry.sh "$stage/PeerDesk/"
cp installers/policy.example.json installers/policy.schema.json "$stage/PeerDesk/share/"
out="dist/PeerDesk-$version-linux-$arch.tar.gz"
tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$out" PeerDesk
echo "package-linux: $out ($(du -h "$out" | cut -f1); $(du -sh dist/PeerDesk | cut -f1) unpacked)"
