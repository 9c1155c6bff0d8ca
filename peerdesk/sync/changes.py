"""What a changeset carries, as typed changes with real names; and the one place that turns
them into the share's wire format (format version 1's one-letter keys, docs/sync-protocol.md)
and back. Reading a change checks every field, so what reaches the store is well formed: a
changeset with any malformed change is set aside whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peerdesk.domain import Kind
from peerdesk.domain import hlc as clock
from peerdesk.store.records import Wrap
from peerdesk.sync import format as fmt


@dataclass(frozen=True)
class VersionChange:
    """A record version (or a deletion), sealed as stored, with every wrap of its key."""

    record_id: str
    kind: Kind
    author_id: str
    person_id: str | None
    created_at: datetime
    vid: str
    hlc: str
    device_id: str
    parents: tuple[str, ...]
    saved_at: datetime
    tombstone: bool
    suite: str
    ciphertext: bytes | None
    private_ciphertext: bytes | None
    keys: tuple[Wrap, ...]


@dataclass(frozen=True)
class KeyChange:
    """One more reader of a version (read from older changesets; writers now send the version
    again for the new reader instead)."""

    record_id: str
    vid: str
    key: Wrap


@dataclass(frozen=True)
class SharingChange:
    """Sharing with a reader switched on or off; the newest switch by clock wins."""

    record_id: str
    reader_id: str
    on: bool
    hlc: str


@dataclass(frozen=True)
class ErasureChange:
    """A person withdrew (or one record was disposed of): erase everything about them."""

    person_id: str
    record_ids: tuple[str, ...]  # the ids the author's device knew then
    hlc: str


Change = VersionChange | KeyChange | SharingChange | ErasureChange


# -- out ------------------------------------------------------------------------------------------

def iso(at: datetime) -> str:
    return at.isoformat()


def to_wire(change: Change) -> dict[str, Any]:
    match change:
        case VersionChange():
            return {"t": "v", "r": change.record_id, "k": change.kind.value,
                    "a": change.author_id, "p": change.person_id, "c": iso(change.created_at),
                    "vid": change.vid, "hlc": change.hlc, "dev": change.device_id,
                    "par": list(change.parents), "at": iso(change.saved_at),
                    "tomb": change.tombstone, "suite": change.suite,
                    "ct": _b64(change.ciphertext), "pct": _b64(change.private_ciphertext),
                    "w": [[k.reader_id, k.suite, fmt.b64(k.wrapped)] for k in change.keys]}
        case KeyChange():
            return {"t": "w", "r": change.record_id, "vid": change.vid, "rd": change.key.reader_id,
                    "s": change.key.suite, "x": fmt.b64(change.key.wrapped)}
        case SharingChange():
            return {"t": "r", "r": change.record_id, "rd": change.reader_id, "on": change.on,
                    "hlc": change.hlc}
        case ErasureChange():
            return {"t": "e", "p": change.person_id, "ids": list(change.record_ids),
                    "hlc": change.hlc}


def _b64(data: bytes | None) -> str | None:
    return None if data is None else fmt.b64(data)


# -- in -------------------------------------------------------------------------------------------

def from_wire(entry: dict[str, Any]) -> Change:
    """A change as it came out of a verified, decrypted changeset; raises Tampered."""
    match entry.get("t"):
        case "v":
            return _version(entry)
        case "w":
            return KeyChange(ident(entry, "r"), fmt.field(entry, "vid", str), Wrap(
                ident(entry, "rd"), fmt.field(entry, "s", str)[:64], fmt.unb64(entry.get("x"))))
        case "r":
            return SharingChange(ident(entry, "r"), ident(entry, "rd"),
                                 fmt.field(entry, "on", bool), fmt.field(entry, "hlc", str))
        case "e":
            listed = tuple(str(i) for i in fmt.field(entry, "ids", list) if isinstance(i, str))
            return ErasureChange(ident(entry, "p"), listed, fmt.field(entry, "hlc", str))
    raise fmt.Tampered("it holds an entry of an unknown type")


_KINDS = {k.value: k for k in Kind}


def _version(e: dict[str, Any]) -> VersionChange:
    record_id, vid = ident(e, "r"), fmt.field(e, "vid", str)
    author = e.get("a")
    kind = _KINDS.get(fmt.field(e, "k", str))
    if kind is None:
        raise fmt.Tampered("it holds a record of an unknown kind")
    person = e.get("p")
    if person is not None and not isinstance(person, str):
        raise fmt.Tampered("a record's person is damaged")
    reading = fmt.field(e, "hlc", str)
    if not clock.sane(reading) or len(vid) > 64:
        raise fmt.Tampered("a version's clock reading is damaged")
    parents = fmt.field(e, "par", list)
    if not all(isinstance(p, str) and " " not in p for p in parents):
        raise fmt.Tampered("a version's parents are damaged")
    ct, pct = e.get("ct"), e.get("pct")
    tombstone = bool(e.get("tomb"))
    if ct is None and not tombstone:
        raise fmt.Tampered("a version in it has no content")
    return VersionChange(
        record_id, kind,
        # Not an id check: a version whose author is not the signer is refused by name.
        author if isinstance(author, str) else "",
        None if kind is Kind.PERSON else person, parse_time(e.get("c")), vid, reading,
        fmt.field(e, "dev", str)[:36], tuple(parents), parse_time(e.get("at")), tombstone,
        fmt.field(e, "suite", str)[:32], fmt.unb64(ct) if ct is not None else None,
        fmt.unb64(pct) if pct is not None else None,
        tuple(_key(w) for w in fmt.field(e, "w", list)))


def _key(w: Any) -> Wrap:
    if not (isinstance(w, list) and len(w) == 3 and isinstance(w[0], str)
            and isinstance(w[1], str) and 0 < len(w[0]) <= 36):
        raise fmt.Tampered("a wrapped key is damaged")
    return Wrap(w[0], w[1][:64], fmt.unb64(w[2]))


def parse_time(text: Any) -> datetime:
    try:
        return datetime.fromisoformat(fmt.field({"x": text}, "x", str))
    except ValueError:
        raise fmt.Tampered("a time in it is damaged") from None


def ident(obj: dict[str, Any], name: str) -> str:
    value = fmt.field(obj, name, str)
    if not 0 < len(value) <= 36:
        raise fmt.Tampered(f"its field {name!r} is not an id")
    return str(value)
