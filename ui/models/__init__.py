"""Qt item models over decrypted snapshots; each one can be wiped on lock."""
