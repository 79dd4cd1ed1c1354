"""Stored documents and the domain objects parsed from them, remembered per process.

Offers ``ParsedCache(parse)``: ``get(key, doc)`` returns the domain object of a stored document,
parsing it only when the document differs from the one remembered under ``key``;
``remember(key, doc, obj)`` records what a writer just stored. Used for cases
(``handlers_cases``) and alarms (``ingest``, ``handlers_alarms``).

Why: parsing a stored document (pydantic validation, then the domain dataclass) was a fifth of a
``case.verify`` and of an alarm update in a storm. A hit needs the stored document to be
*equal* to the remembered one, so a rolled-back write or another server process's write can
never be mistaken for it; the worst a stale entry costs is one parse.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ParsedCache(Generic[T]):
    def __init__(self, parse: Callable[[dict[str, Any]], T], limit: int = 20_000) -> None:
        self._parse = parse
        self._limit = limit
        self._lock = threading.Lock()
        self._items: dict[str, tuple[dict[str, Any], T]] = {}

    def get(self, key: str, doc: dict[str, Any]) -> T:
        hit = self._items.get(key)
        if hit is not None and hit[0] == doc:
            return hit[1]
        parsed = self._parse(doc)
        self.remember(key, doc, parsed)
        return parsed

    def remember(self, key: str, doc: dict[str, Any], parsed: T) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (doc, parsed)
            if len(self._items) > self._limit:
                del self._items[next(iter(self._items))]  # the oldest
