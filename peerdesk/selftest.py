"""The self-test a built PeerDesk runs with ``--self-test``: real work in a throw-away folder.

It proves a build (frozen or not) can do what a ward PC needs: read its policy and resources,
create and migrate a vault, derive keys, encrypt and read back every record kind, keep its
audit trail, and sync through a share folder. It never touches the user's data folder or the
real share. One line per step; exit 0 when every step passed, else 1 with the failing step
named last. The UI adds its own steps (plan PDF, sign-in window): see ui/selftest.py.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from peerdesk import __version__
from peerdesk.catalogue import spec
from peerdesk.config import Policy, load_policy, policy_path
from peerdesk.domain import FieldSpec, FieldType, Kind, Record
from peerdesk.errors import PeerDeskError
from peerdesk.paths import resource_dir
from peerdesk.services import Desk, Vault
from peerdesk.services.desk import sign_in
from peerdesk.store import migrate

ACCOUNT = "Self-test"
ADMIN_ACCOUNT = "Self-test admin"
PASSED, FAILED = 0, 1

Step = tuple[str, Callable[["SelfTest"], str]]
SCRIPT_SAMPLES = {
    "Polish": "Chcę wrócić do domu.",
    "Vietnamese": "Tôi muốn về nhà.",
    "Arabic": "أريد أن أعود إلى البيت.",
    "Urdu": "میں گھر واپس جانا چاہتی ہوں۔",
    "Bengali": "আমি বাড়ি যেতে চাই।",
    "Chinese": "我想回家。",
}


def sample_value(field: FieldSpec) -> Any:
    """A valid value for any field, so every kind is saved with every field filled."""
    text = f"self-test {field.name} · ü ✓"
    match field.type:
        case FieldType.TEXT | FieldType.LONG_TEXT:
            return text
        case FieldType.DATE:
            return "2026-03-02"
        case FieldType.DATETIME:
            return "2026-03-02T09:30"
        case FieldType.CHOICE:
            return field.choices[0].id
        case FieldType.TAGS:
            return [c.id for c in field.choices[:2]]
        case FieldType.BOOL:
            return True
        case FieldType.LIST:
            return [text]
        case FieldType.SECTIONS:
            return {s.id: f"{text} ({s.title})" for s in field.sections}
        case FieldType.CONSENTS:
            return [{"id": "c-selftest", "recipient": text, "role": field.choices[0].id,
                     "given_on": "2026-03-02"}]
    raise AssertionError(f"no sample for {field.type}")


def _say(line: str) -> None:
    # A windowed Windows build has no console: stdout is None, and only the exit code speaks.
    if sys.stdout is not None:
        print(line, flush=True)


class SelfTest:
    def __init__(self, *, out: Callable[[str], None] = _say, keep: bool = False) -> None:
        self.out = out
        self.keep = keep
        self.root = Path(tempfile.mkdtemp(prefix="peerdesk-selftest-"))
        self.data_dir = self.root / "data"
        self.share_dir = self.root / "share"
        self.export_dir = self.root / "exports"
        # As long as any policy may ask for, and never a real person's.
        self.passphrase = secrets.token_urlsafe(96)
        self.policy = Policy()
        self.vault: Vault | None = None
        self.desk: Desk | None = None
        self.saved: dict[Kind, Record] = {}

    # -- the core steps -------------------------------------------------------------------

    def build(self) -> str:
        frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
        return (f"PeerDesk {__version__}, {frozen}, Python {platform.python_version()} on "
                f"{platform.system()} {platform.machine()}")

    def load_policy(self) -> str:
        path = policy_path()
        self.policy = load_policy()
        source = f"from {path}" if path.exists() else f"defaults (no file at {path})"
        return (f"{source}; passphrases >= {self.policy.passphrase_min_length}, Argon2id "
                f"{self.policy.kdf_memory_mib} MiB x {self.policy.kdf_iterations}, recovery key "
                f"{'set' if self.policy.recovery_key else 'not set'}")

    def resources(self) -> str:
        specs = [spec(kind) for kind in Kind]
        fields = sum(len(s.fields) for s in specs)
        return f"{len(specs)} record kinds, {fields} fields, from {resource_dir()}"

    def open_vault(self) -> str:
        self.vault = Vault(self.data_dir, policy=self.policy)
        revision = migrate.current_revision(self.vault.store.engine)
        if revision != migrate.HEAD:
            raise AssertionError(f"schema is {revision}, expected {migrate.HEAD}")
        return f"new vault in {self.data_dir}, schema {revision} (migrations bundled)"

    def create_account(self) -> str:
        if self.vault is None:
            raise AssertionError("the vault is not open")
        # A coordinator may save every kind; the administrator approves her (an account's
        # role is an administrator's signed statement) and sets up the temp share.
        from peerdesk.services import membership

        self.vault.create_account(ADMIN_ACCOUNT, "admin", self.passphrase)
        self.vault.create_account(ACCOUNT, "coordinator", self.passphrase)
        admin = sign_in(self.vault, ADMIN_ACCOUNT, self.passphrase)
        try:
            membership.approve(admin, ACCOUNT)
        finally:
            admin.lock()
        return ("admin and coordinator accounts with passphrase keys (Argon2id), the "
                "coordinator approved by the admin")

    def unlock(self) -> str:
        if self.vault is None:
            raise AssertionError("the vault is not open")
        self.desk = sign_in(self.vault, ACCOUNT, self.passphrase)
        return "unlocked"

    def records(self) -> str:
        desk = self.desk
        if desk is None:
            raise AssertionError("nobody is signed in")
        person: str | None = None
        for kind in Kind:
            fields = {f.name: sample_value(f) for f in spec(kind).fields}
            saved = desk.add(kind, fields, person_id=person)
            if kind is Kind.PERSON:
                person = saved.id
            read = desk.get(saved.id)
            if dict(read.fields) != dict(saved.fields):
                raise AssertionError(f"{kind.value} read back differently from how it was saved")
            self.saved[kind] = read
        return f"{len(self.saved)} kinds saved encrypted and read back: " + ", ".join(
            k.value for k in self.saved)

    def integrity(self) -> str:
        if self.vault is None or self.desk is None:
            raise AssertionError("the vault is not open and unlocked")
        problems = [p.problem for p in self.desk.check()] + self.vault.verify_audit()
        if problems:
            raise AssertionError(problems[0])
        return "every version opens; audit trail intact"

    def sync(self) -> str:
        if importlib.util.find_spec("peerdesk.services.sync") is None:
            return "skipped: this build has no sync"
        from peerdesk.services import sync as sync_service

        desk = self.desk
        if desk is None:
            raise AssertionError("nobody is signed in")
        self.share_dir.mkdir()
        location = str(self.share_dir)
        admin = sign_in(desk.vault, ADMIN_ACCOUNT, self.passphrase)
        sync_service.init_share(admin, location, team_name="Self-test team")
        admin.lock()
        pushed = sync_service.run_sync(desk, location=location)
        # A second computer signs in with the passphrase alone and gets the records.
        with Vault(self.root / "second-device", policy=self.policy) as other:
            other_desk, pulled = sync_service.enrol(other, location, ACCOUNT, self.passphrase)
            got = {r.id: r for r in other_desk.records()}
            for kind, record in self.saved.items():
                if got.get(record.id) is None or dict(got[record.id].fields) != dict(record.fields):
                    raise AssertionError(f"the {kind.value} did not arrive on the second device")
            other_desk.lock()
        files = sum(1 for p in self.share_dir.rglob("*") if p.is_file())
        return (f"pushed {pushed.pushed}, a second device pulled {pulled.pulled}; "
                f"{files} files on the temp share")

    def documents(self) -> str:
        """A PDF in the scripts people write their plans in, with the bundled fonts embedded
        and shaped, and times in the UK zone (a frozen build must carry fonts, HarfBuzz and
        the time zone database)."""
        from datetime import datetime

        from peerdesk import dates, exports

        doc = exports.Document("Self-test", (
            exports.Heading("Zofia Wiśniewska-Nguyễn"),
            *(exports.Para(text) for text in SCRIPT_SAMPLES.values())))
        rendered = exports.render(doc)
        if rendered.missing:
            raise AssertionError(f"{rendered.missing} letters have no font in this build")
        for family in ("NotoSans", "NotoNaskhArabic", "NotoSansBengali", "DroidSansFallback"):
            if family.encode() not in rendered.data:
                raise AssertionError(f"the PDF has no {family} font embedded")
        path = exports.write_pdf(self.export_dir / "scripts.pdf", doc)
        summer = dates.local(datetime(2026, 7, 14, 12, 0))
        if dates.zone().key == dates.DEFAULT_ZONE and summer.hour != 13:
            raise AssertionError(f"summer noon UTC shows as {summer:%H:%M}, not 13:00 BST")
        return (f"{path.name}: {len(rendered.data) // 1024} KB, "
                f"{', '.join(SCRIPT_SAMPLES)} shaped, fonts embedded; times in {dates.zone().key}")

    def lock(self) -> str:
        if self.desk is not None:
            self.desk.lock()
        if self.vault is not None:
            self.vault.close()
            self.vault = None
        return "locked and closed"

    # -- running --------------------------------------------------------------------------

    def steps(self, extra: Sequence[Step] = (), after_close: Sequence[Step] = ()) -> list[Step]:
        return [
            ("build", SelfTest.build),
            ("policy", SelfTest.load_policy),
            ("resources", SelfTest.resources),
            ("vault", SelfTest.open_vault),
            ("account", SelfTest.create_account),
            ("unlock", SelfTest.unlock),
            ("records", SelfTest.records),
            ("integrity", SelfTest.integrity),
            ("documents", SelfTest.documents),
            *extra,
            ("sync", SelfTest.sync),
            ("lock", SelfTest.lock),
            *after_close,
        ]

    def run(self, extra: Sequence[Step] = (), after_close: Sequence[Step] = ()) -> int:
        started = time.perf_counter()
        failed: str | None = None
        try:
            for name, step in self.steps(extra, after_close):
                t0 = time.perf_counter()
                try:
                    detail = step(self)
                except Exception as exc:  # noqa: BLE001 - a self-test reports any failure
                    failed = name
                    reason = str(exc) if isinstance(exc, PeerDeskError) else (
                        f"{type(exc).__name__}: {exc}")
                    self.out(f"FAIL {name}: {reason}")
                    if os.environ.get("PEERDESK_DEBUG"):
                        traceback.print_exc()
                    break
                self.out(f"ok   {name}: {detail} ({time.perf_counter() - t0:.2f} s)")
        finally:
            self._clean_up()
        total = time.perf_counter() - started
        if failed is not None:
            self.out(f"self-test FAILED at step '{failed}' after {total:.1f} s")
            return FAILED
        self.out(f"self-test passed in {total:.1f} s")
        return PASSED

    def _clean_up(self) -> None:
        # A failed step may have left the desk half-open; the folder goes anyway.
        with contextlib.suppress(Exception):
            self.lock()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)


def check_policy(path: str | None) -> int:
    """``--check-policy FILE``: what PeerDesk would make of a policy, before IT rolls it out."""
    target = Path(path) if path else policy_path()
    try:
        policy = load_policy(target) if target.exists() or path is None else None
    except PeerDeskError as exc:
        _say(str(exc))
        return 2
    if policy is None:
        _say(f"There is no file at {target}.")
        return 2
    _say(f"The policy {target} is valid; PeerDesk will use:")
    for name, value in policy.describe().items():
        _say(f"  {name}: {value!r}")
    return PASSED


def main(argv: Sequence[str] | None = None) -> int:
    """The self-test without the UI's steps (``python -m peerdesk.selftest``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return SelfTest(keep="--keep" in args).run()


if __name__ == "__main__":
    sys.exit(main())
