"""The shell around the workstation as a user meets it: the login and first-run dialog, logging
in against the real server and starting offline on the last cache, window geometry per screen
setup, uncaught errors, and the sync status bar and offline banner."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWidgets")
qasync = pytest.importorskip("qasync")

from PySide6.QtCore import QSize, Qt  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cityops.desktop import errors, geometry  # noqa: E402
from cityops.desktop.login import LoginPresenter  # noqa: E402
from cityops.desktop.login_dialog import LoginDialog  # noqa: E402
from cityops.desktop.session import LoginError, Session, cache_path  # noqa: E402
from cityops.desktop.settings import ClientSettings  # noqa: E402
from cityops.desktop.status_bar import OfflineBanner, SyncStatusBar, state_text  # noqa: E402
from cityops.domain import cases as cs  # noqa: E402
from cityops.domain.actors import Role  # noqa: E402
from cityops.domain.schemas import Entity  # noqa: E402
from cityops.sync.engine import ConnectionState, SyncStatus  # noqa: E402
from tests.qt.test_workstation import run, until  # noqa: E402
from tests.server.conftest import new_id  # noqa: E402
from tests.sync.conftest import PASSWORD, Api, RestartableServer  # noqa: E402

SHOTS = Path("screenshots/tests")
URL = "http://192.168.1.10:8000"


def shot(widget: QWidget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()  # pending layout requests: labels sized for their new text
    assert widget.grab().save(str(SHOTS / f"{name}.png"))


def focused_after_show(qtbot: Any, dialog: QWidget) -> QWidget | None:
    dialog.show()
    dialog.activateWindow()
    qtbot.waitExposed(dialog)
    assert QTest.qWaitForWindowActive(dialog)
    return QApplication.focusWidget()


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This machine's settings and caches in a temporary folder."""
    monkeypatch.setenv("CITYOPS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CITYOPS_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path


# ---------------------------------------------------------------------- the login dialog


def test_first_run_explains_the_address_and_starts_in_it(qtbot: Any) -> None:
    dialog = LoginDialog(first_run=True)
    qtbot.addWidget(dialog)
    assert focused_after_show(qtbot, dialog) is dialog.url_edit
    hint = dialog.findChild(QLabel, "firstRunHint")
    assert hint is not None
    assert hint.isVisible()
    assert "服务器的地址" in hint.text()
    assert not dialog.login_button.isEnabled()
    assert not dialog.offline_button.isEnabled()
    QTest.keyClicks(QApplication.focusWidget() or dialog, URL)  # typing lands in the address
    assert dialog.url_edit.text() == URL
    assert not dialog.url_error.isVisible()
    shot(dialog, "login-first-run")


def test_a_known_server_and_user_start_in_the_password(qtbot: Any) -> None:
    dialog = LoginDialog(URL, "dispatcher")
    qtbot.addWidget(dialog)
    assert focused_after_show(qtbot, dialog) is dialog.password_edit
    assert dialog.findChild(QLabel, "firstRunHint") is None
    QTest.keyClicks(dialog.password_edit, "secret")
    assert dialog.login_button.isEnabled()


def test_a_bad_address_says_so_and_disables_login(qtbot: Any) -> None:
    dialog = LoginDialog(first_run=True)
    qtbot.addWidget(dialog)
    focused_after_show(qtbot, dialog)
    QTest.keyClicks(dialog.url_edit, "192.168.1.10:8000")  # no scheme
    QTest.keyClicks(dialog.user_edit, "dispatcher")
    QTest.keyClicks(dialog.password_edit, "secret")
    assert dialog.url_error.isVisible()
    assert "http://" in dialog.url_error.text()
    assert not dialog.login_button.isEnabled()
    shot(dialog, "login-bad-url")
    emitted: list[tuple[str, ...]] = []
    dialog.login_requested.connect(lambda *a: emitted.append(a))
    QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)  # Enter does not log in either
    assert emitted == []

    dialog.url_edit.clear()
    QTest.keyClicks(dialog.url_edit, URL)
    assert not dialog.url_error.isVisible()
    assert dialog.login_button.isEnabled()
    QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert emitted == [(URL, "dispatcher", "secret")]


