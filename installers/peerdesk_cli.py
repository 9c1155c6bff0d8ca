"""Entry point of the console executable (``peerdesk-cli``) in a built PeerDesk.

The same commands as ``peerdesk`` from a source install, plus the app's special modes, which
need a console on Windows to be read: ``--self-test`` and ``--check-policy FILE``; and the
recovery-key tool for IG (``peerdesk-cli recovery keygen|open|rewrap``, installers/tools).
"""

import sys


def main() -> int:
    argv = sys.argv[1:]
    if "--self-test" in argv or argv[:1] == ["--check-policy"]:
        from ui.selftest import special_mode

        code = special_mode(argv)
        return 2 if code is None else code  # special_mode answers for the arguments above
    if argv[:1] == ["recovery"]:
        import recovery  # installers/tools/recovery.py, bundled by the spec

        return recovery.main(argv[1:])
    from peerdesk.cli import main as cli

    return cli(argv)


if __name__ == "__main__":
    sys.exit(main())
