"""Files on the share: the team manifest, signed accounts, and signed, encrypted changesets.

See docs/sync-protocol.md. Every file is one canonical JSON object
``{"signed": {...}, "sig": "<base64 Ed25519>"}``. A changeset's plaintext header says only who
wrote it, where, and its place in the author's sequence (no clock reading since format 4);
what it carries is in sections sealed with AES-256-GCM, each section's key wrapped for its
readers (the author with her own key, a coordinator with HPKE). Since format 4 every section
is padded (its body to a size bucket, its wraps to a multiple of WRAP_SLOTS with decoys) and
a changeset has a power of two of them, at least two, so someone browsing the share learns
neither when each change was saved, nor how many read it, nor its length beyond the bucket.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from peerdesk import strict_json
from peerdesk.crypto import aead, envelope
from peerdesk.crypto.keys import UserKeys, verify
from peerdesk.domain import hlc
from peerdesk.errors import DecryptionFailed, EnvironmentProblem, IntegrityProblem, InvalidInput

FORMAT = 1
# A snapshot too large for one file is written in parts, with format 2 on the snapshot and its
# parts: a PeerDesk that reads only format 1 leaves it where it is rather than taking in a part
# of it. Everything else is written as format 1; both are read.
PARTED_FORMAT = 2
# Changesets, snapshots and parts written since less metadata went on the share: no clock
# reading in clear, sections padded (see build_changeset). Formats 1 and 2 are still read; a
# PeerDesk from before leaves these where they are ("update PeerDesk").
PADDED_FORMAT = 4
STREAM_KINDS = frozenset({"changeset", "snapshot", "part"})
# An account certificate signed by an administrator other than the one whose key the manifest
# names has format 3: a PeerDesk from before second administrators would find its signature
# wrong and move it aside for everyone; a newer format it leaves where it is.
DELEGATED_FORMAT = 3
# After the root administrator's role passed to another (succession.py), every certificate
# has format 4: a PeerDesk from before successions would take the new root for a stranger.
# So does a certificate without sealed keys (the account's are in keys/), which a PeerDesk
# from before could not enrol from.
SUCCEEDED_FORMAT = 4
# A certificate that grants a duty (``duties``: the information governance duty) has format 5:
# a PeerDesk from before duties would take the account in without it, and a duty is a grant
# of access, so it leaves the file where it is ("update PeerDesk") rather than half-read it.
DUTIES_FORMAT = 5
MANIFEST = "peerdesk-share.json"
ACCOUNTS, DEVICES, QUARANTINE = "accounts", "devices", "quarantine"
# A changeset holds at most this many entries, so no file comes near the size limit.
MAX_ENTRIES = 2000
MAX_FILE = 64 * 1024 * 1024
MAX_SMALL_FILE = 1024 * 1024  # manifest and accounts
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Names are matched whole (``fullmatch``; ``\Z``, as ``$`` also matches before a final newline).
CHANGESET_NAME = re.compile(rf"({UUID})\.(\d{{10}})\.pdk\Z")
SNAPSHOT_NAME = re.compile(rf"({UUID})\.(\d{{10}})\.snap\.pdk\Z")
PART_NAME = re.compile(rf"({UUID})\.(\d{{10}})\.([0-9a-f]{{16}})\.part\.pdk\Z")
ACCOUNT_NAME = re.compile(rf"({UUID})\.json\Z")
DEVICE_NAME = re.compile(rf"{UUID}\Z")


class Tampered(IntegrityProblem):
    """A share file that fails its signature, decryption or parsing."""


class NewerFormat(EnvironmentProblem):
    """A share file written by a newer PeerDesk: left where it is, never set aside."""

    def __init__(self, found: int) -> None:
        self.found = found
        super().__init__(f"it uses share format {found}; a newer PeerDesk wrote it")


NEWER_ADVICE = "A newer PeerDesk wrote this; update PeerDesk to read it."
T = TypeVar("T")


def boundary(parse: Callable[[], T]) -> T:
    """The one boundary every byte read from the share passes: ``parse`` turns them into
    checked values. Tampered and NewerFormat say what is wrong; any other exception inside it
    (whatever hostile bytes managed to break) becomes Tampered too, so the caller sets that
    one file aside and the sync goes on."""
    try:
        return parse()
    except (Tampered, NewerFormat):
        raise
    except InvalidInput as exc:
        raise Tampered(_reason(str(exc))) from None
    except Exception as exc:  # noqa: BLE001 - any failure on hostile bytes sets the file aside
        raise Tampered(f"it could not be read ({type(exc).__name__})") from None


def _reason(sentence: str) -> str:
    """A strict_json sentence as a clause: "It is nested …." -> "it is nested …"."""
    return sentence[:1].lower() + sentence[1:].rstrip(".")


def load(data: bytes) -> Any:
    """Share bytes as JSON, within strict_json's limits; raises Tampered."""
    try:
        return strict_json.loads(data)
    except InvalidInput as exc:
        raise Tampered(_reason(str(exc))) from None


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# A C call holds the interpreter lock from start to end: a section's body (megabytes of
# base64) is decoded and encoded a slice at a time, so a save on the database thread waits for
# one slice, never for the whole body. The result is byte for byte the same.
_SLICE = 1 << 18  # a multiple of 4 (base64's quantum)


def unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise Tampered("a field that should be binary is not")
    try:
        # Strict: only the alphabet, and padding only where it belongs (at the very end).
        if len(text) <= _SLICE:
            return binascii.a2b_base64(text, strict_mode=True)
        if "=" in text[:-2]:
            raise binascii.Error("padding inside")
        return b"".join(binascii.a2b_base64(text[i:i + _SLICE], strict_mode=True)
                        for i in range(0, len(text), _SLICE))
    except (binascii.Error, ValueError):
        raise Tampered("a binary field is damaged") from None


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def canonical(obj: Any) -> bytes:
    """Sorted keys, no spaces, ASCII: what is signed and what is sealed."""
    return "".join(_canonical(obj)).encode()


def _canonical(obj: Any) -> list[str]:
    """``_dumps(obj)`` in pieces: a long string a slice at a time, and a container's items
    each on their own (a container of many small items, such as a section's entries, each
    whole)."""
    if isinstance(obj, str):
        if len(obj) <= _SLICE:
            return [_dumps(obj)]
        return ['"', *(_dumps(obj[i:i + _SLICE])[1:-1] for i in range(0, len(obj), _SLICE)),
                '"']
    if isinstance(obj, dict) and len(obj) <= 64 and all(isinstance(k, str) for k in obj):
        out = ["{"]
        for n, key in enumerate(sorted(obj)):
            out += [("," if n else "") + _dumps(key) + ":", *_canonical(obj[key])]
        return [*out, "}"]
    if isinstance(obj, (list, tuple)):
        out = ["["]
        for n, item in enumerate(obj):
            if n:
                out.append(",")
            out += _canonical(item) if len(obj) <= 64 else [_dumps(item)]
        return [*out, "]"]
    return [_dumps(obj)]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fingerprint(public_key: bytes) -> str:
    """What the admin reads out and others compare: 64 bits, in groups of four."""
    h = hashlib.sha256(b"peerdesk/admin-key|" + public_key).hexdigest()[:16]
    return " ".join(h[i:i + 4] for i in range(0, 16, 4))


def _context(kind: str) -> bytes:
    return f"peerdesk/{kind}/v1|".encode()  # the signing context has not changed since v1


def seal_doc(kind: str, body: dict[str, Any], sign: Callable[[bytes], bytes], *,
             format_: int = FORMAT) -> bytes:
    signed = body | {"format": format_, "kind": kind}
    return canonical({"signed": signed, "sig": b64(sign(_context(kind) + canonical(signed)))})


def parse_doc(data: bytes, kind: str) -> tuple[dict[str, Any], bytes]:
    """The signed part and its signature, not yet verified."""
    doc = load(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("signed"), dict):
        raise Tampered("it is not a PeerDesk file")
    signed = doc["signed"]
    found = signed.get("format")
    # Anything above the newest format this PeerDesk writes of that kind is a newer PeerDesk's.
    newest = (DUTIES_FORMAT if kind == "account" else PADDED_FORMAT if kind in STREAM_KINDS
              else FORMAT)
    if isinstance(found, int) and not isinstance(found, bool) and found > newest:
        # Before anything else about it: a newer PeerDesk may have changed the rest.
        raise NewerFormat(found)
    if found != FORMAT and not (found == PARTED_FORMAT and kind in {"snapshot", "part"}) \
            and not (found == PADDED_FORMAT and kind in STREAM_KINDS) \
            and not (found in {DELEGATED_FORMAT, SUCCEEDED_FORMAT, DUTIES_FORMAT}
                     and kind == "account"):
        raise Tampered(f"it uses share format {found!r}, which no PeerDesk wrote")
    if signed.get("kind") != kind:
        raise Tampered(f"it is not a {kind} file")
    return signed, unb64(doc.get("sig"))