def test_after_a_refused_login_enter_tries_again_and_does_not_quit(qtbot: Any) -> None:
    dialog = LoginDialog(URL, "dispatcher")
    qtbot.addWidget(dialog)
    focused_after_show(qtbot, dialog)
    asked: list[str] = []
    dialog.login_requested.connect(lambda _u, _n, p: asked.append(p))
    quit_: list[int] = []
    dialog.rejected.connect(lambda: quit_.append(1))
    QTest.keyClicks(dialog.password_edit, "wrong")
    QTest.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert not dialog.password_edit.isEnabled()  # busy
    dialog.show_error("用户名或密码错误，或账号已停用。")
    assert dialog.error_label.isVisible()
    assert QApplication.focusWidget() is dialog.password_edit
    QTest.keyClicks(dialog.password_edit, "right")  # replaces the selected wrong one
    QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert asked == ["wrong", "right"]
    assert quit_ == []
    assert dialog.isVisible()


def test_offline_start_is_offered_only_with_a_cache_for_that_server_and_user(
    qtbot: Any, tmp_path: Path
) -> None:
    cached = cache_path(URL, "dispatcher", tmp_path)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"")
    dialog = LoginDialog(
        URL, "dispatcher", can_start_offline=lambda u, n: cache_path(u, n, tmp_path).exists()
    )
    qtbot.addWidget(dialog)
    focused_after_show(qtbot, dialog)
    assert dialog.offline_button.isEnabled()  # no password needed to work offline
    assert not dialog.login_button.isEnabled()
    shot(dialog, "login-offline-offered")

    dialog.user_edit.setText("commander")  # another user: another cache, none here
    assert not dialog.offline_button.isEnabled()
    dialog.user_edit.setText("dispatcher")
    dialog.url_edit.setText("http://192.168.1.11:8000")  # another server
    assert not dialog.offline_button.isEnabled()
    dialog.url_edit.setText(URL)
    offline: list[tuple[str, str]] = []
    dialog.offline_requested.connect(lambda u, n: offline.append((u, n)))
    QTest.mouseClick(dialog.offline_button, Qt.MouseButton.LeftButton)
    assert offline == [(URL, "dispatcher")]
    assert "正在连接" in dialog.error_label.text()  # busy while the presenter works
    assert not dialog.offline_button.isEnabled()


# ---------------------------------------------------------------------- logging in for real


def state_of(session: Session) -> ConnectionState:
    return session.engine.status.state


def visible_login_dialogs() -> list[QWidget]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()
    ]


async def shown_dialog(presenter: LoginPresenter) -> LoginDialog:
    await until(lambda: presenter.dialog is not None and presenter.dialog.isVisible(), 5)
    assert presenter.dialog is not None
    return presenter.dialog


