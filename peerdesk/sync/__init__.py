"""The trust-share protocol: share backends, changesets, merge by hybrid logical clock, cursors.

Below the services, above the store and crypto. See docs/sync-protocol.md.
"""
