"""Stored documents and the domain objects parsed from them, remembered per process.

Offers ``ParsedCache(parse)``: ``get(key, text)`` returns the domain object of a stored document
(its JSON text as read from the database), parsing it only when the text differs from the one
remembered under ``key``; ``remember(key, text, obj)`` records what a writer just queued (the
``pending.JsonText`` it stores). Used for cases (``handlers_cases``) and alarms (``ingest``,
``handlers_alarms``).

Why: parsing a stored document (JSON decoding, pydantic validation, then the domain dataclass)
was a fifth of a ``case.verify`` and of an alarm update in a storm. A hit needs the stored text
to be *equal* to the remembered one, so a rolled-back write or another server process's write
can never be mistaken for it; the worst a stale entry costs is one parse. Comparing text needs
no decoding, and cached text (unlike decoded dicts) gives the garbage collector nothing to walk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ParsedCache(Generic[T]):
    def __init__(self, parse: Callable[[str], T], limit: int = 20_000) -> None:
        self._parse = parse
        self._limit = limit
        self._lock = threading.Lock()
        self._items: dict[str, tuple[str, T]] = {}

    def get(self, key: str, text: str) -> T:
        hit = self._items.get(key)
        if hit is not None and hit[0] == text:
            return hit[1]
        parsed = self._parse(text)
        self.remember(key, text, parsed)
        return parsed

    def remember(self, key: str, text: str, parsed: T) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (text, parsed)
            if len(self._items) > self._limit:
                del self._items[next(iter(self._items))]  # the oldest
