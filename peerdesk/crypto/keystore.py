"""The OS keyring, for device-level secrets only (the share's password). The only module that
imports ``keyring``. Never holds a user's unwrapped keys.

The keyring is never asked to prompt: reading a locked Secret Service collection makes the
desktop show an unlock dialog and wait for it, which from a command line or a background sync
means waiting forever. A locked or broken keyring is one sentence instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from typing import Any, TypeVar

from peerdesk.errors import NoKeyring

SERVICE = "PeerDesk team share"
# For automation on a headless machine with no keyring (like PEERDESK_PASSPHRASE).
_USERNAME_SLOT = "peerdesk:username"
USER_ENV, PASSWORD_ENV = "PEERDESK_SHARE_USERNAME", "PEERDESK_SHARE_PASSWORD"
SECRET_SERVICE = "keyring.backends.SecretService"  # noqa: S105 - a backend's name
T = TypeVar("T")

NO_KEYRING = ("This computer has no secure password store (keyring), so PeerDesk cannot keep the "
              "team share's password. Use a mapped or mounted share folder, or give it in "
              f"{USER_ENV} and {PASSWORD_ENV} for this run.")
LOCKED = ("The keyring on this computer is locked, so PeerDesk cannot read the team share's "
          "password. Unlock it (signing out and in again does) and sync again.")


def _service(host: str, port: int) -> str:
    return f"{SERVICE} {host}:{port}"


def _backend() -> Any:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        raise NoKeyring(NO_KEYRING)
    if type(backend).__module__ == SECRET_SERVICE and _collection_locked(backend):
        raise NoKeyring(LOCKED)
    return backend


def _collection_locked(backend: Any) -> bool:
    """Whether the collection keyring would use is locked, asked without any prompt."""
    import secretstorage

    try:
        with closing(secretstorage.dbus_init()) as bus:
            path = getattr(backend, "preferred_collection", None)
            collection = (secretstorage.Collection(bus, path) if path
                          else secretstorage.get_default_collection(bus))
            return bool(collection.is_locked())
    except secretstorage.SecretStorageException as exc:
        raise NoKeyring(NO_KEYRING) from exc


@contextmanager
def _keyring_errors() -> Iterator[None]:
    from keyring.errors import KeyringError, KeyringLocked

    try:
        yield
    except KeyringLocked as exc:
        raise NoKeyring(LOCKED) from exc
    except KeyringError as exc:
        raise NoKeyring(NO_KEYRING) from exc


def _call(fn: Callable[..., T], *args: str) -> T:
    with _keyring_errors():
        return fn(*args)


def keyring_available() -> bool:
    try:
        with _keyring_errors():
            _backend()
    except NoKeyring:
        return False
    return True


def share_credentials(host: str, port: int, username: str | None) -> tuple[str, str]:
    if os.environ.get(USER_ENV) and os.environ.get(PASSWORD_ENV):
        return os.environ[USER_ENV], os.environ[PASSWORD_ENV]
    with _keyring_errors():
        backend = _backend()
    service = _service(host, port)
    username = username or _call(backend.get_password, service, _USERNAME_SLOT)
    password = _call(backend.get_password, service, username) if username else None
    if not username or not password:
        raise NoKeyring(f"No password for the team share on {host} is saved on this computer. "
                        "Ask IT to save it, or give it in the environment for this run.")
    return username, password


def save_share_credentials(host: str, port: int, username: str, password: str) -> None:
    with _keyring_errors():
        backend = _backend()
    _call(backend.set_password, _service(host, port), username, password)
    # Which account to use when the share's address does not name one.
    _call(backend.set_password, _service(host, port), _USERNAME_SLOT, username)
