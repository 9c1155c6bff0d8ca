#!/bin/sh
# Add PeerDesk to the applications menu, for everyone (as root) or for you (as a user).
# Run it from the unpacked folder: /opt/PeerDesk/install-desktop-entry.sh [--uninstall]
# DATA_DIR=/some/share puts the files there instead of /usr/share or ~/.local/share.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${DATA_DIR:-}" ]; then
    share=$DATA_DIR  # e.g. a package build root
elif [ "$(id -u)" = 0 ]; then
    share=/usr/share
else
    share=${XDG_DATA_HOME:-$HOME/.local/share}
fi
apps="$share/applications"
icons="$share/icons/hicolor/scalable/apps"
if [ "${1:-}" = "--uninstall" ]; then
    done_what=removed
    rm -f "$apps/peerdesk.desktop" "$icons/peerdesk.svg"
else
    done_what=installed
    mkdir -p "$apps" "$icons"
    cp "$here/share/peerdesk.svg" "$icons/peerdesk.svg"
    # Point the entry at wherever this folder was unpacked.
    sed -e "s|/opt/PeerDesk/PeerDesk|$here/PeerDesk|g" "$here/share/peerdesk.desktop" \
        > "$apps/peerdesk.desktop"
    chmod 644 "$apps/peerdesk.desktop" "$icons/peerdesk.svg"
fi
command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
echo "PeerDesk menu entry $done_what in $apps"