def check_signature(kind: str, signed: dict[str, Any], sig: bytes, public_key: bytes) -> None:
    if not verify(public_key, sig, _context(kind) + canonical(signed)):
        raise Tampered("its signature does not match")


def field(obj: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = obj.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise Tampered(f"its field {name!r} is missing or of the wrong type")
    return value


# -- changesets -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Header:
    team_id: str
    device_id: str
    author_id: str
    seq: int
    prev: str


# Padding (format 4). A section's plaintext (the canonical JSON list of its entries) is padded
# with spaces to the next power of two from BODY_MIN up to BODY_STEP, then to a whole number of
# BODY_STEP; its HPKE wraps with decoys (real HPKE to a key nobody keeps) to the same multiple
# of WRAP_SLOTS in every section of the file; and a changeset carries a power of two of
# sections, at least MIN_SECTIONS, the extra ones empty and sealed for the author alone.
BODY_MIN = 4096
BODY_STEP = 1024 * 1024
WRAP_SLOTS = 8
MIN_SECTIONS = 2


def padded_size(length: int) -> int:
    """The bucket a section's plaintext of ``length`` bytes is padded to."""
    if length <= BODY_MIN:
        return BODY_MIN
    if length <= BODY_STEP:
        return 1 << (length - 1).bit_length()
    return -(-length // BODY_STEP) * BODY_STEP


def _section_count(real: int) -> int:
    return max(MIN_SECTIONS, 1 << max(real - 1, 0).bit_length())


def _section_aad(h: Header, index: int) -> bytes:
    return canonical(["peerdesk/section/v1", h.team_id, h.device_id, h.author_id, h.seq, index])


def _section_wrap_context(h: Header, index: int, reader: str) -> bytes:
    return canonical(["peerdesk/section-key/v1", h.team_id, h.device_id, h.author_id, h.seq,
                      index, reader])


def build_changeset(h: Header, sections: Sequence[tuple[Sequence[tuple[str, bytes]],
                                                        list[dict[str, Any]]]],
                    keys: UserKeys, *, kind: str = "changeset", last: str | None = None,
                    extra: dict[str, Any] | None = None) -> bytes:
    """``sections``: (readers as (account id, X25519 public key), entries). The author always
    reads her own sections, through her own key. A snapshot (``kind="snapshot"``) stands
    for changesets 1..seq and carries ``last``, the digest of changeset ``seq``, so the
    chain goes on after it. A snapshot in parts names its parts in ``extra`` and has no
    sections; each part is ``kind="part"``. Written as format 4: padded, no clock reading."""
    groups = list(sections)
    if not (extra and "parts" in extra):
        groups += [((), [])] * (_section_count(len(groups)) - len(groups))
    # Every section of a file has as many HPKE wraps: the most readers any section has
    # besides the author, rounded up to a multiple of WRAP_SLOTS (at least WRAP_SLOTS).
    most = max((sum(r != h.author_id for r, _ in readers) for readers, _ in groups), default=0)
    slots = max(WRAP_SLOTS, -(-most // WRAP_SLOTS) * WRAP_SLOTS)
    out = []
    for index, (readers, entries) in enumerate(groups):
        key = aead.new_key()
        # Wraps carry no reader ids: someone browsing the share cannot tell who a section
        # is for, nor (with the decoys) how many read it. Each reader tries the wraps of a
        # suite she can open (the signature has already vouched for all of them, so a wrap
        # that does not open is simply not hers).
        others = [{"suite": envelope.HPKE_SUITE,
                   "key": b64(envelope.wrap_for_reader(
                       public, key, context=_section_wrap_context(h, index, reader_id)))}
                  for reader_id, public in readers if reader_id != h.author_id]
        others += [{"suite": envelope.HPKE_SUITE, "key": b64(envelope.decoy_wrap())}
                   for _ in range(slots - len(others))]
        _shuffle(others)
        wraps = [{"suite": envelope.OWNER_SUITE,
                  "key": b64(envelope.wrap_for_owner(
                      keys.own, key, context=_section_wrap_context(h, index, h.author_id)))},
                 *others]
        plain = canonical(entries)
        plain += b" " * (padded_size(len(plain)) - len(plain))
        out.append({"readers": wraps, "body": b64(aead.seal(key, plain,
                                                            aad=_section_aad(h, index)))})
    body: dict[str, Any] = {"team": h.team_id, "device": h.device_id, "author": h.author_id,
                            "seq": h.seq, "prev": h.prev, "sections": out}
    if last is not None:
        body["last"] = last
    return seal_doc(kind, body | (extra or {}), keys.sign, format_=PADDED_FORMAT)


def _shuffle(items: list[Any]) -> None:
    """In place, from the operating system's randomness: decoys sit anywhere among the wraps."""
    secrets.SystemRandom().shuffle(items)


def read_header(signed: dict[str, Any]) -> Header:
    """The plaintext header of a changeset, snapshot or part (signature not yet checked). A file
    from before format 4 carries a clock reading in clear, checked here and otherwise unused;
    one of format 4 must not."""
    if signed.get("format") == PADDED_FORMAT:
        if "hlc" in signed:
            raise Tampered("it carries a clock reading in clear, which its format never does")
    elif not hlc.sane(field(signed, "hlc", str)):
        raise Tampered("its clock reading is damaged")
    return Header(field(signed, "team", str), field(signed, "device", str),
                  field(signed, "author", str), field(signed, "seq", int),
                  field(signed, "prev", str))


def open_sections(signed: dict[str, Any], h: Header, reader_id: str,
                  keys: UserKeys) -> list[dict[str, Any]]:
    """Every entry in the sections this reader holds a key for; others are skipped unread.
    Call only after the signature was checked."""
    return [e for _index, _key, items in keyed_sections(signed, h, reader_id, keys)
            for e in items]


def keyed_sections(signed: dict[str, Any], h: Header, reader_id: str,
                   keys: UserKeys) -> list[tuple[int, bytes, list[dict[str, Any]]]]:
    """(index, section key, entries) of each section this reader holds a key for."""
    out = []
    sections = field(signed, "sections", list)
    own_suite = envelope.OWNER_SUITE if reader_id == h.author_id else envelope.HPKE_SUITE
    for index, section in enumerate(sections):
        if not isinstance(section, dict):
            raise Tampered("a section is damaged")
        key = None
        context = _section_wrap_context(h, index, reader_id)
        for wrap in field(section, "readers", list):
            if not isinstance(wrap, dict) or wrap.get("suite") != own_suite:
                continue
            try:
                key = envelope.unwrap(own_suite, unb64(wrap.get("key")), own=keys.own,
                                      receive_key=keys.receive_key, context=context)
                break
            except DecryptionFailed:
                continue  # someone else's
        if key is not None:
            out.append((index, key, open_section(signed, h, index, key)))
    return out


def open_section(signed: dict[str, Any], h: Header, index: int,
                 key: bytes) -> list[dict[str, Any]]:
    """The entries of one section, with its key (given by whoever held a wrap of it: see
    peerdesk/services/leavers.py). Call only after the signature was checked."""
    sections = field(signed, "sections", list)
    if not 0 <= index < len(sections) or not isinstance(sections[index], dict):
        raise Tampered("a section is damaged")
    try:
        plain = aead.open_(key, unb64(sections[index].get("body")),
                           aad=_section_aad(h, index))
    except DecryptionFailed:
        raise Tampered("it cannot be decrypted") from None
    items = load(plain)
    if not isinstance(items, list) or not all(isinstance(e, dict) for e in items):
        raise Tampered("its content cannot be read")
    return items


@dataclass(frozen=True)
class Part:
    """One part of a snapshot as the snapshot names it: the file, and its digest and size."""

    name: str
    digest: str
    size: int


def part_doc(parts: Sequence[Part]) -> dict[str, Any]:
    return {"parts": [{"name": p.name, "digest": p.digest, "size": p.size} for p in parts]}


def read_parts(signed: dict[str, Any], h: Header) -> list[Part]:
    """The parts a snapshot names, in order ([] for a snapshot in one file), each checked to
    be a part of this very snapshot; raises Tampered."""
    if "parts" not in signed:
        return []
    raw = field(signed, "parts", list)
    if not 0 < len(raw) <= 100_000:
        raise Tampered("its list of parts is damaged")
    out = []
    for item in raw:
        if not isinstance(item, dict):
            raise Tampered("its list of parts is damaged")
        name, digest_, size = (field(item, "name", str), field(item, "digest", str),
                               field(item, "size", int))
        match = PART_NAME.fullmatch(name)
        if (not match or (match.group(1), int(match.group(2))) != (h.author_id, h.seq)
                or not re.fullmatch(r"[0-9a-f]{64}", digest_) or not 0 < size <= MAX_FILE):
            raise Tampered("its list of parts is damaged")
        out.append(Part(name, digest_, size))
    if len({p.name for p in out}) != len(out):
        raise Tampered("its list of parts is damaged")
    return out
