"""The client's sync engine: intents up, changes down, over httpx (pull, push, live SSE). No Qt.
``SyncEngine`` in ``engine`` is the entry point; ``api`` speaks the server's protocol."""
