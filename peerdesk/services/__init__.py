"""Use-cases: one user action is one method and one transaction."""

from peerdesk.services.desk import CheckProblem, Desk, Draft
from peerdesk.services.vault import PASSPHRASE_MIN_LENGTH, Vault, check_passphrase

__all__ = ["PASSPHRASE_MIN_LENGTH", "CheckProblem", "Desk", "Draft", "Vault", "check_passphrase"]
