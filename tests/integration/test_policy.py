"""The machine policy: every setting takes effect where it belongs, and a bad file names the
setting at fault instead of starting with something weaker."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import x25519
from sqlalchemy import select

from peerdesk import config
from peerdesk.config import DEFAULT_ESCALATION, Policy, load_policy
from peerdesk.crypto import envelope
from peerdesk.crypto.kdf import KdfParams
from peerdesk.crypto.payload import open_fields, record_aad
from peerdesk.domain import Kind
from peerdesk.errors import InvalidInput, NotAllowed
from peerdesk.services import Vault, sign_in, sync
from peerdesk.store.models import VersionRow, WrapRow
from tests.conftest import LIGHT_KDF, PASSPHRASE, run_cli

ROOT = Path(__file__).resolve().parents[2]
# The weakest key derivation a policy may ask for: quick enough for tests.
LIGHT_POLICY_KDF = {"kdf_memory_mib": 19, "kdf_iterations": 2}


def write(tmp_path: Path, data: Any, *, raw: str | None = None, bom: bool = False) -> Path:
    path = tmp_path / "policy.json"
    text = raw if raw is not None else json.dumps(data)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def policy_from(tmp_path: Path, **settings: Any) -> Policy:
    return load_policy(write(tmp_path, settings))


# -- where it is read from ---------------------------------------------------------------------

def test_no_policy_file_means_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.POLICY_ENV, raising=False)
    assert load_policy(tmp_path / "absent.json") == Policy()
    assert Policy().escalation_text == DEFAULT_ESCALATION


def test_machine_location_and_the_override_for_trying_a_policy_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.POLICY_ENV, raising=False)
    if config.sys.platform.startswith("linux"):
        assert config.policy_path() == Path("/etc/peerdesk/policy.json")
    path = write(tmp_path, {"auto_lock_minutes": 2})
    monkeypatch.setenv(config.POLICY_ENV, str(path))
    assert config.policy_path() == path
    assert load_policy().auto_lock_minutes == 2
    monkeypatch.setenv(config.POLICY_ENV, str(tmp_path / "typo.json"))
    with pytest.raises(InvalidInput, match="does not exist"):
        load_policy()


def test_the_vault_reads_the_machine_policy_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.POLICY_ENV, str(write(tmp_path, {"passphrase_min_length": 30})))
    with Vault(tmp_path / "data", kdf_params=LIGHT_KDF) as vault:
        assert vault.policy.passphrase_min_length == 30
        with pytest.raises(InvalidInput, match="at least 30 characters"):
            vault.create_account("Amira", "peer", PASSPHRASE)


def test_the_example_and_the_schema_describe_every_setting() -> None:
    example = load_policy(ROOT / "installers" / "policy.example.json")
    assert example.team == "Team North"
    schema = json.loads((ROOT / "installers" / "policy.schema.json").read_text("utf-8"))
    assert set(schema["properties"]) - {"$schema"} == {f.name for f in fields(Policy)}
    docs = (ROOT / "docs" / "deployment.md").read_text("utf-8")
    for f in fields(Policy):
        assert f"`{f.name}`" in docs, f.name
        prop = schema["properties"][f.name]
        if f.name in config.BOUNDS:
            assert (prop["minimum"], prop["maximum"]) == config.BOUNDS[f.name]
            assert prop["default"] == getattr(Policy(), f.name)


# -- every setting, where it takes effect ------------------------------------------------------

def test_team_is_fixed_by_policy(tmp_path: Path) -> None:
    policy = policy_from(tmp_path, team="Team North")
    with Vault(tmp_path / "data", kdf_params=LIGHT_KDF, policy=policy) as vault:
        assert vault.team == "Team North"
        vault.set_team("Team North")
        with pytest.raises(NotAllowed, match="set by the trust"):
            vault.set_team("Team South")
        assert vault.team == "Team North"
    with Vault(tmp_path / "other", kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        assert vault.team is None
        vault.set_team("Team South")
        assert vault.team == "Team South"


def test_share_location_accepts_the_forms_it_takes(tmp_path: Path) -> None:
    for location in (r"\\trust-fs01\peerdesk\team-north", "P:\\PeerDesk", "/mnt/peerdesk",
                     "smb://trust-fs01/peerdesk/team-north"):
        assert policy_from(tmp_path, share_location=location).share_location == location
    assert Policy().share_location is None
    with pytest.raises(InvalidInput, match="'share_location'"):
        policy_from(tmp_path, share_location="   ")


def test_share_location_set_by_policy_wins_over_the_device_and_the_command_line(
        tmp_path: Path) -> None:
    trust_share, elsewhere = tmp_path / "trust-share", tmp_path / "usb-stick"
    with Vault(tmp_path / "data", kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        sync.set_share_location(vault, str(elsewhere))  # chosen before IT set the policy
        assert sync.share_location(vault) == str(elsewhere)
    policy = policy_from(tmp_path, share_location=str(trust_share))
    with Vault(tmp_path / "data", kdf_params=LIGHT_KDF, policy=policy) as vault:
        assert sync.share_location(vault) == str(trust_share)
        assert sync.share_location(vault, str(trust_share)) == str(trust_share)
        with pytest.raises(NotAllowed, match="set by the trust"):
            sync.share_location(vault, str(elsewhere))
        with pytest.raises(NotAllowed, match="set by the trust"):
            sync.join_share(vault, str(elsewhere))
        vault.create_account("Amira", "admin", PASSPHRASE)
        desk = sign_in(vault, "Amira", PASSPHRASE)
        with pytest.raises(NotAllowed, match="set by the trust"):
            sync.init_share(desk, str(elsewhere))
        desk.lock()
    assert not elsewhere.exists()  # nothing was written to the other folder


@pytest.mark.parametrize("name", ["auto_lock_minutes", "clipboard_clear_seconds",
                                  "passphrase_min_length", "kdf_memory_mib", "kdf_iterations"])
def test_whole_number_settings_have_bounds(tmp_path: Path, name: str) -> None:
    low, high = config.BOUNDS[name]
    base = {"kdf_memory_mib": 64, "kdf_iterations": 3}
    assert getattr(policy_from(tmp_path, **base | {name: high}), name) == high
    if name not in base:
        assert getattr(policy_from(tmp_path, **{name: low}), name) == low
    for bad in (low - 1, high + 1):
        with pytest.raises(InvalidInput, match=f"'{name}' must be a whole number from {low}"):
            policy_from(tmp_path, **base | {name: bad})
    for wrong in ("10", 10.5, True, None):
        with pytest.raises(InvalidInput, match=f"'{name}' must be a whole number"):
            policy_from(tmp_path, **{name: wrong})


def test_auto_lock_and_clipboard_are_read_for_the_app(tmp_path: Path) -> None:
    policy = policy_from(tmp_path, auto_lock_minutes=2, clipboard_clear_seconds=10)
    assert (policy.auto_lock_minutes, policy.clipboard_clear_seconds) == (2, 10)
    assert (Policy().auto_lock_minutes, Policy().clipboard_clear_seconds) == (5, 30)


def test_passphrase_min_length_applies_to_new_accounts_and_changes(tmp_path: Path) -> None:
    policy = policy_from(tmp_path, passphrase_min_length=20)
    with Vault(tmp_path / "data", kdf_params=LIGHT_KDF, policy=policy) as vault:
        with pytest.raises(InvalidInput, match="at least 20 characters"):
            vault.create_account("Amira", "peer", "nineteen characters")
        vault.create_account("Amira", "peer", "twenty characters ok")
        with pytest.raises(InvalidInput, match="at least 20 characters"):
            vault.change_passphrase("Amira", "twenty characters ok", "too short to accept")
        vault.change_passphrase("Amira", "twenty characters ok", "a new twenty characters")
        sign_in(vault, "Amira", "a new twenty characters").lock()
    with Vault(tmp_path / "data", kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        # With the default of 12, a 12-character passphrase is fine.
        vault.create_account("Tom", "peer", "twelve chars")


def test_allow_remember_me_is_a_true_or_false(tmp_path: Path) -> None:
    assert Policy().allow_remember_me is False
    assert policy_from(tmp_path, allow_remember_me=True).allow_remember_me is True
    for wrong in (1, "yes", None):
        with pytest.raises(InvalidInput, match="'allow_remember_me' must be true or false"):
            policy_from(tmp_path, allow_remember_me=wrong)


def test_escalation_text_replaces_the_default(tmp_path: Path) -> None:
    text = "Ring the duty worker on 4455 now."
    assert policy_from(tmp_path, escalation_text=text).escalation_text == text
    for bad in ("", "  ", "x" * 2001):
        with pytest.raises(InvalidInput, match="'escalation_text'"):
            policy_from(tmp_path, escalation_text=bad)
    with pytest.raises(InvalidInput, match="'escalation_text' must be text"):
        policy_from(tmp_path, escalation_text=["a list"])


def test_recovery_key_can_open_every_new_version(tmp_path: Path) -> None:
    recovery = x25519.X25519PrivateKey.generate()
    public = recovery.public_key().public_bytes_raw()
    policy = policy_from(tmp_path, recovery_public_key=public.hex())
    reader = config.recovery_reader_id(public)
    assert policy.recovery_reader_id == reader and len(reader) <= 36
    with Vault(tmp_path / "data", kdf_params=LIGHT_KDF, policy=policy) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        desk = sign_in(vault, "Amira", PASSPHRASE)
        person = desk.add(Kind.PERSON, {"label": "R"})
        record = desk.add(Kind.REFLECTION, {
            "when": "2026-03-02", "boundary_area": "sharing_lived_experience",
            "what_happened": "recoverable words", "keeping_myself_well": "private words"},
            person_id=person.id)
        desk.update(record.id, dict(record.fields) | {"what_happened": "second version"})
        with vault.store.transaction() as s:
            opened = []
            for ver in s.scalars(select(VersionRow).where(VersionRow.record_id == record.id)
                                 .order_by(VersionRow.version)):
                wrap = s.get(WrapRow, (record.id, ver.version, reader))
                assert wrap is not None and wrap.suite == envelope.HPKE_SUITE
                content_key = envelope.unwrap(
                    wrap.suite, wrap.wrapped, own=desk.keys.own, receive_key=recovery,
                    context=envelope.wrap_context(record.id, ver.vid, reader))
                assert ver.ciphertext is not None
                opened.append(open_fields(content_key, ver.ciphertext, aad=record_aad(
                    record.id, Kind.REFLECTION, ver.vid, desk.user.id)))
        assert [o["what_happened"] for o in opened] == ["recoverable words", "second version"]
        # The peer's private field is sealed with her own key only: never recoverable by IG.
        assert all("keeping_myself_well" not in o for o in opened)
        # The owner reads exactly as before.
        assert desk.get(record.id).fields["what_happened"] == "second version"
        assert desk.check() == []
    with Vault(tmp_path / "plain", kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        vault.create_account("Tom", "peer", PASSPHRASE)
        sign_in(vault, "Tom", PASSPHRASE).add(Kind.PERSON, {"label": "S"})
        with vault.store.transaction() as s:
            assert all(not w.reader_id.startswith("recovery-") for w in s.scalars(select(WrapRow)))


@pytest.mark.parametrize("bad", ["abc", "zz" * 32, "00" * 31, 1234])
def test_recovery_key_must_be_a_public_key(tmp_path: Path, bad: object) -> None:
    with pytest.raises(InvalidInput, match="'recovery_public_key'"):
        policy_from(tmp_path, recovery_public_key=bad)


def test_kdf_strength_is_used_for_new_passphrases(tmp_path: Path) -> None:
    policy = policy_from(tmp_path, **LIGHT_POLICY_KDF)
    with Vault(tmp_path / "data", policy=policy) as vault:  # no test override: the policy rules
        vault.create_account("Amira", "peer", PASSPHRASE)
        vault.change_passphrase("Amira", PASSPHRASE, PASSPHRASE + " two")
        vault.create_account("Tom", "peer", PASSPHRASE)
        with vault.store.transaction() as s:
            from peerdesk.store.models import AccountRow
            params = [KdfParams.from_json(r.kdf) for r in s.scalars(select(AccountRow))]
        assert [(p.memory_kib, p.iterations) for p in params] == [(19 * 1024, 2)] * 2
        assert len({p.salt for p in params}) == 2
    with Vault(tmp_path / "default", policy=Policy()) as vault:
        assert vault._fresh_kdf().memory_kib == 64 * 1024


def test_raising_kdf_strength_reaches_existing_passphrases_at_sign_in(tmp_path: Path) -> None:
    from peerdesk.store.models import AccountRow

    def stored(vault: Vault) -> tuple[int, int]:
        with vault.store.transaction() as s:
            row = s.scalars(select(AccountRow)).one()
            params = KdfParams.from_json(row.kdf)
        return params.memory_kib // 1024, params.iterations

    data = tmp_path / "data"
    with Vault(data, policy=policy_from(tmp_path, **LIGHT_POLICY_KDF)) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        assert stored(vault) == (19, 2)
    with Vault(data, policy=policy_from(tmp_path, kdf_memory_mib=24, kdf_iterations=3)) as vault:
        sign_in(vault, "Amira", PASSPHRASE).lock()
        assert stored(vault) == (24, 3)
        sign_in(vault, "Amira", PASSPHRASE).lock()  # the same passphrase, now under the new key
        assert vault.verify_audit() == []
    with Vault(data, policy=policy_from(tmp_path, kdf_memory_mib=38, kdf_iterations=1)) as vault:
        sign_in(vault, "Amira", PASSPHRASE).lock()
        assert stored(vault) == (38, 3)  # raised where asked, never lowered
    with Vault(data, policy=policy_from(tmp_path, **LIGHT_POLICY_KDF)) as vault:
        sign_in(vault, "Amira", PASSPHRASE).lock()
        assert stored(vault) == (38, 3)


def test_kdf_cannot_be_set_below_the_floor(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="'kdf_memory_mib' x 'kdf_iterations'"):
        policy_from(tmp_path, kdf_memory_mib=19, kdf_iterations=1)


# -- malformed files ----------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "message"), [
    ('{"team": "North",}', r"is not valid JSON \(line 1, column 18\)"),
    ("", r"is not valid JSON \(line 1"),
    ('["team"]', "must be a JSON object"),
    ('{"auto_lock_minute": 5}', "unknown setting 'auto_lock_minute'. Did you mean 'auto_lock_minutes'"),
    ('{"kdf_strength": "high"}', "unknown setting 'kdf_strength'"),
    ('{"auto_lock_minutes": "5"}',
     "'auto_lock_minutes' must be a whole number; the machine policy .* has \"5\""),
    ('{"team": 7}', "'team' must be text"),
])
def test_malformed_files_name_the_problem(tmp_path: Path, raw: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        load_policy(write(tmp_path, None, raw=raw))


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_bytes('{"team": "Équipe"}'.encode("utf-16"))
    with pytest.raises(InvalidInput, match="cannot be read: not UTF-8 text"):
        load_policy(path)


def test_byte_order_mark_and_notes_are_fine(tmp_path: Path) -> None:
    path = write(tmp_path, {"$schema": "./policy.schema.json", "_note": "set by IT, ticket 42",
                            "team": "Team North"}, bom=True)
    assert load_policy(path) == Policy(team="Team North")


def test_a_bad_policy_stops_the_command_line_with_the_field_named(tmp_path: Path) -> None:
    path = write(tmp_path, {"passphrase_min_length": 4})
    result = run_cli(tmp_path / "data", "init", env={config.POLICY_ENV: str(path)})
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        "peerdesk: Policy setting 'passphrase_min_length' must be a whole number from 12 to 128."]
    assert not (tmp_path / "data").exists(), "nothing is created under a bad policy"


def _recovery_tool():  # type: ignore[no-untyped-def]
    import importlib.util

    location = ROOT / "installers" / "tools" / "recovery.py"
    module_spec = importlib.util.spec_from_file_location("peerdesk_recovery_tool", location)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def test_information_governance_can_recover_and_rotate_the_key(tmp_path: Path) -> None:
    tool = _recovery_tool()
    old_public = tool.keygen(tmp_path / "old.pem", b"a long recovery passphrase")
    with pytest.raises(SystemExit, match="never overwritten"):
        tool.keygen(tmp_path / "old.pem", b"a long recovery passphrase")
    old = tool.load_key(tmp_path / "old.pem", b"a long recovery passphrase")
    policy = policy_from(tmp_path, recovery_public_key=old_public)
    data = tmp_path / "data"
    with Vault(data, kdf_params=LIGHT_KDF, policy=policy) as vault:
        vault.create_account("Amira", "peer", PASSPHRASE)
        desk = sign_in(vault, "Amira", PASSPHRASE)
        person = desk.add(Kind.PERSON, {"label": "R"})
        diary = desk.add(Kind.DIARY, {"when": "2026-03-02T09:00", "what_happened": "first"},
                         person_id=person.id)
        desk.update(diary.id, {"when": "2026-03-02T09:00", "what_happened": "second"})
        desk.lock()
    # A leaver's passphrase is gone: IG reads her records with the recovery key.
    found = {r["record_id"]: r for r in tool.records(data, old)}
    assert found[diary.id]["fields"]["what_happened"] == "second"
    assert found[diary.id]["author"] == "Amira" and found[person.id]["fields"] == {"label": "R"}
    history = [r["fields"]["what_happened"]
               for r in tool.records(data, old, record_id=diary.id, every_version=True)]
    assert history == ["first", "second"]
    # Rotation: the new key gets a copy of every key the old one has; then the old can go.
    new_public = tool.keygen(tmp_path / "new.pem", b"another long passphrase")
    assert tool.rewrap(data, old, bytes.fromhex(new_public)) == 3
    assert tool.rewrap(data, old, bytes.fromhex(new_public)) == 0  # idempotent
    new = tool.load_key(tmp_path / "new.pem", b"another long passphrase")
    assert {r["record_id"] for r in tool.records(data, new)} == {person.id, diary.id}
    with Vault(data, kdf_params=LIGHT_KDF, policy=Policy()) as vault:
        assert sign_in(vault, "Amira", PASSPHRASE).check() == []
