"""Themes: the light one for workstations (the wall's dark one comes with the cockpit).

Offers ``apply_workstation(app)``: the Fusion style, a font with CJK glyphs when one is
installed, and ``resources/qss/workstation.qss``. ``cjk_font_missing()`` tells the start-up
code (the desktop, the smoke run) to warn the installer with ``CJK_FONT_HINT`` (Chinese would
show as boxes).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

QSS = Path(__file__).resolve().parent.parent / "resources" / "qss"
#: Families that carry Simplified Chinese, in order of preference.
CJK_FAMILIES = (
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
)
#: What the installer is told when none is installed. English on purpose: without a CJK font,
#: a Chinese message would itself show as boxes.
CJK_FONT_HINT = (
    "No Chinese (CJK) font is installed: Chinese text shows as boxes. "
    "Debian/Ubuntu: apt-get install fonts-wqy-microhei (or fonts-noto-cjk); "
    "Windows: Microsoft YaHei (Settings > Fonts; on some editions with the Chinese "
    "supplemental fonts)."
)


def cjk_family() -> str | None:
    families = set(QFontDatabase.families())
    return next((f for f in CJK_FAMILIES if f in families), None)


def cjk_font_missing() -> bool:
    return cjk_family() is None


def apply_workstation(app: QApplication) -> None:
    app.setStyle("Fusion")
    family = cjk_family()
    if family is not None:
        font = QFont(family)
        font.setPointSize(10)
        app.setFont(font)
    app.setStyleSheet((QSS / "workstation.qss").read_text(encoding="utf-8"))
