"""The OS keyring, for device-level secrets only (the share's password). The only module that
imports ``keyring``. Never holds a user's unwrapped keys."""

from __future__ import annotations

import os

from peerdesk.errors import NoKeyring

SERVICE = "PeerDesk team share"
# For automation on a headless machine with no keyring (like PEERDESK_PASSPHRASE).
_USERNAME_SLOT = "peerdesk:username"
USER_ENV, PASSWORD_ENV = "PEERDESK_SHARE_USERNAME", "PEERDESK_SHARE_PASSWORD"


def _service(host: str, port: int) -> str:
    return f"{SERVICE} {host}:{port}"


def _backend() -> object:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        raise NoKeyring(
            "This computer has no secure password store (keyring), so PeerDesk cannot keep the "
            f"team share's password. Use a mapped or mounted share folder, or give it in "
            f"{USER_ENV} and {PASSWORD_ENV} for this run."
        )
    return backend


def keyring_available() -> bool:
    try:
        _backend()
    except NoKeyring:
        return False
    return True


def share_credentials(host: str, port: int, username: str | None) -> tuple[str, str]:
    if os.environ.get(USER_ENV) and os.environ.get(PASSWORD_ENV):
        return os.environ[USER_ENV], os.environ[PASSWORD_ENV]
    _backend()
    import keyring

    service = _service(host, port)
    username = username or keyring.get_password(service, _USERNAME_SLOT)
    password = keyring.get_password(service, username) if username else None
    if not username or not password:
        raise NoKeyring(f"No password for the team share on {host} is saved on this computer. "
                        "Ask IT to save it, or give it in the environment for this run.")
    return username, password


def save_share_credentials(host: str, port: int, username: str, password: str) -> None:
    _backend()
    import keyring

    keyring.set_password(_service(host, port), username, password)
    # Which account to use when the share's address does not name one.
    keyring.set_password(_service(host, port), _USERNAME_SLOT, username)
