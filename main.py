"""Start the PeerDesk desktop app: python main.py [--data-dir DIR]."""

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main())
