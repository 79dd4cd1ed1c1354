"""Window geometry saved and restored per screen setup.

Offers ``screen_setup()`` (a key naming the screens present: sizes and positions) and
``restore(window, settings, key, default_size)`` / ``save(window, settings, key)``. A geometry
is restored only when it was saved for the same setup *and* the window's centre lands on a screen
that exists now (napari's habit): a wall PC whose second screen is unplugged must not open its
windows off-screen.
"""

from __future__ import annotations

import struct

from PySide6.QtCore import QByteArray, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from cityops.desktop.settings import ClientSettings


def screen_setup() -> str:
    parts = []
    for screen in QGuiApplication.screens():
        g = screen.geometry()
        parts.append(f"{g.width()}x{g.height()}+{g.x()}+{g.y()}")
    return "_".join(sorted(parts)) or "none"


#: ``QWidget.saveGeometry()`` starts with a magic number, a version and the frame geometry.
_GEOMETRY_MAGIC = 0x1D9D0CB
_GEOMETRY_HEAD = struct.Struct(">IHHiiii")  # magic, major, minor, left, top, right, bottom


def saved_frame(data: QByteArray) -> QRect | None:
    """The frame geometry stored in ``saveGeometry()`` data, or None when it is not such data.
    Read before restoring: ``restoreGeometry`` itself pulls an off-screen window back onto
    the nearest screen (saved size, a clipped position), so after it the check would pass."""
    raw = bytes(data.data())
    if len(raw) < _GEOMETRY_HEAD.size:
        return None
    magic, _major, _minor, left, top, right, bottom = _GEOMETRY_HEAD.unpack_from(raw)
    if magic != _GEOMETRY_MAGIC:
        return None
    return QRect(left, top, right - left + 1, bottom - top + 1)


def save(window: QWidget, settings: ClientSettings, key: str) -> None:
    settings.set_geometry(key, screen_setup(), window.saveGeometry())


def restore(window: QWidget, settings: ClientSettings, key: str, default: QSize) -> bool:
    """True when a saved geometry was applied; otherwise the window gets ``default`` (clipped
    to the primary screen) centred there."""
    data = settings.geometry(key, screen_setup())
    frame = saved_frame(data) if data is not None else None
    if (
        data is not None
        and frame is not None
        and QGuiApplication.screenAt(frame.center()) is not None
        and window.restoreGeometry(data)
    ):
        return True
    screen = QGuiApplication.primaryScreen()
    if screen is None or QGuiApplication.platformName() == "offscreen":
        # Offscreen (demo screenshots, smoke runs) the "screen" is a small default: render
        # at the size a workstation would have.
        window.resize(default)
        return False
    area = screen.availableGeometry()
    size = default.boundedTo(area.size())
    window.resize(size)
    window.move(area.center() - window.rect().center())
    return False
