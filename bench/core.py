"""Encrypted save vs a plain SQLAlchemy insert; unlock + decrypt and listing of 10,000 records.

Both stores use the same SQLite settings (WAL, synchronous=FULL) and one transaction per save,
so the ratio isolates what PeerDesk adds: encryption, key wraps, versioning and the audit entry.
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
from peerdesk.crypto.kdf import KdfParams, derive
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
        print(f"  {what:4}  plain SQLAlchemy insert {p:6.3f} ms/save, encrypted PeerDesk save "
              f"{e:6.3f} ms/save: {e / p:4.2f}x" + ("   (target <= 1.3x)" if i == 0 else ""))
    vault.close()
    engine.dispose()


def bench_unlock(root: Path, count: int = 10_000) -> None:
    vault = Vault(root / "big")
    vault.create_account("Bench", "peer", PASSPHRASE)
    desk = sign_in(vault, "Bench", PASSPHRASE)
    # Built through the real save path, with a fast disk setting only while building.
    with vault.store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
    start = time.perf_counter()
    for n in range(count):
        desk.add(Kind.DIARY, FIELDS | {"what_happened": f"entry {n}"})
    print(f"built {count:,} records in {time.perf_counter() - start:.1f} s")
    vault.close()

    vault = Vault(root / "big")
    params = KdfParams.from_json(vault.store.engine.connect().exec_driver_sql(
        "SELECT kdf FROM accounts").scalar() or "")
    t0 = time.perf_counter()
    derive(PASSPHRASE, params)
    kdf_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    desk = sign_in(vault, "Bench", PASSPHRASE)
    t1 = time.perf_counter()
    records = desk.records()
    t2 = time.perf_counter()
    assert len(records) == count
    records_again = desk.records()
    t3 = time.perf_counter()
    assert len(records_again) == count
    beyond = (t2 - t0) - kdf_s
    print(f"key derivation alone        {kdf_s:7.3f} s   (Argon2id {params.memory_kib // 1024} MiB, "
          f"t={params.iterations}, p={params.lanes})")
    print(f"unlock                      {t1 - t0:7.3f} s")
    print(f"decrypt all {count:,}        {t2 - t1:7.3f} s")
    print(f"unlock + decrypt beyond KDF {beyond:7.3f} s   (target <= 0.5 s)")
    print(f"list {count:,} again          {t3 - t2:7.3f} s   ({(t3 - t2) * 1e6 / count:.0f} µs/record)")
    vault.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_save(Path(tmp), recovery=False)
        bench_save(Path(tmp), recovery=True)
        bench_unlock(Path(tmp))


if __name__ == "__main__":
    main()
