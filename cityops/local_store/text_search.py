"""Substring search over a million cases' id, description and address, in memory.

Offers ``TextSearch`` to ``CaseIndex`` (the text filter of the case queues): ``build(rows)`` with
``(rowid, text)`` pairs, ``update(rows)`` for changed cases, ``drop(rowids)``, ``search(needle)``
→ the rowids whose text contains ``needle`` (exact, as SQL ``instr``). ``ready`` is False until
the first ``build``; the caller falls back to SQL meanwhile.

Why not SQL: ``instr`` over every document scans ~1 GB of JSON (1.1 s at 1M cases), and an FTS5
trigram index cannot answer the two-character words dispatchers type most (井盖, 积水). Here
every case's text sits in one big string, separated by a character no query contains, and
``str.find`` walks it at C speed (~60 MB for 1M cases); the offsets of the entries map each
hit back to its rowid with one ``np.searchsorted``. Changed cases go to a small tail that wins
over their old entry; the blob is rebuilt when the tail grows large.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

#: Ends every entry of the blob (a control character no one types into a search box).
SEP = "\x1e"
#: Changed cases kept beside the blob before it is rebuilt with them.
TAIL_LIMIT = 20_000


def case_text(case_id: str, description: str | None, address: str | None) -> str:
    """What the text filter matches: id, description and address (separated, so a hit cannot
    span two fields)."""
    return f"{case_id}\x1f{description or ''}\x1f{address or ''}".replace(SEP, " ")


class TextSearch:
    def __init__(self) -> None:
        self.ready = False
        self._blob = ""
        self._starts: IntArray = np.zeros(0, dtype=np.int64)  # offset of each entry
        self._rowids: IntArray = np.zeros(0, dtype=np.int64)  # rowid of each entry
        self._tail: dict[int, str] = {}  # rowid → newer text ("" once deleted)

    def build(self, rows: Iterable[tuple[int, str]]) -> None:
        rowids: list[int] = []
        texts: list[str] = []
        for rowid, text in rows:
            rowids.append(rowid)
            texts.append(text.replace(SEP, " "))
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        starts = np.zeros(len(texts), dtype=np.int64)
        if len(texts):
            np.cumsum(lengths[:-1], out=starts[1:])
        self._blob = SEP.join(texts) + SEP if texts else ""
        self._starts = starts
        self._rowids = np.array(rowids, dtype=np.int64)
        self._tail = {}
        self.ready = True

    def update(self, rows: Iterable[tuple[int, str]]) -> None:
        for rowid, text in rows:
            self._tail[rowid] = text.replace(SEP, " ")
        if len(self._tail) > TAIL_LIMIT:
            self._compact()

    def drop(self, rowids: Iterable[int]) -> None:
        self.update((int(r), "") for r in rowids)

    def _entries(self) -> Iterable[tuple[int, str]]:
        texts = self._blob.split(SEP)
        for rowid, text in zip(self._rowids.tolist(), texts, strict=False):
            if rowid not in self._tail:
                yield rowid, text
        for rowid, text in self._tail.items():
            if text:
                yield rowid, text

    def _compact(self) -> None:
        self.build(list(self._entries()))

    def search(self, needle: str) -> IntArray:
        """Rowids whose text contains ``needle``, ascending, each once."""
        if not needle or SEP in needle:
            return np.zeros(0, dtype=np.int64)
        blob, find = self._blob, self._blob.find
        hits: list[int] = []
        at = find(needle)
        while at >= 0:
            hits.append(at)
            # On to the next entry: a case matches once, however often the word recurs in it.
            end = blob.find(SEP, at)
            at = find(needle, end + 1)
        entries = np.searchsorted(self._starts, np.array(hits, dtype=np.int64), side="right") - 1
        found = self._rowids[entries]
        if self._tail:
            stale = np.fromiter(self._tail, dtype=np.int64, count=len(self._tail))
            found = found[~np.isin(found, stale)]
            fresh = [rowid for rowid, text in self._tail.items() if needle in text]
            found = np.concatenate([found, np.array(fresh, dtype=np.int64)])
        return np.unique(found)
