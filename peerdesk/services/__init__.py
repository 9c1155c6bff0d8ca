"""Use-cases: one user action is one method and one transaction."""

from peerdesk.services.desk import CheckProblem, Desk, Draft, sign_in
from peerdesk.services.vault import PASSPHRASE_MIN_LENGTH, Unlocked, Vault, check_passphrase

__all__ = ["PASSPHRASE_MIN_LENGTH", "CheckProblem", "Desk", "Draft", "Unlocked", "Vault",
           "check_passphrase", "sign_in"]
