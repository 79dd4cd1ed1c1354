"""Errors nobody caught: logged with their traceback and shown to the user, never silent.

Offers ``install_excepthook(log_dir)``: file logging under ``log_dir`` and a ``sys.excepthook``
that logs the error and opens a non-blocking message box (the hall keeps running: a failed
repaint must not take the wall down). ``setup_logging(log_dir)`` alone for tools.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("cityops.desktop")
_shown: list[QMessageBox] = []  # kept referenced while open


def setup_logging(log_dir: Path) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "desktop.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def show_error(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    log.error("uncaught error", exc_info=(kind, value, tb))
    if QApplication.instance() is None:
        return
    box = QMessageBox(QMessageBox.Icon.Critical, QApplication.translate("Errors", "程序错误"), "")
    box.setText(
        QApplication.translate("Errors", "发生了一个未处理的错误，已记入日志。程序可以继续使用。")
    )
    box.setInformativeText(f"{kind.__name__}: {value}")
    box.setDetailedText("".join(traceback.format_exception(kind, value, tb)))
    box.finished.connect(lambda _r, b=box: _shown.remove(b) if b in _shown else None)
    _shown.append(box)
    box.open()


def install_excepthook(log_dir: Path) -> Path:
    path = setup_logging(log_dir)
    sys.excepthook = show_error
    return path
