"""Run pytest with Qt made unimportable: proves the rooms that must not need Qt do not.

Usage: ``python tools/without_qt.py tests/unit tests/sync`` (the CI's ``make test-noqt``).
DESIGN §2: ``domain``, ``local_store``, ``sync``, ``server`` and ``simulator`` never import
PySide6 and must run where it is not installed; blocking the import here is the same test as
uninstalling it, without building a second environment.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

import pytest

BLOCKED = ("PySide6", "shiboken6", "qasync", "pytestqt", "pyqtgraph")


class _NoQt(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{fullname} is blocked: this run proves Qt is not needed")
        return None


def main(argv: list[str]) -> int:
    loaded = [name for name in sys.modules if name.split(".")[0] in BLOCKED]
    if loaded:
        print(f"without_qt: already imported before the block: {loaded}", file=sys.stderr)
        return 2
    sys.meta_path.insert(0, _NoQt())
    return int(pytest.main([*argv, "-p", "no:pytest-qt", "-p", "no:cacheprovider"]))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
