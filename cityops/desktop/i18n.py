"""The UI language: Simplified Chinese by default (the source strings are Chinese), English by
a Qt translation loaded at start-up.

Offers to every window: ``install(app, language)`` (loads ``resources/translations/cityops_en.qm``
for ``"en"``), ``language()`` (``"zh"`` or ``"en"``) and ``name_of(thing)``: a reference-data
entry's ``name_zh`` or ``name_en`` in the current language (falls back to Chinese).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

TRANSLATIONS = Path(__file__).resolve().parent.parent / "resources" / "translations"
LANGUAGES = ("zh", "en")

_current = "zh"
_translators: list[QTranslator] = []  # kept referenced: Qt does not own installed translators


def install(app: QCoreApplication, lang: str = "zh") -> str:
    """Switch the UI language for windows built from now on; returns the one in effect."""
    global _current
    for old in _translators:
        app.removeTranslator(old)
    _translators.clear()
    _current = "zh"
    if lang != "en":
        # Qt's own dialogs (buttons of message boxes, "Show Details…") in Chinese too.
        qt = QTranslator()
        if qt.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            _translators.append(qt)
    if lang == "en":
        translator = QTranslator()
        if translator.load(str(TRANSLATIONS / "cityops_en.qm")):
            app.installTranslator(translator)
            _translators.append(translator)
            _current = "en"
    chinese = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    QLocale.setDefault(chinese if _current == "zh" else QLocale(QLocale.Language.English))
    return _current


def language() -> str:
    return _current


def name_of(thing: Any) -> str:
    """``thing.name_en`` in English (when it has one), else ``thing.name_zh``."""
    if _current == "en":
        english = getattr(thing, "name_en", "")
        if english:
            return str(english)
    return str(getattr(thing, "name_zh", "") or getattr(thing, "name", "") or thing)
