"""The login dialog, and on a fresh installation the first-run dialog.

Offers ``LoginDialog(server_url, user, *, first_run, can_start_offline)``: server URL, user and
password; ``login_requested(url, user, password)`` and ``offline_requested(url, user)`` are
emitted for the presenter (which does the network work and answers with ``show_error`` or closes
the dialog). First run (no server configured yet) explains what the address is and where to get
it; "离线启动" is offered only when this machine holds a cache for that server and user.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def url_problem(text: str) -> str | None:
    url = QUrl(text.strip())
    if not text.strip():
        return QCoreApplication.translate("LoginDialog", "请填写服务器地址")
    if url.scheme() not in ("http", "https") or not url.host():
        return QCoreApplication.translate("LoginDialog", "地址应形如 http://192.168.1.10:8000")
    return None


class LoginDialog(QDialog):
    login_requested = Signal(str, str, str)
    offline_requested = Signal(str, str)

    def __init__(
        self,
        server_url: str = "",
        user: str = "",
        *,
        first_run: bool = False,
        can_start_offline: Callable[[str, str], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._first_run = first_run
        self._can_start_offline = can_start_offline or (lambda _url, _user: False)
        self._setup_ui(server_url, user)
        self._on_fields_edited()

    def _setup_ui(self, server_url: str, user: str) -> None:
        self.setWindowTitle(self.tr("城市运行管理服务平台 — 登录"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("城市运行指挥大厅"))
        title.setStyleSheet("font-size: 20px; font-weight: bold;")
        layout.addWidget(title)
        if self._first_run:
            welcome = QLabel(
                self.tr(
                    "首次启动：请填写指挥中心服务器的地址（由系统管理员提供，"
                    "例如 http://192.168.1.10:8000）。之后本机会记住它。"
                )
            )
            welcome.setWordWrap(True)
            welcome.setObjectName("firstRunHint")
            layout.addWidget(welcome)
        form = QFormLayout()
        self._form = form
        self.url_edit = QLineEdit(server_url)
        self.url_edit.setPlaceholderText("http://192.168.1.10:8000")
        self.url_error = QLabel()
        self.url_error.setStyleSheet("color: #c62828;")
        self.url_error.hide()
        self.user_edit = QLineEdit(user)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("服务器地址"), self.url_edit)
        form.addRow("", self.url_error)
        form.addRow(self.tr("用户名"), self.user_edit)
        form.addRow(self.tr("密码"), self.password_edit)
        layout.addLayout(form)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox()
        self.login_button = QPushButton(self.tr("登录"))
        self.login_button.setDefault(True)
        self.offline_button = QPushButton(self.tr("离线启动"))
        self.offline_button.setToolTip(self.tr("使用本机上次的缓存工作，联网后再登录上传"))
        cancel = QPushButton(self.tr("退出"))
        # Only 登录 answers Enter: an auto-default button becomes the default when it gets the
        # focus, and the focus lands on 退出 while the other fields are disabled during a
        # login, so after a wrong password, Enter would have quit the application.
        self.offline_button.setAutoDefault(False)
        cancel.setAutoDefault(False)
        buttons.addButton(self.login_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.offline_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(buttons)
        self.login_button.clicked.connect(self._on_login_clicked)
        self.offline_button.clicked.connect(self._on_offline_clicked)
        cancel.clicked.connect(self.reject)
        for edit in (self.url_edit, self.user_edit, self.password_edit):
            edit.textChanged.connect(self._on_fields_edited)
        focus = (
            self.url_edit
            if self._first_run or not server_url
            else (self.password_edit if user else self.user_edit)
        )
        focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_fields_edited(self) -> None:
        url, user = self.url_edit.text().strip(), self.user_edit.text().strip()
        problem = url_problem(url) if url else None
        self.url_error.setText(problem or "")
        # The whole row: a hidden label alone leaves an empty row's gap under the address.
        self._form.setRowVisible(self.url_error, bool(problem))
        ready = bool(url) and problem is None and bool(user)
        self.login_button.setEnabled(ready and bool(self.password_edit.text()))
        self.offline_button.setEnabled(ready and self._can_start_offline(url, user))

    def _on_login_clicked(self) -> None:
        self.set_busy(True)
        self.login_requested.emit(
            self.url_edit.text().strip(), self.user_edit.text().strip(), self.password_edit.text()
        )

    def _on_offline_clicked(self) -> None:
        self.set_busy(True)
        self.offline_requested.emit(self.url_edit.text().strip(), self.user_edit.text().strip())

    def set_busy(self, busy: bool) -> None:
        self.error_label.setVisible(busy)
        self.error_label.setStyleSheet("color: #555;" if busy else "color: #c62828;")
        if busy:
            self.error_label.setText(self.tr("正在连接…"))
        if busy:
            self.setFocus()  # keep it off the buttons while the fields are disabled
        for widget in (self.url_edit, self.user_edit, self.password_edit):
            widget.setEnabled(not busy)
        if busy:
            self.login_button.setEnabled(False)
            self.offline_button.setEnabled(False)
        else:
            self._on_fields_edited()

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.setText(message)
        self.error_label.show()
        self.login_button.setDefault(True)
        self.password_edit.selectAll()
        self.password_edit.setFocus()