def test_login_retry_remember_then_offline_start_and_relogin(
    qapp: QApplication, server: RestartableServer, api: Api, dirs: Path
) -> None:
    case_id = new_id()

    async def scenario() -> None:
        # 1. First run: address, user, a wrong password; the dialog says why and stays.
        presenter = LoginPresenter(ClientSettings())
        task = asyncio.ensure_future(presenter.run("", ""))
        dialog = await shown_dialog(presenter)
        assert dialog.findChild(QLabel, "firstRunHint") is not None
        QTest.keyClicks(dialog.url_edit, server.url)
        QTest.keyClicks(dialog.user_edit, "dispatcher")
        QTest.keyClicks(dialog.password_edit, "wrong password")
        QTest.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
        await until(lambda: "密码错误" in dialog.error_label.text(), 10, "the refusal shown")
        assert dialog.isVisible()
        assert not task.done()
        assert dialog.password_edit.isEnabled()
        assert dialog.login_button.isEnabled()
        shot(dialog, "login-wrong-password")
        # The wrong password is selected: typing the right one replaces it.
        QTest.keyClicks(dialog.password_edit, PASSWORD)
        assert dialog.password_edit.text() == PASSWORD
        QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        logged_in = await asyncio.wait_for(task, 15)
        assert logged_in is not None
        assert Role.DISPATCHER in logged_in.me.roles
        assert logged_in.me.user_id == "dispatcher"
        assert not visible_login_dialogs()
        # The cache holds the user's changes once synced.
        logged_in.start()
        await until(lambda: state_of(logged_in) is ConnectionState.ONLINE, 15)
        await logged_in.close()
        remembered = ClientSettings()  # read back from the file, as the next start does
        assert remembered.server_url == server.url
        assert remembered.last_user == "dispatcher"

        # 2. The server is down: the next start offers 离线启动 for this server and user.
        server.stop()
        down = True
        host = QWidget()
        offline: list[Session] = []
        try:
            presenter = LoginPresenter(ClientSettings())
            task = asyncio.ensure_future(presenter.run(remembered.server_url, remembered.last_user))
            dialog = await shown_dialog(presenter)
            assert dialog.findChild(QLabel, "firstRunHint") is None
            assert dialog.url_edit.text() == server.url
            assert dialog.user_edit.text() == "dispatcher"
            assert dialog.offline_button.isEnabled()
            shot(dialog, "login-server-down")
            QTest.mouseClick(dialog.offline_button, Qt.MouseButton.LeftButton)
            started = await asyncio.wait_for(task, 10)
            assert started is not None
            offline.append(started)
            session = started
            assert session.me.roles == frozenset({Role.DISPATCHER})

            banner, bar = OfflineBanner(), SyncStatusBar("dispatcher")
            column = QVBoxLayout(host)
            column.addWidget(banner)
            column.addWidget(bar)
            host.resize(900, 120)
            host.show()
            session.bridge.status_changed.connect(banner.set_status)
            session.bridge.status_changed.connect(bar.set_status)
            session.start()
            await until(lambda: banner.isVisible(), 10, "the offline banner")
            assert state_of(session) is ConnectionState.OFFLINE
            assert state_text(ConnectionState.OFFLINE) in bar.state_label.text()
            assert not banner.relogin_button.isVisible()  # nothing to log in to yet

            source = sorted(cs.allowed_sources(session.me))[0]
            await session.bridge.submit(
                "case.report",
                {
                    "case_id": case_id,
                    "source": source,
                    "description": "离线时接到的电话：路灯不亮",
                    "district_code": "330106",
                },
                entity=Entity.CASE,
                entity_id=case_id,
            )
            await until(lambda: "1" in banner.label.text(), 5, "the banner counts 1")
            assert "待上传 1 条" in bar.outbox_label.text()
            await asyncio.sleep(1.0)
            assert session.store.outbox_length() == 1
            assert state_of(session) is ConnectionState.OFFLINE
            shot(host, "offline-start-banner")

            # 3. Back, but this session never logged in: the work waits for the user.
            server.start()
            down = False
            await until(lambda: banner.relogin_button.isVisible(), 15, "重新登录 offered")
            assert state_of(session) is ConnectionState.AUTH_EXPIRED
            assert session.store.outbox_length() == 1
            assert not any(c["entity_id"] == case_id for c in api.all_changes("dispatcher"))
            shot(host, "offline-start-relogin")
            with pytest.raises(LoginError, match="密码错误"):
                await session.relogin("wrong password")
            await session.relogin(PASSWORD)
            await until(lambda: session.store.outbox_length() == 0, 15, "the outbox drained")
            await until(lambda: not banner.isVisible(), 10, "the banner gone")
            assert "待上传 0 条" in bar.outbox_label.text()
        finally:
            for session in offline:
                await session.close()
            host.close()
            if down:
                server.start()

    run(qapp, scenario())
    cases = [
        c
        for c in api.all_changes("dispatcher")
        if c["entity"] == "case" and c["entity_id"] == case_id
    ]
    assert len(cases) == 1, cases
    assert cases[0]["payload"]["description"] == "离线时接到的电话：路灯不亮"


def test_offline_start_for_an_unknown_user_says_why(qapp: QApplication, dirs: Path) -> None:
    async def scenario() -> None:
        with pytest.raises(LoginError, match="nobody") as raised:
            await Session.offline(URL, "nobody")
        assert "离线启动" in str(raised.value)

    run(qapp, scenario())


# ---------------------------------------------------------------------- geometry


@pytest.fixture
def settings(tmp_path: Path) -> ClientSettings:
    return ClientSettings(tmp_path / "desktop.ini")


def window(qtbot: Any) -> QMainWindow:
    w = QMainWindow()
    w.setCentralWidget(QLabel("调度工作台"))
    qtbot.addWidget(w)
    return w


