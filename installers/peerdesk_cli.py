"""Entry point of the console executable (``peerdesk-cli``) in a built PeerDesk.

The same commands as ``peerdesk`` from a source install, plus the app's special modes, which
need a console on Windows to be read: ``--self-test`` and ``--check-policy FILE``.
"""

import sys


def main() -> int:
    argv = sys.argv[1:]
    if "--self-test" in argv or argv[:1] == ["--check-policy"]:
        from ui.selftest import special_mode

        code = special_mode(argv)
        assert code is not None
        return code
    from peerdesk.cli import main as cli

    return cli(argv)


if __name__ == "__main__":
    sys.exit(main())
