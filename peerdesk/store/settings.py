"""Device settings (a key and a text value each): read and written with Core statements on
the caller's transaction, like every other write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, Connection, Select, bindparam, case, select
from sqlalchemy.dialects.sqlite import Insert
from sqlalchemy.dialects.sqlite import insert as upsert
from sqlalchemy.sql.dml import ReturningInsert

from peerdesk.store.models import Setting, table

_SETTINGS = table(Setting)


def getter(key: str) -> Select[Any]:
    """The statement reading one setting, for a caller that runs it often."""
    return select(_SETTINGS.c.value).where(_SETTINGS.c.key == key)


def setter(key: str) -> Insert:
    """The statement writing one setting (parameter ``value``), built once."""
    return upsert(_SETTINGS).values(key=key, value=bindparam("value")).on_conflict_do_update(
        index_elements=[_SETTINGS.c.key], set_={"value": bindparam("value")})


def advancer(key: str) -> ReturningInsert[Any]:
    """The statement moving one setting forward to ``value`` unless it is already later (as
    text compares), returning what it holds afterwards: one statement for a clock."""
    value: BindParameter[str] = bindparam("value")
    return upsert(_SETTINGS).values(key=key, value=value).on_conflict_do_update(
        index_elements=[_SETTINGS.c.key],
        set_={"value": case((value > _SETTINGS.c.value, value), else_=_SETTINGS.c.value)},
    ).returning(_SETTINGS.c.value)


_GET = select(_SETTINGS.c.value).where(_SETTINGS.c.key == bindparam("key"))
_PUT = upsert(_SETTINGS).values(key=bindparam("key"), value=bindparam("value")) \
    .on_conflict_do_update(index_elements=[_SETTINGS.c.key], set_={"value": bindparam("value")})


def get(conn: Connection, key: str) -> str | None:
    return conn.execute(_GET, {"key": key}).scalar()


def get_many(conn: Connection, keys: list[str]) -> dict[str, str]:
    return {k: v for k, v in conn.execute(
        select(_SETTINGS.c.key, _SETTINGS.c.value).where(_SETTINGS.c.key.in_(keys)))}


def put(conn: Connection, key: str, value: str) -> None:
    conn.execute(_PUT, {"key": key, "value": value})
