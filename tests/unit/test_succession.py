"""Which change of root administrator wins when several compete for one place in the chain:
the same answer on every device, whatever order the steps arrive in."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from types import SimpleNamespace

from peerdesk.crypto.keys import UserKeys
from peerdesk.domain import Role
from peerdesk.sync import certs, succession

TEAM = str(uuid.uuid4())


def person() -> tuple[str, UserKeys]:
    return str(uuid.uuid4()), UserKeys.generate()


def admin_cert(who: tuple[str, UserKeys], by: tuple[str, UserKeys], *, serial: int = 1,
               status: str = "active", role: Role = Role.ADMIN) -> certs.Cert:
    row = SimpleNamespace(id=who[0], name="X", created_at=datetime(2026, 1, 1), kdf="{}",
                          secrets=b"", receive_public=who[1].public().receive,
                          verify_public=who[1].public().verify, keys_doc=None)
    return certs.parse(certs.issue(row, team_id=TEAM, role=role, status=status, serial=serial,
                                   issuer_id=by[0], sign=by[1].sign, now=datetime(2026, 1, 2)))


def step(how: str, root: tuple[str, UserKeys], to: tuple[str, UserKeys], day: int,
         proof: list[bytes] | None = None) -> succession.Step:
    signer = root if how == succession.HAND_OVER else to
    return succession.parse(succession.build(
        team_id=TEAM, n=1, prev="", from_id=root[0], from_key=root[1].public().verify,
        to_id=to[0], to_key=to[1].public().verify, how=how, now=datetime(2026, 2, day),
        sign=signer[1].sign, proof=proof or []))


def test_a_hand_over_beats_take_overs_and_the_earlier_take_over_beats_the_later() -> None:
    ida, sam, ines = person(), person(), person()
    key = ida[1].public().verify
    handed = step(succession.HAND_OVER, ida, ines, 9)
    sam_took = step(succession.TAKE_OVER, ida, sam, 3, [admin_cert(sam, ida).raw])
    ines_took = step(succession.TAKE_OVER, ida, ines, 4, [admin_cert(ines, ida).raw])
    for order in itertools.permutations([handed, sam_took, ines_took]):
        assert succession.resolve(TEAM, key, order).chain == [handed]
    for order in itertools.permutations([sam_took, ines_took]):
        resolved = succession.resolve(TEAM, key, order)
        assert resolved.chain == [sam_took]
        assert "another change of root administrator was chosen" in resolved.refused[
            ines_took.raw]


def test_a_take_over_needs_an_administrator_the_root_had_not_removed() -> None:
    ida, sam, tom = person(), person(), person()
    key = ida[1].public().verify
    as_peer = step(succession.TAKE_OVER, ida, tom, 3,
                   [admin_cert(tom, ida, role=Role.PEER).raw])
    assert "was not an active administrator" in succession.resolve(
        TEAM, key, [as_peer]).refused[as_peer.raw]
    # Signed by someone else than the root: the proof does not lead back to her.
    by_tom = step(succession.TAKE_OVER, ida, sam, 3, [admin_cert(sam, tom).raw])
    assert "does not lead back" in succession.resolve(TEAM, key, [by_tom]).refused[by_tom.raw]
    # Sam was an administrator, then Ida removed him; he takes over with his older certificate.
    older = admin_cert(sam, ida)
    newer = admin_cert(sam, ida, serial=2, status="removed")
    stale = step(succession.TAKE_OVER, ida, sam, 3, [older.raw])

    def removed_by(account: str, root_key: bytes, proof: certs.Cert) -> bool:
        return (account == sam[0] and newer.order > proof.order
                and certs.signed_by_key(newer, root_key))

    resolved = succession.resolve(TEAM, key, [stale], removed_by)
    assert not resolved.chain and "had removed the one taking over" in resolved.refused[stale.raw]
    assert succession.resolve(TEAM, key, [stale]).chain == [stale]
