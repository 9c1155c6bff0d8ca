"""kill -9 at any moment leaves a readable store holding every save that was acknowledged."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in
from tests.conftest import LIGHT_KDF, PASSPHRASE, run_cli

SAVE_LOOP = textwrap.dedent("""
    import sys
    from pathlib import Path
    from peerdesk.services import Vault, sign_in
    from tests.conftest import LIGHT_KDF, PASSPHRASE
    vault = Vault(Path(sys.argv[1]), kdf_params=LIGHT_KDF)
    desk = sign_in(vault, "Amira", PASSPHRASE)
    n = 0
    while True:
        record = desk.add("diary", {"when": "2026-03-02T10:00", "what_happened": f"save {n}"})
        print(record.id, n, flush=True)  # acknowledged only after the commit returned
        n += 1
""")


def test_kill_during_a_loop_of_saves_loses_no_acknowledged_save(data_dir: Path) -> None:
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
    acknowledged: dict[str, str] = {}
    rng = random.Random(7)
    for _round in range(3):
        with subprocess.Popen([sys.executable, "-c", SAVE_LOOP, str(data_dir)],
                              stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).parents[2]) as child:
            assert child.stdout is not None
            for _ in range(rng.randint(15, 60)):
                record_id, n = child.stdout.readline().split()
                acknowledged[record_id] = f"save {n}"
            child.send_signal(signal.SIGKILL)
            # lines already printed before the kill landed were acknowledged too
            for line in child.stdout:
                if len(line.split()) == 2:
                    record_id, n = line.split()
                    acknowledged[record_id] = f"save {n}"
    with Vault(data_dir, kdf_params=LIGHT_KDF) as vault:
        desk = sign_in(vault, "Amira", PASSPHRASE)
        stored = {r.id: r.fields["what_happened"] for r in desk.records(Kind.DIARY)}
        assert desk.check() == []
        assert vault.verify_audit() == []
    missing = {k: v for k, v in acknowledged.items() if stored.get(k) != v}
    assert missing == {}
    assert len(acknowledged) >= 45


def test_kill_during_cli_saves(data_dir: Path) -> None:
    assert run_cli(data_dir, "init").code == 0
    assert run_cli(data_dir, "user", "add", "Amira").code == 0
    script = ('for n in $(seq 1 50); do echo "{\\"when\\": \\"2026-03-02T10:00\\", '
              '\\"what_happened\\": \\"cli save $n\\"}" | '
              f'"{sys.executable}" -m peerdesk.cli --data-dir "{data_dir}" record add '
              '--kind diary --file - || exit 1; done')
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    env["PEERDESK_PASSPHRASE"] = PASSPHRASE
    with subprocess.Popen(["bash", "-c", script], stdout=subprocess.PIPE, text=True, env=env,
                          start_new_session=True) as loop:
        assert loop.stdout is not None
        reported = [loop.stdout.readline().strip() for _ in range(4)]
        os.killpg(loop.pid, signal.SIGKILL)  # the loop and the save it is in the middle of
        reported += [line.strip() for line in loop.stdout if line.strip()]
    for record_id in reported:
        shown = run_cli(data_dir, "record", "show", record_id)
        assert shown.code == 0, shown.err
    assert run_cli(data_dir, "check").code == 0
