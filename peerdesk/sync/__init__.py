"""Share backends, changesets, merge and the sync engine (issue: sync to the trust share)."""