def test_intranet_tile_url_is_kept_and_a_malformed_one_ignored(settings: ClientSettings) -> None:
    assert settings.map_tile_url is None  # the district layer alone by default
    settings.map_tile_url = "http://tiles.gov.intranet/hz/{z}/{x}/{y}.png"
    settings.sync()
    assert (
        ClientSettings(settings.path).map_tile_url == "http://tiles.gov.intranet/hz/{z}/{x}/{y}.png"
    )
    for bad in ("tiles.gov.intranet/{z}/{x}/{y}.png", "http://tiles.gov.intranet/hz.png", "  "):
        settings.map_tile_url = bad
        assert settings.map_tile_url is None, bad


def test_geometry_comes_back_for_the_same_screens(qtbot: Any, settings: ClientSettings) -> None:
    first = window(qtbot)
    first.setGeometry(60, 80, 520, 410)
    first.show()
    qtbot.waitExposed(first)
    geometry.save(first, settings, "workstation")
    settings.sync()

    again = window(qtbot)
    reread = ClientSettings(settings.path)
    assert geometry.restore(again, reread, "workstation", QSize(700, 500))
    assert again.geometry() == first.geometry()


def test_geometry_saved_off_every_screen_is_not_applied(
    qtbot: Any, settings: ClientSettings
) -> None:
    # Saved while a second screen (now unplugged) stood to the right of this one.
    first = window(qtbot)
    first.setGeometry(10_000, 80, 520, 410)
    geometry.save(first, settings, "workstation")

    again = window(qtbot)
    default = QSize(700, 500)
    assert not geometry.restore(again, settings, "workstation", default)
    assert again.size() == default
    assert QGuiApplication.screenAt(again.geometry().center()) is QGuiApplication.primaryScreen()


def test_geometry_of_another_screen_setup_is_not_used(qtbot: Any, settings: ClientSettings) -> None:
    first = window(qtbot)
    first.setGeometry(60, 80, 520, 410)
    settings.set_geometry("workstation", "3840x2160+0+0", first.saveGeometry())
    again = window(qtbot)
    assert not geometry.restore(again, settings, "workstation", QSize(700, 500))
    assert again.size() == QSize(700, 500)


# ---------------------------------------------------------------------- uncaught errors


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield tmp_path / "logs"
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
            root.removeHandler(handler)
    root.setLevel(level)


def message_boxes() -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def test_an_uncaught_error_is_logged_and_shown_without_stopping_the_app(
    qtbot: Any, log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = QMainWindow()
    button = QPushButton("派遣")
    main.setCentralWidget(button)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    path = errors.install_excepthook(log_dir)
    assert sys.excepthook is errors.show_error

    def repaint_alarm_layer() -> None:
        raise ValueError("告警图层数据损坏")

    try:
        repaint_alarm_layer()
    except ValueError:
        sys.excepthook(*sys.exc_info())  # what Python does with an error nobody caught

    logged = path.read_text(encoding="utf-8")
    assert "uncaught error" in logged
    assert "Traceback" in logged
    assert "repaint_alarm_layer" in logged
    assert "告警图层数据损坏" in logged
    boxes = message_boxes()
    assert len(boxes) == 1
    box = boxes[0]
    assert "ValueError: 告警图层数据损坏" in box.informativeText()
    assert "repaint_alarm_layer" in box.detailedText()
    assert box.windowModality() is not Qt.WindowModality.ApplicationModal
    qtbot.waitExposed(box)
    shot(box, "error-box")
    # The hall keeps running: the main window still takes clicks while the box is open.
    with qtbot.waitSignal(button.clicked, timeout=1000):
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not message_boxes())
    assert errors._shown == []  # not kept once closed


# ---------------------------------------------------------------------- status bar and banner


def dot_pixels(label: QLabel, colour: str) -> int:
    """How many pixels of the state dot's colour the label shows."""
    image = label.grab().toImage()
    want = QColor(colour)
    return sum(
        1
        for x in range(image.width())
        for y in range(image.height())
        if abs(image.pixelColor(x, y).red() - want.red()) < 12
        and abs(image.pixelColor(x, y).green() - want.green()) < 12
        and abs(image.pixelColor(x, y).blue() - want.blue()) < 12
    )


