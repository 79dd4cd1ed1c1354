"""The client's offline cache (SQLite, WAL): entities pulled from the server, the outbox of
intents, the sync cursor. No Qt; used by ``cityops.sync`` and the desktop's presenters.
``LocalStore`` in ``store`` is the entry point."""
