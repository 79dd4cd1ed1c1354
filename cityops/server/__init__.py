"""The sync server: the single authority on every case, alarm and device command.

Offers ``create_app(settings)`` (``app``), the CLI's server-side commands (``admin``), and the
pieces the app is built from: ``db``/``models`` (SQLAlchemy 2, SQLite WAL or PostgreSQL),
``auth`` (OAuth2 password flow, JWT, argon2id, roles read from the database on every request),
``changes`` (the changes log, pull and live fan-out), ``push`` (idempotent mutation processing),
``audit`` (hash-chained audit log), ``ingest``, ``open311``, ``gateway`` and ``sla_watcher``.
Nothing here imports Qt; only tests and the CLI import this package.
"""
