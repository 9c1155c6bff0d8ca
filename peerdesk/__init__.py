"""PeerDesk core: encrypted records for peer support work. Never imports Qt."""

__version__ = "0.1.0"
