"""A workstation without a Chinese font is told so where an installer looks: a dialog, the log."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from cityops.desktop import app as desktop_app
from cityops.desktop import theme


def test_only_latin_fonts_count_as_a_missing_cjk_font(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not theme.cjk_font_missing()  # this machine has one (the brief's CJK font)
    monkeypatch.setattr(QFontDatabase, "families", staticmethod(lambda: ["DejaVu Sans"]))
    assert theme.cjk_font_missing()


def test_a_missing_cjk_font_is_named_in_a_dialog_and_the_log(
    qapp: QApplication, caplog: pytest.LogCaptureFixture
) -> None:
    shown: list[str] = []

    def close_the_box() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, close_the_box)  # not up yet
            return
        shown.append(box.text())
        box.accept()

    QTimer.singleShot(0, close_the_box)
    with caplog.at_level(logging.WARNING):
        desktop_app._warn_missing_cjk_font(dialog=True)
    assert shown == [theme.CJK_FONT_HINT]
    assert "fonts-wqy-microhei" in shown[0]  # what to install, not only what is wrong
    assert theme.CJK_FONT_HINT in caplog.text
