"""What the link to the server is doing, always in view.

Offers ``SyncStatusBar`` (the window's status bar: connection state with a coloured dot, intents
waiting in the outbox, device commands held for re-confirmation — they hold up everything
behind them, so every window says why nothing uploads — and the time of the last sync) and
``OfflineBanner`` (a strip across the top of a window while offline, saying that work is kept
and will go up, with a "重新登录" button when the login expired). Both take ``SyncStatus``
values from ``SyncBridge.status_changed``. ``show_message_line(label, text, error=)``: the
message line the workstation and the alarm map share.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStatusBar, QWidget

from cityops.domain.city import CITY_TZ
from cityops.sync.engine import ConnectionState, SyncStatus

_COLOURS = {
    ConnectionState.ONLINE: "#2e7d32",
    ConnectionState.SYNCING: "#1565c0",
    ConnectionState.OFFLINE: "#e65100",
    ConnectionState.AUTH_EXPIRED: "#c62828",
    ConnectionState.BLOCKED: "#c62828",
}


def state_text(state: ConnectionState) -> str:
    # Spelled out (not through a helper): lupdate only sees literal translate calls.
    return {
        ConnectionState.ONLINE: QCoreApplication.translate("SyncStatus", "在线"),
        ConnectionState.SYNCING: QCoreApplication.translate("SyncStatus", "同步中"),
        ConnectionState.OFFLINE: QCoreApplication.translate("SyncStatus", "离线"),
        ConnectionState.AUTH_EXPIRED: QCoreApplication.translate("SyncStatus", "需重新登录"),
        ConnectionState.BLOCKED: QCoreApplication.translate("SyncStatus", "同步受阻"),
    }[state]


def local_time(iso: str | None) -> str:
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(iso).astimezone(CITY_TZ).strftime("%H:%M:%S")
    except ValueError:
        return "—"


class SyncStatusBar(QStatusBar):
    def __init__(self, user_text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state_label = QLabel()
        self.outbox_label = QLabel()
        self.held_label = QLabel()
        self.held_label.setStyleSheet("color: #c62828; font-weight: bold;")
        self.held_label.setToolTip(
            self.tr("离线排队数分钟的设备指令需在“设备控制”窗口重新确认或作废，之后的操作才会上传")
        )
        self.synced_label = QLabel()
        self.user_label = QLabel(user_text)
        for label in (
            self.user_label,
            self.state_label,
            self.outbox_label,
            self.held_label,
            self.synced_label,
        ):
            self.addPermanentWidget(label)
        self.set_status(SyncStatus())

    def set_status(self, status: SyncStatus) -> None:
        colour = _COLOURS[status.state]
        self.state_label.setText(
            f"<span style='color:{colour}'>●</span> {state_text(status.state)}"
        )
        self.state_label.setToolTip(status.detail)
        self.outbox_label.setText(self.tr("待上传 %n 条", "", status.outbox))
        self.held_label.setText(self.tr("等待设备指令重新确认（%n 条）", "", status.held))
        self.held_label.setVisible(status.held > 0)
        self.synced_label.setText(
            self.tr("最后同步 %1").replace("%1", local_time(status.last_sync_at))
        )


class OfflineBanner(QFrame):
    relogin_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineBanner")
        self.setStyleSheet(
            "#offlineBanner { background: #fff3e0; border-bottom: 1px solid #e65100; }"
            " QLabel { color: #bf360c; font-weight: bold; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        self.label = QLabel()
        self.relogin_button = QPushButton(self.tr("重新登录"))
        self.relogin_button.clicked.connect(self.relogin_requested)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.relogin_button)
        self.hide()

    def set_status(self, status: SyncStatus) -> None:
        state = status.state
        self.relogin_button.setVisible(state is ConnectionState.AUTH_EXPIRED)
        if state is ConnectionState.OFFLINE:
            text = self.tr(
                "离线工作中：操作已保存在本机，恢复连接后自动上传（待上传 %n 条）",
                "",
                status.outbox,
            )
        elif state is ConnectionState.AUTH_EXPIRED:
            text = self.tr(
                "登录已失效：操作仍保存在本机（待上传 %n 条），请重新登录后上传", "", status.outbox
            )
        elif state is ConnectionState.BLOCKED:
            text = self.tr("同步受阻，请联系系统管理员：") + status.detail
        else:
            self.hide()
            return
        self.label.setText(text)
        self.show()


def message_line() -> QLabel:
    """A window's message line under its toolbar: hidden until ``show_message_line``."""
    label = QLabel()
    label.setObjectName("messageLine")
    label.setWordWrap(True)
    label.setStyleSheet("#messageLine { padding: 4px 10px; }")
    label.hide()
    return label


def show_message_line(label: QLabel, text: str, *, error: bool = False) -> None:
    """A window's message line (a QLabel named ``messageLine``): red for a problem, green for a
    note; it stays until replaced."""
    colour = "#b71c1c" if error else "#1b5e20"
    background = "#ffebee" if error else "#e8f5e9"
    label.setStyleSheet(
        f"#messageLine {{ padding: 4px 10px; color: {colour}; background: {background}; }}"
    )
    label.setText(text)
    label.show()
