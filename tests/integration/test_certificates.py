"""When an account certificate holds (peerdesk/sync/certs.py), on a real data folder: the
anchor's own, a second administrator's, a file from before issuers were named; and when it
does not: self-made under an anchor, an issuer who is not an administrator, a removed one,
a loop of issuers, another team."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Role
from peerdesk.errors import InvalidInput, NotAllowed
from peerdesk.services import Vault, membership
from peerdesk.services.desk import sign_in
from peerdesk.sync import certs
from peerdesk.sync import format as fmt
from peerdesk.sync.changes import iso
from tests.conftest import LIGHT_KDF, PASSPHRASE


def _office(tmp_path: Path) -> Vault:
    vault = Vault(tmp_path / "office", kdf_params=LIGHT_KDF)
    vault.create_account("Ida", "admin", PASSPHRASE)
    for name, role in (("Ines", "admin"), ("Grace", "coordinator"), ("Amira", "peer")):
        vault.create_account(name, role, PASSPHRASE)
    ida = sign_in(vault, "Ida", PASSPHRASE)
    for name in ("Ines", "Grace", "Amira"):
        membership.approve(ida, name)
    return vault


def _held(vault: Vault) -> tuple[dict[str, certs.Cert], certs.Anchor, dict[str, str]]:
    with vault.store.begin() as conn:
        standing = certs.standings(conn)
        anchor = certs.anchor(conn)
    assert anchor is not None
    return ({i: s.cert for i, s in standing.items() if s.cert is not None}, anchor,
            {s.account.name: i for i, s in standing.items()})


def _signed(cert: certs.Cert, keys: UserKeys, **changes: object) -> certs.Cert:
    return certs.parse(fmt.seal_doc("account", {
        k: v for k, v in cert.signed.items() if k not in {"format", "kind"}} | changes,
        keys.sign))


def test_the_chain_from_the_anchor(tmp_path: Path) -> None:
    vault = _office(tmp_path)
    held, anchor, ids = _held(vault)
    assert all(certs.holds(held, anchor, i) is None for i in held)
    ines = sign_in(vault, "Ines", PASSPHRASE)
    # A second administrator's certificate vouches for what she signs.
    grace = held[ids["Grace"]]
    by_ines = _signed(grace, ines.keys, issuer=ids["Ines"], serial=grace.serial + 1)
    assert certs.holds(held | {grace.id: by_ines}, anchor, grace.id) is None
    # A file from before issuers were named is the anchor's.
    ida = sign_in(vault, "Ida", PASSPHRASE)
    legacy = certs.parse(fmt.seal_doc("account", {
        k: v for k, v in grace.signed.items()
        if k not in {"format", "kind", "issuer", "status", "serial"}}, ida.keys.sign))
    assert (legacy.issuer, legacy.status, legacy.serial) == (None, "active", 0)
    assert certs.holds(held | {grace.id: legacy}, anchor, grace.id) is None
    vault.close()


def test_what_does_not_hold(tmp_path: Path) -> None:
    vault = _office(tmp_path)
    held, anchor, ids = _held(vault)
    amira, grace = held[ids["Amira"]], held[ids["Grace"]]
    keys = {n: sign_in(vault, n, PASSPHRASE).keys for n in ("Amira", "Grace", "Ines")}
    # Made by herself, where there is an administrator: it waits.
    own = _signed(amira, keys["Amira"], issuer=amira.id, role="coordinator")
    assert certs.holds(held | {amira.id: own}, anchor, amira.id) == certs.PENDING
    # Signed by a coordinator.
    by_grace = _signed(amira, keys["Grace"], issuer=grace.id, role="coordinator")
    assert "not an administrator" in str(certs.holds(held | {amira.id: by_grace}, anchor,
                                                     amira.id))
    # Signed by an administrator who was removed.
    ines = held[ids["Ines"]]
    ida = sign_in(vault, "Ida", PASSPHRASE)
    gone = _signed(ines, ida.keys, status="removed", serial=ines.serial + 1,
                   issued=iso(vault.clock()))
    by_ines = _signed(amira, keys["Ines"], issuer=ines.id)
    assert "not an administrator" in str(certs.holds(
        held | {ines.id: gone, amira.id: by_ines}, anchor, amira.id))
    # Two administrators vouching for each other, neither from the anchor.
    loop_a = _signed(ines, keys["Ines"], issuer=grace.id, role="admin")
    loop_b = _signed(grace, keys["Grace"], issuer=ines.id, role="admin")
    assert certs.holds(held | {ines.id: loop_a, grace.id: loop_b}, anchor, grace.id) is not None
    # Another team's.
    other = _signed(amira, ida.keys, team="another-team")
    assert certs.holds(held | {amira.id: other}, anchor, amira.id) is not None
    vault.close()


def test_a_removed_administrators_approvals_are_signed_again(tmp_path: Path) -> None:
    vault = _office(tmp_path)
    vault.create_account("Nell", "peer", PASSPHRASE)
    ines = sign_in(vault, "Ines", PASSPHRASE)
    membership.approve(ines, "Nell")
    ida = sign_in(vault, "Ida", PASSPHRASE)
    membership.remove(ida, "Ines")
    nell = vault.account("Nell")
    assert (nell.role, nell.status) == (Role.PEER, "active")  # signed again by Ida
    assert vault.account("Ines").status == "removed"
    assert vault.account_problems() == []
    vault.close()


def test_a_waiting_account_can_be_turned_down(tmp_path: Path) -> None:
    vault = _office(tmp_path)
    vault.create_account("Mallory", "coordinator", PASSPHRASE)
    ida = sign_in(vault, "Ida", PASSPHRASE)
    with pytest.raises(InvalidInput, match="approve it first"):
        membership.set_role(ida, "Mallory", "peer")
    turned_down = membership.remove(ida, "Mallory")
    assert (turned_down.role, turned_down.status) == (Role.COORDINATOR, "removed")
    with pytest.raises(NotAllowed, match="removed from the team"):
        sign_in(vault, "Mallory", PASSPHRASE)
    vault.close()
