"""Root administrator succession: the team's anchor moves from one administrator to another
by signed steps, ``succession/<n>.<signer-id>.json`` on the share (kind ``succession``).

Every device pins the manifest's key once; the root it trusts now is found by walking the
steps from that key, each one naming the step before it by digest:

- a **hand-over** is signed by the root it hands over from (she is there to do it);
- a **take-over** is signed by an administrator whose own certificate, carried in the step
  (``proof``: hers, then her issuer's, up to one the outgoing root signed), shows she was an
  active administrator under that root. It is for a root gone for good (a lost laptop): the
  taker removes her in the same action, and what she had signed is signed again.

When two steps compete at one place in the chain, a hand-over comes before any take-over (the
root's own word wins while she holds her key), then the earlier ``issued``, then the lower
digest of the file: the same answer on every device, whatever order they arrived in. A
take-over is also refused when this device holds a newer certificate, signed by that very
root, that no longer makes the taker an active administrator (she was removed first).

This module is pure: parsing, building and choosing the chain. Reading and writing the share
is in trust.py and engine.py; the chain a device holds is in its settings.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import Connection

from peerdesk.domain import Role
from peerdesk.store import settings
from peerdesk.sync import certs
from peerdesk.sync import format as fmt
from peerdesk.sync.changes import iso

KIND = "succession"
FOLDER = "succession"
HAND_OVER, TAKE_OVER = "hand-over", "take-over"
NAME = re.compile(rf"(\d{{10}})\.({fmt.UUID})\.json\Z")
CHAIN_KEY = "share_succession"  # settings: the chain this device holds, oldest first
MAX_PROOF = 16
MAX_STEPS = 10_000


@dataclass(frozen=True)
class Step:
    raw: bytes
    signed: dict[str, Any]
    sig: bytes
    team: str
    n: int
    prev: str
    from_id: str
    from_key: bytes
    to_id: str
    to_key: bytes
    how: str
    issued: str
    proof: tuple[bytes, ...]

    @property
    def signer(self) -> str:
        return self.from_id if self.how == HAND_OVER else self.to_id

    @property
    def name(self) -> str:
        return f"{self.n:010d}.{self.signer}.json"

    @property
    def digest(self) -> str:
        return fmt.digest(self.raw)


def file_name(n: int, signer: str) -> str:
    return f"{n:010d}.{signer}.json"


def parse(data: bytes) -> Step:
    """Raises ``fmt.Tampered`` or ``fmt.NewerFormat``; run it inside ``fmt.boundary``."""
    signed, sig = fmt.parse_doc(data, KIND)
    n = fmt.field(signed, "n", int)
    if not 1 <= n <= MAX_STEPS:
        raise fmt.Tampered("its place in the chain is out of bounds")
    prev = fmt.field(signed, "prev", str)
    if not (prev == "" if n == 1 else re.fullmatch(r"[0-9a-f]{64}", prev)):
        raise fmt.Tampered("it does not name the step before it")
    how = fmt.field(signed, "how", str)
    if how not in {HAND_OVER, TAKE_OVER}:
        raise fmt.Tampered("it is neither a hand-over nor a take-over")
    ids = [fmt.field(signed, k, str) for k in ("team", "from", "to")]
    if not all(re.fullmatch(fmt.UUID, i) for i in ids) or ids[1] == ids[2]:
        raise fmt.Tampered("its team or accounts are damaged")
    from_key, to_key = fmt.unb64(signed.get("from_key")), fmt.unb64(signed.get("to_key"))
    if len(from_key) != 32 or len(to_key) != 32 or from_key == to_key:
        raise fmt.Tampered("its keys are damaged")
    proof: tuple[bytes, ...] = ()
    if how == TAKE_OVER:
        listed = fmt.field(signed, "proof", list)
        if not 1 <= len(listed) <= MAX_PROOF:
            raise fmt.Tampered("its proof is missing or too long")
        proof = tuple(fmt.unb64(p) for p in listed)
    elif "proof" in signed:
        raise fmt.Tampered("a hand-over carries no proof")
    return Step(data, signed, sig, ids[0], n, prev, ids[1], from_key, ids[2], to_key, how,
                fmt.field(signed, "issued", str), proof)


def build(*, team_id: str, n: int, prev: str, from_id: str, from_key: bytes, to_id: str,
          to_key: bytes, how: str, now: datetime, sign: Callable[[bytes], bytes],
          proof: Iterable[bytes] = ()) -> bytes:
    body: dict[str, Any] = {
        "team": team_id, "n": n, "prev": prev, "from": from_id, "from_key": fmt.b64(from_key),
        "to": to_id, "to_key": fmt.b64(to_key), "how": how, "issued": iso(now)}
    if how == TAKE_OVER:
        body["proof"] = [fmt.b64(p) for p in proof]
    return fmt.seal_doc(KIND, body, sign)


# -- choosing the chain -----------------------------------------------------------------------

@dataclass
class Resolved:
    chain: list[Step]
    refused: dict[bytes, str]  # a step's bytes -> why it is not in the chain

    @property
    def root_key(self) -> bytes | None:
        return self.chain[-1].to_key if self.chain else None


def resolve(team_id: str, original: bytes, pool: Iterable[Step],
            removed_by: Callable[[str, bytes, certs.Cert], bool] = lambda *_: False) -> Resolved:
    """The chain from the pinned key through the steps in ``pool`` (held here and read from
    the share), and why every other step is not in it. ``removed_by(account, root_key,
    proof_cert)`` says whether this device holds a newer certificate of ``account``, signed
    by ``root_key``, that no longer makes her an active administrator."""
    by_place: dict[int, dict[bytes, Step]] = {}
    for s in pool:
        by_place.setdefault(s.n, {})[s.raw] = s
    chain: list[Step] = []
    refused: dict[bytes, str] = {}
    key, prev, last_to = original, "", None
    n = 1
    while n in by_place:
        problems = {s.raw: _problem(s, team_id, key, prev, last_to, removed_by)
                    for s in by_place[n].values()}
        refused |= {raw: why for raw, why in problems.items() if why is not None}
        valid = [s for s in by_place[n].values() if problems[s.raw] is None]
        if not valid:
            break
        best = min(valid, key=lambda s: (s.how != HAND_OVER, s.issued, s.digest))
        for s in valid:
            if s is not best:
                refused[s.raw] = (f"another change of root administrator was chosen at step {n} "
                                  "(a hand-over before a take-over, then the earlier)")
        chain.append(best)
        key, prev, last_to, n = best.to_key, best.digest, best.to_id, n + 1
    for place, steps in by_place.items():
        for raw in steps:
            if place >= n and raw not in refused:
                refused[raw] = "it does not follow on from the team's chain of root administrators"
    return Resolved(chain, refused)


def _problem(s: Step, team_id: str, key: bytes, prev: str, last_to: str | None,
             removed_by: Callable[[str, bytes, certs.Cert], bool]) -> str | None:
    if s.team != team_id:
        return "it belongs to another team"
    if s.prev != prev:
        return "it does not follow on from the team's chain of root administrators"
    if s.from_key != key or (last_to is not None and s.from_id != last_to):
        return "it hands over from someone who was not the root administrator then"
    signer_key = s.from_key if s.how == HAND_OVER else s.to_key
    try:
        fmt.check_signature(KIND, s.signed, s.sig, signer_key)
    except fmt.Tampered:
        return ("it is not signed by the root administrator it hands over from"
                if s.how == HAND_OVER else "it is not signed by the administrator it names")
    if s.how == TAKE_OVER:
        return _proof_problem(s, team_id, key, removed_by)
    return None


def _proof_problem(s: Step, team_id: str, key: bytes,
                   removed_by: Callable[[str, bytes, certs.Cert], bool]) -> str | None:
    try:
        proof = [fmt.boundary(partial(certs.parse, p)) for p in s.proof]
    except (fmt.Tampered, fmt.NewerFormat):
        return "its proof of administration is damaged"
    first = proof[0]
    if first.id != s.to_id or first.verify_public != s.to_key:
        return "its proof is not the taker's certificate"
    for i, cert in enumerate(proof):
        if cert.team != team_id or cert.role is not Role.ADMIN or cert.status != "active":
            return "the one taking over was not an active administrator of this team"
        last = i == len(proof) - 1
        signer_id = s.from_id if last else proof[i + 1].id
        signer_key = key if last else proof[i + 1].verify_public
        if cert.issuer != signer_id or not certs.signed_by_key(cert, signer_key):
            return "its proof does not lead back to the root administrator"
    if removed_by(s.to_id, key, first):
        return ("the root administrator had removed the one taking over, or changed her role, "
                "before it")
    return None


# -- the chain this device holds --------------------------------------------------------------

def held(conn: Connection) -> list[Step]:
    text = settings.get(conn, CHAIN_KEY)
    if not text:
        return []
    return [_parsed(base64.b64decode(t)) for t in json.loads(text)]


def keep(conn: Connection, chain: list[Step]) -> None:
    """The chain, and the roots' keys it leads through (what ``certs.anchor`` reads)."""
    settings.put(conn, CHAIN_KEY, json.dumps([fmt.b64(s.raw) for s in chain]))
    certs.set_successors(conn, [s.to_key for s in chain])


@lru_cache(maxsize=256)
def _parsed(raw: bytes) -> Step:
    return fmt.boundary(partial(parse, raw))
