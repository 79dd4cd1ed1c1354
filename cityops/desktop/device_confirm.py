"""Confirmation before a device command leaves the workstation.

Offers to the device-control presenter:

- ``CommandConfirmDialog(what, targets, offline, typed=, operator_missing=, note=)``: ``note``
  first (e.g. which earlier command a retry repeats, which devices a filter leaves out), what
  the command does, how many devices it targets and how many of them are offline (those will
  be reported failed by the gateway). A city-wide command
  (``device_commands.needs_typed_confirmation``) needs the number of targeted devices typed in
  before OK is enabled; Cancel is the default button and Escape cancels, so Enter alone never
  fires a command;
- ``ReconfirmDialog(what, age_minutes, targets, typed=, attempted=)``: a command that waited
  in the outbox for minutes — send it now (a city-wide one only with the count typed again),
  or void it; when it was already sent once without an answer, it says the server may have
  executed it, so a void cannot promise anything;
- ``ask(dialog)``: shows a dialog window-modally without a nested event loop (the qasync loop
  keeps running) and returns whether it was accepted.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


async def ask(dialog: QDialog) -> bool:
    """Open ``dialog`` (window-modal, ``open()`` — no nested loop) and wait for the answer."""
    answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def on_finished(result: int) -> None:
        if not answer.done():
            answer.set_result(result == QDialog.DialogCode.Accepted)

    dialog.finished.connect(on_finished)
    dialog.open()
    try:
        return await answer
    finally:
        dialog.deleteLater()


def typed_entry(layout: QVBoxLayout, warning: str, targets: int) -> QLineEdit:
    """The typed confirmation of a city-wide command: the warning in red and the field the
    operator types the target count into (the dialog's OK waits for it)."""
    warn = QLabel(warning)
    warn.setWordWrap(True)
    warn.setStyleSheet("color: #c62828; font-weight: bold;")
    layout.addWidget(warn)
    entry = QLineEdit()
    entry.setPlaceholderText(str(targets))
    layout.addWidget(entry)
    return entry


class CommandConfirmDialog(QDialog):
    def __init__(
        self,
        what: str,
        targets: int,
        offline: int,
        *,
        typed: bool = False,
        operator_missing: bool = False,
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("确认设备指令"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.targets = targets
        self.typed = typed
        layout = QVBoxLayout(self)
        self.note_label: QLabel | None = None
        if note:
            self.note_label = QLabel(note)
            self.note_label.setWordWrap(True)
            layout.addWidget(self.note_label)
        title = QLabel(what)
        title.setWordWrap(True)
        title.setStyleSheet("font-size: 16px; font-weight: bold;")
        layout.addWidget(title)
        self.count_label = QLabel(
            self.tr("将下发到 %1 台设备，其中 %2 台当前离线（离线设备将报告失败）")
            .replace("%1", f"{targets:,}")
            .replace("%2", f"{offline:,}")
        )
        self.count_label.setWordWrap(True)
        layout.addWidget(self.count_label)
        self.entry: QLineEdit | None = None
        if typed:
            text = self.tr("这是全市范围的指令。请输入目标设备数量 %1 以确认：")
            self.entry = typed_entry(layout, text.replace("%1", str(targets)), targets)
        if operator_missing:
            role = QLabel(
                self.tr(
                    "该指令需要设备操作员（operator）角色；您当前没有该角色，"
                    "服务器将按您的当前角色裁决，预计会拒绝并记录审计。"
                )
            )
            role.setWordWrap(True)
            role.setStyleSheet("color: #e65100;")
            layout.addWidget(role)
        self.buttons = QDialogButtonBox()
        self.ok_button = QPushButton(self.tr("下发"))
        self.cancel_button = QPushButton(self.tr("取消"))
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        # Enter must not send a command: Cancel is the default, OK needs a deliberate click.
        self.ok_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if self.entry is not None:
            self.ok_button.setEnabled(False)
            self.entry.textChanged.connect(self._on_entry_text_changed)
            self.entry.setFocus()
        else:
            self.cancel_button.setFocus()
        self.setMinimumWidth(460)

    def _on_entry_text_changed(self, text: str) -> None:
        self.ok_button.setEnabled(text.strip() == str(self.targets))

    def accept(self) -> None:
        if self.entry is not None and self.entry.text().strip() != str(self.targets):
            return  # typed confirmation missing: OK stays without effect
        super().accept()


class ReconfirmDialog(QDialog):
    def __init__(
        self,
        what: str,
        age_minutes: int,
        targets: int,
        *,
        typed: bool = False,
        attempted: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("离线排队的指令需重新确认"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.targets = targets
        layout = QVBoxLayout(self)
        label = QLabel(
            self.tr(
                "以下指令在本机排队了 %1 分钟，尚未下发：\n\n%2\n（%3 台设备）"
                "\n\n情况可能已变化：仍要下发吗？在您决定之前，本机之后的所有操作也暂停上传。"
            )
            .replace("%1", str(age_minutes))
            .replace("%2", what)
            .replace("%3", f"{targets:,}")
        )
        label.setWordWrap(True)
        layout.addWidget(label)
        self.attempted_label: QLabel | None = None
        if attempted:
            # Sent once without an answer: the server may have applied it; a void (a rewritten
            # expiry) is then answered with the stored result and stops nothing.
            self.attempted_label = QLabel(
                self.tr(
                    "注意：该指令此前已上送过但未收到服务器答复，服务器可能已经执行了它。"
                    "“作废”只能阻止尚未执行的指令，无法撤回已执行的操作。"
                )
            )
            self.attempted_label.setWordWrap(True)
            self.attempted_label.setStyleSheet("color: #e65100; font-weight: bold;")
            layout.addWidget(self.attempted_label)
        self.entry: QLineEdit | None = None
        if typed:
            text = self.tr("这是全市范围的指令。如仍要下发，请再次输入目标设备数量 %1：")
            self.entry = typed_entry(layout, text.replace("%1", str(targets)), targets)
        buttons = QDialogButtonBox()
        self.send_button = QPushButton(self.tr("仍然下发"))
        self.void_button = QPushButton(
            self.tr("作废（如尚未执行）") if attempted else self.tr("作废，不下发")
        )
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.void_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.send_button.setAutoDefault(False)
        self.void_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if self.entry is not None:
            self.send_button.setEnabled(False)
            self.entry.textChanged.connect(self._on_entry_text_changed)
            self.entry.setFocus()
        self.setMinimumWidth(480)

    def _on_entry_text_changed(self, text: str) -> None:
        self.send_button.setEnabled(text.strip() == str(self.targets))

    def accept(self) -> None:
        if self.entry is not None and self.entry.text().strip() != str(self.targets):
            return  # a city-wide command is only sent with the count typed again
        super().accept()