@pytest.mark.parametrize(
    ("state", "text", "colour"),
    [
        (ConnectionState.ONLINE, "在线", "#2e7d32"),
        (ConnectionState.SYNCING, "同步中", "#1565c0"),
        (ConnectionState.OFFLINE, "离线", "#e65100"),
        (ConnectionState.AUTH_EXPIRED, "需重新登录", "#c62828"),
        (ConnectionState.BLOCKED, "同步受阻", "#c62828"),
    ],
)
def test_status_bar_shows_each_state_in_its_colour(
    qtbot: Any, state: ConnectionState, text: str, colour: str
) -> None:
    bar = SyncStatusBar("张三（dispatcher）")
    qtbot.addWidget(bar)
    bar.resize(900, 28)
    bar.show()
    qtbot.waitExposed(bar)
    other = ConnectionState.OFFLINE if state is ConnectionState.ONLINE else ConnectionState.ONLINE
    bar.set_status(SyncStatus(state=other))
    assert dot_pixels(bar.state_label, colour) == 0
    bar.set_status(
        SyncStatus(state=state, outbox=3, last_sync_at="2026-11-28T02:03:04+00:00", detail="x")
    )
    assert text in bar.state_label.text()
    assert dot_pixels(bar.state_label, colour) >= 4
    assert "待上传 3 条" in bar.outbox_label.text()
    assert "10:03:04" in bar.synced_label.text()  # city time
    assert "张三" in bar.user_label.text()
    shot(bar, f"status-bar-{state.value}")


def test_status_bar_before_any_sync(qtbot: Any) -> None:
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    assert "—" in bar.synced_label.text()
    assert "待上传 0 条" in bar.outbox_label.text()


def test_offline_banner_counts_offers_relogin_and_hides_online(qtbot: Any) -> None:
    host = QWidget()
    column = QVBoxLayout(host)
    banner = OfflineBanner()
    column.addWidget(banner)
    column.addStretch()
    qtbot.addWidget(host)
    host.resize(1000, 80)
    host.show()
    qtbot.waitExposed(host)
    assert not banner.isVisible()

    banner.set_status(SyncStatus(state=ConnectionState.OFFLINE, outbox=7))
    assert banner.isVisible()
    assert "离线" in banner.label.text()
    assert "待上传 7 条" in banner.label.text()
    assert not banner.relogin_button.isVisible()
    shot(host, "banner-offline")

    banner.set_status(SyncStatus(state=ConnectionState.AUTH_EXPIRED, outbox=7))
    assert banner.isVisible()
    assert "重新登录" in banner.label.text()
    assert banner.relogin_button.isVisible()
    with qtbot.waitSignal(banner.relogin_requested, timeout=1000):
        QTest.mouseClick(banner.relogin_button, Qt.MouseButton.LeftButton)
    shot(host, "banner-auth-expired")

    banner.set_status(SyncStatus(state=ConnectionState.BLOCKED, detail="服务器缺少本机第 5 号操作"))
    assert "第 5 号" in banner.label.text()
    assert not banner.relogin_button.isVisible()

    for state in (ConnectionState.SYNCING, ConnectionState.ONLINE):
        banner.set_status(SyncStatus(state=ConnectionState.OFFLINE, outbox=1))
        banner.set_status(SyncStatus(state=state, outbox=1))
        assert not banner.isVisible(), state


def test_the_language_chosen_in_the_settings_menu_is_kept_for_the_next_start(
    qapp: QApplication, tmp_path: Path
) -> None:
    from cityops.desktop.settings import ClientSettings
    from cityops.desktop.window_manager import WindowManager
    from cityops.desktop.workstation import WorkstationWindow
    from cityops.domain.reference import load_reference

    settings = ClientSettings(tmp_path / "desktop.ini")
    window = WorkstationWindow(load_reference(), "tester")
    WindowManager(session=None, settings=settings).attach_language_choice(window)  # type: ignore[arg-type]
    menu = next(a.menu() for a in window.menuBar().actions() if a.text().startswith("设置"))
    next(a for a in menu.actions() if a.text() == "English").trigger()
    assert ClientSettings(tmp_path / "desktop.ini").language == "en"
    assert "下次启动" in window.message.text()
    window.close()
