"""One tree of errors, each with a sentence a person can act on.

    PeerDeskError
    ├── EnvironmentProblem       expected; the machine or the share, not the data
    │   ├── AlreadyOpen
    │   ├── NewerSchema
    │   ├── DiskFull
    │   ├── NoKeyring
    │   └── TimedOut
    ├── AccessProblem            who may do or read what
    │   ├── WrongPassphrase
    │   ├── TooManyAttempts
    │   ├── NotSharedWithYou
    │   └── NotAllowed
    ├── IntegrityProblem         data that fails its checks: tampered or damaged
    │   ├── DecryptionFailed
    │   └── AuditChainBroken
    ├── InvalidInput
    ├── NotFound
    └── Cancelled                the user stopped it; shown as nothing

Messages never contain key material or record text.
"""

from __future__ import annotations


class PeerDeskError(Exception):
    """Base of every error a user may meet; ``str(exc)`` is the sentence to show."""


class EnvironmentProblem(PeerDeskError):
    pass


class AlreadyOpen(EnvironmentProblem):
    pass


class NewerSchema(EnvironmentProblem):
    pass


class DiskFull(EnvironmentProblem):
    pass


class NoKeyring(EnvironmentProblem):
    pass


class TimedOut(EnvironmentProblem):
    """Something outside PeerDesk (the share, usually) did not answer in time."""


class AccessProblem(PeerDeskError):
    pass


class WrongPassphrase(AccessProblem):
    pass


class TooManyAttempts(AccessProblem):
    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(
            f"Too many attempts with the wrong passphrase. Try again in {seconds} seconds."
        )


class NotSharedWithYou(AccessProblem):
    pass


class NotAllowed(AccessProblem):
    pass


class IntegrityProblem(PeerDeskError):
    pass


class DecryptionFailed(IntegrityProblem):
    pass


class AuditChainBroken(IntegrityProblem):
    pass


class InvalidInput(PeerDeskError):
    pass


class NotFound(PeerDeskError):
    pass


class Cancelled(PeerDeskError):
    pass
