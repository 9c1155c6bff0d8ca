"""Encrypted save vs a plain SQLAlchemy insert, with and without the trust's recovery key.

Both stores use the same SQLite settings (WAL, synchronous=FULL) and one transaction per save,
so the ratio isolates what PeerDesk adds: encryption, key wraps, versioning and the audit entry.
Rounds alternate between the two, so machine noise hits both alike; each figure is the median
of the rounds, with the range of the round-by-round ratios. Unlock and listing at scale are in
bench/scale.py.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import x25519
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from peerdesk.config import Policy
from peerdesk.domain import Kind
from peerdesk.services import Vault
from peerdesk.services.desk import sign_in
from peerdesk.store.db import make_engine

PASSPHRASE = "benchmark passphrase"
FIELDS = {
    "when": "2026-03-02T10:30", "setting": "everyday_activity", "contact_type": "everyday_activity",
    "what_happened": "Walked to the café together and talked about music and the allotment. " * 3,
    "what_mattered": "Being asked what they like doing, not what is wrong.",
    "strengths": "Warm sense of humour; knows a lot about 80s soul.",
    "peer_brought": ["lived_experience", "being_there"],
    "follow_up": "Go along to the allotment group on Tuesday.",
}


class Base(DeclarativeBase):
    pass


class PlainDiary(Base):
    __tablename__ = "diary"
    id: Mapped[int] = mapped_column(primary_key=True)
    when: Mapped[str]
    setting: Mapped[str]
    contact_type: Mapped[str]
    what_happened: Mapped[str]
    what_mattered: Mapped[str]
    strengths: Mapped[str]
    peer_brought: Mapped[str]
    follow_up: Mapped[str]
    saved_at: Mapped[datetime]


def plain_row() -> PlainDiary:
    return PlainDiary(**(FIELDS | {"peer_brought": ",".join(FIELDS["peer_brought"])}),
                      saved_at=datetime.now())


def per_save_ms(fn: Callable[[], object], n: int) -> tuple[float, float]:
    """Wall and CPU milliseconds per call (CPU counts every thread of the process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        fn()
    return (time.perf_counter() - wall) * 1000 / n, (time.process_time() - cpu) * 1000 / n


def bench_save(root: Path, *, recovery: bool, rounds: int = 15, batch: int = 80) -> None:
    """With ``recovery``, the machine policy names a trust recovery key, as on a ward PC:
    every version's key is then also wrapped for it with HPKE."""
    engine = make_engine(root / f"plain-{recovery}.sqlite3")
    Base.metadata.create_all(engine)

    def plain() -> None:
        with Session(engine) as s, s.begin():
            s.add(plain_row())

    key = x25519.X25519PrivateKey.generate().public_key().public_bytes_raw().hex()
    policy = Policy(recovery_public_key=key) if recovery else Policy()
    vault = Vault(root / f"vault-{recovery}", policy=policy)
    vault.create_account("Bench", "peer", PASSPHRASE)
    desk = sign_in(vault, "Bench", PASSPHRASE)
    person = desk.add(Kind.PERSON, {"label": "Jo"})

    def encrypted() -> None:
        desk.add(Kind.DIARY, FIELDS, person_id=person.id)

    plain_ms, enc_ms = [], []
    for _ in range(rounds):  # interleaved, so machine noise hits both alike
        plain_ms.append(per_save_ms(plain, batch))
        enc_ms.append(per_save_ms(encrypted, batch))
    print("with the trust recovery key" if recovery else "without a recovery key")
    for i, what in enumerate(("wall", "CPU")):
        p = statistics.median(m[i] for m in plain_ms)
        e = statistics.median(m[i] for m in enc_ms)
        ratios = [en[i] / pl[i] for pl, en in zip(plain_ms, enc_ms, strict=True) if pl[i]]
        print(f"  {what:4}  plain SQLAlchemy insert {p:6.3f} ms/save, encrypted PeerDesk save "
              f"{e:6.3f} ms/save: {e / p:4.2f}x (rounds {min(ratios):.2f}–{max(ratios):.2f}x, "
              f"{rounds} of {batch})" + ("   (target <= 1.3x)" if i == 0 else ""))
    vault.close()
    engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_save(Path(tmp), recovery=False)
        bench_save(Path(tmp), recovery=True)


if __name__ == "__main__":
    main()
