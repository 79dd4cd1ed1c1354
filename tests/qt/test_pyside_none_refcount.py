"""Guard against the PySide6 build that kills the interpreter (DESIGN §6).

PySide6 6.12.0 on CPython 3.11 drops a reference to ``None`` on every Qt call that returns
nothing; after a few thousand calls Python aborts with "Fatal Python error: none_dealloc".
Python 3.12+ makes ``None`` immortal, so there the count does not move at all. If someone lifts
the pin in pyproject.toml, this test fails long before the wall cockpit dies at 3 a.m.
"""

import sys

import pytest

QtCore = pytest.importorskip("PySide6.QtCore")

CALLS = 20_000


def test_void_qt_calls_do_not_consume_references_to_none() -> None:
    obj = QtCore.QObject()
    before = sys.getrefcount(None)
    for i in range(CALLS):
        obj.setObjectName("tile")  # returns None: the call the broken build miscounts
        obj.setProperty("n", i)
    after = sys.getrefcount(None)
    # Unrelated code may take or drop a handful of references meanwhile; the bug drops ≥ CALLS.
    assert after >= before - 100, (
        f"refcount(None) fell by {before - after} over {CALLS} void Qt calls: this PySide6 "
        f"({QtCore.qVersion()}) on Python {sys.version.split()[0]} will abort the interpreter"
    )


def test_installed_pyside_is_not_the_known_bad_build_on_311() -> None:
    import PySide6

    if sys.version_info < (3, 12):
        assert not PySide6.__version__.startswith("6.12."), (
            f"PySide6 {PySide6.__version__} on Python 3.11 aborts the interpreter; "
            "pin PySide6<6.12 for python_version<'3.12'"
        )
