"""The dispatcher's live alarm queue: a dock-sized list of the alarms on the wall.

Offers to the dispatcher workstation (and to ``alarm_presenter``, which feeds it):

- ``AlarmQueuePanel(QWidget)``: active alarms (shelved ones behind a toggle), most severe first
  and newest first within a severity, one two-line card per alarm (severity colour and name,
  kind, device, district, value vs threshold, occurrences, age, who acknowledged); counts per
  severity in its header; acknowledge / shelve / unshelve / convert-to-case buttons with keyboard
  shortcuts; an audible, always-on-top alert for unacknowledged critical alarms. It holds no
  store or server: it takes plain documents through ``set_alarms`` and emits ``*_requested``;
- ``CriticalAlarmPopup``: the non-modal, always-on-top window naming a critical alarm;
- ``ShelveDialog`` (``ShelveDialog.ask(row, clock, parent, chosen)`` opens it for a row: the queue
  and the alarm map) and ``shelve_until(choice, now)``: a shelf's expiry from the offered choices;
- ``domain_name(kind | severity | state)``: the domain's name of it in the UI language;
  ``card_detail(row)`` / ``card_status(row, now)``: the texts of a card's second line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import Enum
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QKeySequence,
    QPainter,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cityops.desktop.i18n import language
from cityops.domain.alarm_rules import default_rules
from cityops.domain.alarms import AlarmKind, AlarmState, Severity
from cityops.domain.city import CITY_TZ

#: Hall colours per severity (the wall and the map use the same four).
SEVERITY_COLOURS: Final[Mapping[Severity, str]] = {
    Severity.CRITICAL: "#d32f2f",
    Severity.MAJOR: "#ef6c00",
    Severity.MINOR: "#c79100",
    Severity.WARNING: "#1e88e5",
}
SEVERITY_ORDER: Final = (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, Severity.WARNING)
#: States listed in the queue; shelved ones only behind the toggle. Closed and out-of-service
#: alarms are not the dispatcher's to handle.
ACTIVE_STATES: Final = frozenset(
    {AlarmState.ACTIVE_UNACK, AlarmState.ACTIVE_ACK, AlarmState.CLEARED_UNACK}
)
NEEDS_ACK: Final = frozenset({AlarmState.ACTIVE_UNACK, AlarmState.CLEARED_UNACK})
#: How often the alert beeps while a critical alarm waits for its acknowledgement.
BEEP_INTERVAL_MS: Final = 1500
#: Ages on the cards are minutes: a repaint twice a minute keeps them right.
AGE_REFRESH_MS: Final = 30_000

IdRole: Final = Qt.ItemDataRole.UserRole + 1
RowRole: Final = Qt.ItemDataRole.UserRole + 2

_UNITS: Final[Mapping[AlarmKind, str]] = {rule.kind: rule.unit for rule in default_rules()}


def domain_name(thing: AlarmKind | Severity | AlarmState) -> str:
    """The domain's own name of a kind, severity or state in the UI language (``.zh``/``.en``:
    the domain keeps both, so they are not in the translation files)."""
    return thing.en if language() == "en" else thing.zh


def _qualified(name: str, detail: str) -> str:
    """``name（detail）`` with the UI language's brackets."""
    return (
        QCoreApplication.translate("AlarmQueuePanel", "%1（%2）")
        .replace("%2", detail)
        .replace("%1", name)
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _parse_time(text: Any) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(str(text))


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"


def hall_clock(when: datetime, now: datetime) -> str:
    """``10:32`` today, ``11-05 10:32`` on another day (city time)."""
    local = when.astimezone(CITY_TZ)
    if local.date() == now.astimezone(CITY_TZ).date():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")


def age_text(since: datetime, now: datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() / 60))
    if minutes < 1:
        return QCoreApplication.translate("AlarmQueuePanel", "刚刚")
    # The panel's tr with n: lupdate marks these as plurals (it does not for translate(..., n)),
    # so English says "1 hour ago" / "2 hours ago" (the stubs lack a class-level tr: ignores).
    if minutes < 60:
        return AlarmQueuePanel.tr("%n 分钟前", "", minutes)  # type: ignore[arg-type]
    hours, _ = divmod(minutes, 60)
    if hours < 48:
        return AlarmQueuePanel.tr("%n 小时前", "", hours)  # type: ignore[arg-type]
    days, _ = divmod(hours, 24)
    return AlarmQueuePanel.tr("%n 天前", "", days)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class AlarmRow:
    """What one card shows, taken from an ``AlarmDoc`` document once per update."""

    id: str
    severity: Severity
    peak_severity: Severity
    state: AlarmState
    kind: str
    device: str
    district: str
    reading: str
    occurrences: int
    first_raised_at: datetime
    acked_by: str
    shelved_until: datetime | None
    shelve_reason: str
    case_id: str | None
    version: int

    @property
    def needs_ack(self) -> bool:
        return self.state in NEEDS_ACK

    @property
    def alerting(self) -> bool:
        """Critical, the condition present and nobody has acknowledged it yet."""
        return self.severity is Severity.CRITICAL and self.state is AlarmState.ACTIVE_UNACK

    def sort_key(self) -> tuple[int, float, str]:
        return (-self.severity.rank, -self.first_raised_at.timestamp(), self.id)


def alarm_row(
    doc: Mapping[str, Any], districts: Mapping[str, str], devices: Mapping[str, str]
) -> AlarmRow:
    kind = AlarmKind(doc["kind"])
    unit = _UNITS.get(kind, "")
    device_id = str(doc["device_id"])
    name = devices.get(device_id)
    district_code = doc.get("district_code")
    return AlarmRow(
        id=str(doc["id"]),
        severity=Severity(doc["severity"]),
        peak_severity=Severity(doc.get("peak_severity") or doc["severity"]),
        state=AlarmState(doc["state"]),
        kind=domain_name(kind),
        device=_qualified(name, device_id) if name else device_id,
        district=districts.get(district_code, district_code) if district_code else "—",
        reading=(
            f"{_number(float(doc['value']))} {unit} / "
            + QCoreApplication.translate("AlarmQueuePanel", "阈值")
            + f" {_number(float(doc['threshold']))} {unit}"
        ),
        occurrences=int(doc.get("occurrences") or 1),
        first_raised_at=_parse_time(doc["first_raised_at"]) or _utc_now(),
        acked_by=str(doc.get("acked_by_name") or doc.get("acked_by") or ""),
        shelved_until=_parse_time(doc.get("shelved_until")),
        shelve_reason=str(doc.get("shelve_reason") or ""),
        case_id=doc.get("case_id"),
        version=int(doc.get("version") or 1),
    )


class AlarmListModel(QAbstractListModel):
    """The cards in display order; ``IdRole`` gives the alarm id, ``RowRole`` the ``AlarmRow``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[AlarmRow] = []
        self._index: dict[str, int] = {}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == IdRole:
            return row.id
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{domain_name(row.severity)} {row.kind} {row.district} {row.device}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row)
        return None

    @staticmethod
    def _tooltip(row: AlarmRow) -> str:
        severity = domain_name(row.severity)
        lines = [f"{severity} · {row.kind}", row.device, row.district, row.reading]
        lines.append(
            QCoreApplication.translate("AlarmQueuePanel", "状态：") + domain_name(row.state)
        )
        if row.shelve_reason:
            lines.append(
                QCoreApplication.translate("AlarmQueuePanel", "搁置原因：") + row.shelve_reason
            )
        if row.case_id:
            lines.append(QCoreApplication.translate("AlarmQueuePanel", "已转案件：") + row.case_id)
        return "\n".join(lines)

    def rows(self) -> list[AlarmRow]:
        return list(self._rows)

    def row_of(self, alarm_id: str) -> int | None:
        return self._index.get(alarm_id)

    def replace(self, rows: list[AlarmRow]) -> None:
        """Show ``rows``; the same ids in the same order only repaint the changed cards
        (``dataChanged``, the view keeps its scroll and selection), anything else resets."""
        if [r.id for r in rows] == [r.id for r in self._rows]:
            old, self._rows = self._rows, rows
            for i, (before, after) in enumerate(zip(old, rows, strict=True)):
                if before != after:
                    self.dataChanged.emit(self.index(i), self.index(i))
            return
        self.beginResetModel()
        self._rows = rows
        self._index = {r.id: i for i, r in enumerate(rows)}
        self.endResetModel()


class AlarmCardDelegate(QStyledItemDelegate):
    """Paints a row as a two-line card: severity chip, kind, district and age; then device,
    reading, occurrences and who acknowledged (or that nobody has)."""

    PAD: Final = 6
    BAR: Final = 5

    def __init__(self, clock: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        fm = QFontMetrics(option.font)
        return QSize(360, 2 * fm.height() + 3 * self.PAD + 2)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row: AlarmRow | None = index.data(RowRole)
        if row is None:
            return
        opt: Any = option  # PySide6 stubs lack the style option's members
        rect: QRect = opt.rect
        colour = QColor(SEVERITY_COLOURS[row.severity])
        palette = opt.palette
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.fillRect(rect, palette.highlight())
        elif row.needs_ack:
            tint = QColor(colour)
            tint.setAlpha(28)
            painter.fillRect(rect, tint)
        painter.fillRect(QRect(rect.left(), rect.top(), self.BAR, rect.height()), colour)
        painter.setPen(QPen(palette.mid().color()))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())

        text_colour = palette.highlightedText().color() if selected else palette.text().color()
        dim = QColor(text_colour)
        dim.setAlpha(170)
        base = QFont(opt.font)
        bold = QFont(base)
        bold.setBold(True)
        fm = QFontMetrics(base)
        line = fm.height()
        left = rect.left() + self.BAR + self.PAD
        right = rect.right() - self.PAD
        top1 = rect.top() + self.PAD
        top2 = top1 + line + self.PAD

        # Line 1: [severity] kind · district ...... age
        chip_text = domain_name(row.severity)
        bfm = QFontMetrics(bold)
        chip = QRect(left, top1, bfm.horizontalAdvance(chip_text) + 10, line)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(colour))
        painter.drawRoundedRect(chip, 3, 3)
        painter.setFont(bold)
        painter.setPen(QColor("white"))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, chip_text)

        now = self._clock()
        age = age_text(row.first_raised_at, now)
        painter.setFont(base)
        painter.setPen(dim)
        age_width = fm.horizontalAdvance(age)
        painter.drawText(
            QRect(right - age_width, top1, age_width, line), Qt.AlignmentFlag.AlignRight, age
        )
        x = chip.right() + 8
        painter.setFont(bold)
        painter.setPen(text_colour)
        kind_width = min(bfm.horizontalAdvance(row.kind), max(0, right - age_width - 8 - x))
        painter.drawText(
            QRect(x, top1, kind_width, line),
            Qt.AlignmentFlag.AlignLeft,
            bfm.elidedText(row.kind, Qt.TextElideMode.ElideRight, kind_width),
        )
        x += kind_width + 8
        painter.setFont(base)
        room = max(0, right - age_width - 8 - x)
        painter.drawText(
            QRect(x, top1, room, line),
            Qt.AlignmentFlag.AlignLeft,
            fm.elidedText(row.district, Qt.TextElideMode.ElideRight, room),
        )

        # Line 2: device · reading · ×n ...... acknowledged by / not acknowledged / shelved
        status, status_colour = self._status(row, now, text_colour, colour, selected)
        status_font = base if row.acked_by or row.shelved_until else bold
        sfm = QFontMetrics(status_font)
        status_width = sfm.horizontalAdvance(status)
        painter.setFont(status_font)
        painter.setPen(status_colour)
        painter.drawText(
            QRect(right - status_width, top2, status_width, line),
            Qt.AlignmentFlag.AlignRight,
            status,
        )
        detail = card_detail(row)
        room = max(0, right - status_width - 10 - left)
        painter.setFont(base)
        painter.setPen(dim)
        painter.drawText(
            QRect(left, top2, room, line),
            Qt.AlignmentFlag.AlignLeft,
            fm.elidedText(detail, Qt.TextElideMode.ElideMiddle, room),
        )
        painter.restore()

    @staticmethod
    def _status(
        row: AlarmRow, now: datetime, text: QColor, colour: QColor, selected: bool
    ) -> tuple[str, QColor]:
        status = card_status(row, now)
        if row.acked_by or (row.state is AlarmState.SHELVED and row.shelved_until is not None):
            return status, text
        return status, text if selected else colour


def card_detail(row: AlarmRow) -> str:
    """A card's second line, left: device, reading, occurrences (and its case, if any)."""
    detail = f"{row.device} · {row.reading} · ×{row.occurrences}"
    if row.case_id:
        detail += " · " + QCoreApplication.translate("AlarmQueuePanel", "已转案件")
    return detail


def card_status(row: AlarmRow, now: datetime) -> str:
    """A card's second line, right: shelved until, who acknowledged, or that nobody has."""
    if row.state is AlarmState.SHELVED and row.shelved_until is not None:
        until = hall_clock(row.shelved_until, now)
        return QCoreApplication.translate("AlarmQueuePanel", "搁置至 ") + until
    cleared = row.state is AlarmState.CLEARED_UNACK
    if row.acked_by:
        prefix = QCoreApplication.translate("AlarmQueuePanel", "已恢复 · ") if cleared else ""
        return prefix + "✓ " + row.acked_by
    if cleared:
        return QCoreApplication.translate("AlarmQueuePanel", "已恢复·未确认")
    return QCoreApplication.translate("AlarmQueuePanel", "未确认")


# ----------------------------------------------------------------------------- shelving


class ShelveChoice(Enum):
    MINUTES_15 = "15m"
    HOUR_1 = "1h"
    HOURS_4 = "4h"
    MORNING = "08:00"


#: The shift's morning hand-over: "until tomorrow morning" ends a night-time shelf there.
MORNING_HANDOVER: Final = time(8, 0)


def shelve_until(choice: ShelveChoice, now: datetime) -> datetime:
    """The shelf's expiry for ``choice``; "tomorrow 08:00" is the next 08:00 in city time (so
    a shelf set at 02:00 ends at 08:00 the same morning and stays within the 24 h limit)."""
    if choice is ShelveChoice.MINUTES_15:
        return now + timedelta(minutes=15)
    if choice is ShelveChoice.HOUR_1:
        return now + timedelta(hours=1)
    if choice is ShelveChoice.HOURS_4:
        return now + timedelta(hours=4)
    local = now.astimezone(CITY_TZ)
    morning = datetime.combine(local.date(), MORNING_HANDOVER, tzinfo=CITY_TZ)
    if morning <= local:
        morning += timedelta(days=1)
    return morning.astimezone(UTC)


class ShelveDialog(QDialog):
    """Asks how long to shelve and why; refuses an empty reason inline (the server would too)."""

    def __init__(
        self, summary: str, clock: Callable[[], datetime], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._until: datetime | None = None
        self._setup_ui(summary)

    def _setup_ui(self, summary: str) -> None:
        self.setWindowTitle(self.tr("搁置告警"))
        layout = QVBoxLayout(self)
        head = QLabel(summary)
        head.setWordWrap(True)
        layout.addWidget(head)
        layout.addWidget(QLabel(self.tr("搁置时长：")))
        self.choices = QButtonGroup(self)
        labels = {
            ShelveChoice.MINUTES_15: self.tr("15 分钟"),
            ShelveChoice.HOUR_1: self.tr("1 小时"),
            ShelveChoice.HOURS_4: self.tr("4 小时"),
            ShelveChoice.MORNING: self.tr("至明早 08:00"),
        }
        row = QHBoxLayout()
        self.choice_buttons: dict[ShelveChoice, QRadioButton] = {}
        for i, (choice, label) in enumerate(labels.items()):
            button = QRadioButton(label)
            self.choices.addButton(button, i)
            self.choice_buttons[choice] = button
            row.addWidget(button)
        self.choice_buttons[ShelveChoice.HOUR_1].setChecked(True)
        layout.addLayout(row)
        layout.addWidget(QLabel(self.tr("搁置原因（必填）：")))
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(self.tr("例如：已派人现场处置，暂停提醒"))
        self.reason_edit.textChanged.connect(self._on_reason_edit_changed)
        layout.addWidget(self.reason_edit)
        self.error_label = QLabel(self.tr("请填写搁置原因"))
        self.error_label.setStyleSheet("color: #d32f2f;")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("搁置"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)

    @classmethod
    def ask(
        cls,
        row: AlarmRow,
        clock: Callable[[], datetime],
        parent: QWidget,
        chosen: Callable[[str, str, str], None],
    ) -> ShelveDialog:
        """Open the dialog for ``row`` (not modal-looped: ``open()``); on OK
        ``chosen(alarm id, until ISO, reason)``."""
        summary = f"{domain_name(row.severity)} · {row.kind} · {row.district}\n{row.device}"
        dialog = cls(summary, clock, parent)
        dialog.accepted.connect(lambda: chosen(row.id, dialog.until().isoformat(), dialog.reason()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def choice(self) -> ShelveChoice:
        for choice, button in self.choice_buttons.items():
            if button.isChecked():
                return choice
        return ShelveChoice.HOUR_1

    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def until(self) -> datetime:
        """The expiry, fixed when the dialog was accepted (computed now before that)."""
        return self._until or shelve_until(self.choice(), self._clock())

    def accept(self) -> None:
        if not self.reason():
            self.error_label.show()
            self.reason_edit.setFocus()
            return
        self._until = shelve_until(self.choice(), self._clock())
        super().accept()

    def _on_reason_edit_changed(self, text: str) -> None:
        if text.strip():
            self.error_label.hide()


# ----------------------------------------------------------------------------- critical pop-up


class CriticalAlarmPopup(QWidget):
    """Names the newest unacknowledged critical alarm, on top of every window but without
    taking the keyboard (a dispatcher typing elsewhere must not acknowledge by accident)."""

    ack_requested = Signal(str, str)  # alarm id, seen peak severity
    locate_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self._row: AlarmRow | None = None
        self._setup_ui()

    def _setup_ui(self) -> None:
        self.setWindowTitle(self.tr("紧急告警"))
        self.setObjectName("criticalAlarmPopup")
        colour = SEVERITY_COLOURS[Severity.CRITICAL]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 10)
        self.banner = QLabel(self.tr("⚠ 紧急告警 · 请立即确认"))
        self.banner.setStyleSheet(
            f"background: {colour}; color: white; font-size: 16px; font-weight: bold;"
            "padding: 8px 12px;"
        )
        layout.addWidget(self.banner)
        body = QVBoxLayout()
        body.setContentsMargins(14, 6, 14, 0)
        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.title_label.setWordWrap(True)
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.more_label = QLabel()
        self.more_label.setStyleSheet(f"color: {colour};")
        body.addWidget(self.title_label)
        body.addWidget(self.detail_label)
        body.addWidget(self.more_label)
        layout.addLayout(body)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(14, 6, 14, 0)
        self.locate_button = QPushButton(self.tr("在列表中查看"))
        self.ack_button = QPushButton(self.tr("确认告警"))
        self.ack_button.setStyleSheet(
            f"background: {colour}; color: white; font-weight: bold; padding: 6px 16px;"
        )
        self.locate_button.clicked.connect(self._on_locate_button_clicked)
        self.ack_button.clicked.connect(self._on_ack_button_clicked)
        buttons.addStretch(1)
        buttons.addWidget(self.locate_button)
        buttons.addWidget(self.ack_button)
        layout.addLayout(buttons)
        self.setMinimumWidth(440)

    def alarm_id(self) -> str | None:
        return None if self._row is None else self._row.id

    def show_alarm(self, row: AlarmRow, others: int, now: datetime) -> None:
        self._row = row
        self.title_label.setText(f"{row.kind} · {row.district}")
        self.detail_label.setText(
            self.tr("设备：")
            + row.device
            + "\n"
            + self.tr("读数：")
            + row.reading
            + "\n"
            + self.tr("首次告警：%1（%2）· ×%3")
            .replace("%1", hall_clock(row.first_raised_at, now))
            .replace("%2", age_text(row.first_raised_at, now))
            .replace("%3", str(row.occurrences))
        )
        self.more_label.setText(self.tr("另有 %n 条紧急告警未确认", "", others) if others else "")
        self.more_label.setVisible(others > 0)

    def _on_ack_button_clicked(self) -> None:
        if self._row is not None:
            self.ack_requested.emit(self._row.id, self._row.peak_severity.value)

    def _on_locate_button_clicked(self) -> None:
        if self._row is not None:
            self.locate_requested.emit(self._row.id)


# ----------------------------------------------------------------------------- the panel


class AlarmQueuePanel(QWidget):
    """The live alarm queue for the dispatcher workstation's dock (about 400×800 and wider)."""

    ack_requested = Signal(str, str)  # alarm id, the peak severity the dispatcher saw
    shelve_requested = Signal(str, str, str)  # alarm id, until (ISO 8601, UTC), reason
    unshelve_requested = Signal(str)
    convert_requested = Signal(str)
    alarm_selected = Signal(str)

    #: Panel-wide keys (they act while the focus is in the panel, which has no text field).
    ACK_KEYS: Final = ("A", "Ctrl+K")
    SHELVE_KEY: Final = "S"
    UNSHELVE_KEY: Final = "U"
    CONVERT_KEY: Final = "C"

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._districts: dict[str, str] = {}
        self._devices: dict[str, str] = {}
        self._active: list[AlarmRow] = []
        self._shelved: list[AlarmRow] = []
        self._selected_id: str | None = None
        self._alerting: dict[str, AlarmRow] = {}
        self.shelve_dialog: ShelveDialog | None = None
        self._setup_ui()

    # ------------------------------------------------------------------ UI

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)

        header = QHBoxLayout()
        header.setSpacing(4)
        self.count_labels: dict[Severity, QLabel] = {}
        for severity in SEVERITY_ORDER:
            label = QLabel()
            label.setStyleSheet(
                f"background: {SEVERITY_COLOURS[severity]}; color: white; font-weight: bold;"
                "border-radius: 3px; padding: 2px 6px;"
            )
            label.setToolTip(self.tr("未搁置的%1告警数").replace("%1", domain_name(severity)))
            self.count_labels[severity] = label
            header.addWidget(label)
        header.addStretch(1)
        self.shelved_toggle = QPushButton()
        self.shelved_toggle.setCheckable(True)
        self.shelved_toggle.setToolTip(self.tr("切换显示已搁置的告警"))
        self.shelved_toggle.toggled.connect(self._on_shelved_toggle_toggled)
        header.addWidget(self.shelved_toggle)
        layout.addLayout(header)

        message_row = QHBoxLayout()
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_close = QToolButton()
        self.message_close.setText("✕")
        self.message_close.setAutoRaise(True)
        self.message_close.setToolTip(self.tr("关闭提示"))
        self.message_close.clicked.connect(self.clear_message)
        message_row.addWidget(self.message_label, 1)
        message_row.addWidget(self.message_close, 0, Qt.AlignmentFlag.AlignTop)
        self.message_box = QWidget()
        self.message_box.setLayout(message_row)
        message_row.setContentsMargins(6, 2, 2, 2)
        self.message_box.hide()
        layout.addWidget(self.message_box)

        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: palette(mid); padding: 24px;")
        layout.addWidget(self.empty_label)

        self.model = AlarmListModel(self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(AlarmCardDelegate(self._clock, self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(True)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.selectionModel().currentChanged.connect(self._on_view_current_changed)
        layout.addWidget(self.view, 1)

        buttons = QHBoxLayout()
        self.ack_button = QPushButton(self.tr("确认 (A)"))
        self.ack_button.setToolTip(self.tr("确认所选告警（A 或 Ctrl+K）"))
        self.shelve_button = QPushButton(self.tr("搁置… (S)"))
        self.shelve_button.setToolTip(self.tr("搁置所选告警一段时间，需填写原因（S）"))
        self.unshelve_button = QPushButton(self.tr("取消搁置 (U)"))
        self.unshelve_button.setToolTip(self.tr("让所选的已搁置告警重新显示（U）"))
        self.convert_button = QPushButton(self.tr("转案件 (C)"))
        self.convert_button.setToolTip(self.tr("把所选告警转为案件处理（C）"))
        self.ack_button.clicked.connect(self._on_ack_button_clicked)
        self.shelve_button.clicked.connect(self._on_shelve_button_clicked)
        self.unshelve_button.clicked.connect(self._on_unshelve_button_clicked)
        self.convert_button.clicked.connect(self._on_convert_button_clicked)
        for button in (
            self.ack_button,
            self.shelve_button,
            self.unshelve_button,
            self.convert_button,
        ):
            buttons.addWidget(button)
        layout.addLayout(buttons)

        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        keyed = [(key, self._on_ack_button_clicked) for key in self.ACK_KEYS] + [
            (self.SHELVE_KEY, self._on_shelve_button_clicked),
            (self.UNSHELVE_KEY, self._on_unshelve_button_clicked),
            (self.CONVERT_KEY, self._on_convert_button_clicked),
        ]
        self.shortcuts: list[QShortcut] = []
        for key, slot in keyed:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

        self.popup = CriticalAlarmPopup(self)
        self.popup.ack_requested.connect(self.ack_requested)
        self.popup.locate_requested.connect(self._on_popup_locate_requested)
        self.beep_timer = QTimer(self)
        self.beep_timer.setInterval(BEEP_INTERVAL_MS)
        self.beep_timer.timeout.connect(self._on_beep_timer_timeout)
        self.age_timer = QTimer(self)
        self.age_timer.setInterval(AGE_REFRESH_MS)
        self.age_timer.timeout.connect(self.view.viewport().update)
        self.age_timer.start()

        self.setMinimumWidth(360)
        self._refresh_header()
        self._refresh_buttons()

    # ------------------------------------------------------------------ setters

    def set_district_names(self, names: Mapping[str, str]) -> None:
        """District code → name to show (the presenter resolves them in the UI language)."""
        self._districts = dict(names)

    def set_device_names(self, names: Mapping[str, str]) -> None:
        """Device id → name; takes effect with the next ``set_alarms``."""
        self._devices = dict(names)

    def set_alarms(self, docs: Iterable[Mapping[str, Any]]) -> None:
        """Show these alarm documents (``AlarmDoc`` JSON data); the selected alarm stays
        selected if it is still listed. Closed and out-of-service alarms are left out."""
        active: list[AlarmRow] = []
        shelved: list[AlarmRow] = []
        for doc in docs:
            state = doc.get("state")
            if state in ACTIVE_STATES:
                active.append(alarm_row(doc, self._districts, self._devices))
            elif state == AlarmState.SHELVED:
                shelved.append(alarm_row(doc, self._districts, self._devices))
        active.sort(key=AlarmRow.sort_key)
        shelved.sort(key=AlarmRow.sort_key)
        self._active, self._shelved = active, shelved
        self._show_rows()
        self._refresh_header()
        self._update_alert(active)

    def show_message(self, text: str, *, error: bool = True) -> None:
        """A line above the list (a refused intent, a note); stays until closed or replaced."""
        colour = ("#fdecea", "#b71c1c") if error else ("#e8f4fd", "#0d47a1")
        self.message_box.setStyleSheet(
            f"background: {colour[0]}; color: {colour[1]}; border-radius: 3px;"
        )
        self.message_label.setText(text)
        self.message_box.show()

    def clear_message(self) -> None:
        self.message_label.clear()
        self.message_box.hide()

    def message(self) -> str:
        return self.message_label.text() if self.message_box.isVisibleTo(self) else ""

    # ------------------------------------------------------------------ queries

    @property
    def alert_active(self) -> bool:
        """An unacknowledged critical alarm is sounding (pop-up shown, beeping)."""
        return bool(self._alerting)

    @property
    def showing_shelved(self) -> bool:
        return self.shelved_toggle.isChecked()

    def severity_counts(self) -> dict[Severity, int]:
        counts = dict.fromkeys(SEVERITY_ORDER, 0)
        for row in self._active:
            counts[row.severity] += 1
        return counts

    def visible_alarm_ids(self) -> list[str]:
        return [row.id for row in self.model.rows()]

    def selected_alarm_id(self) -> str | None:
        return self._selected_id

    def select_alarm(self, alarm_id: str) -> bool:
        """Select ``alarm_id``, switching to the shelved list if that is where it is."""
        in_shelved = any(r.id == alarm_id for r in self._shelved)
        if in_shelved != self.showing_shelved:
            self.shelved_toggle.setChecked(in_shelved)
        row = self.model.row_of(alarm_id)
        if row is None:
            return False
        index = self.model.index(row)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.view.scrollTo(index)
        return True

    # ------------------------------------------------------------------ internals

    def _row(self, alarm_id: str | None) -> AlarmRow | None:
        if alarm_id is None:
            return None
        found = self.model.row_of(alarm_id)
        return None if found is None else self.model.rows()[found]

    def _show_rows(self) -> None:
        keep = self._selected_id
        rows = self._shelved if self.showing_shelved else self._active
        self.model.replace(rows)
        found = None if keep is None else self.model.row_of(keep)
        selection = self.view.selectionModel()
        if found is None:
            if keep is not None:
                selection.clearSelection()
                selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.Clear)
            self._selected_id = None
        else:
            index = self.model.index(found)
            if selection.currentIndex() != index or not selection.isSelected(index):
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self._selected_id = keep
        self.empty_label.setText(
            self.tr("没有已搁置的告警") if self.showing_shelved else self.tr("当前没有活动告警")
        )
        self.empty_label.setVisible(not rows)
        self._refresh_buttons()

    def _refresh_header(self) -> None:
        for severity, count in self.severity_counts().items():
            self.count_labels[severity].setText(f"{domain_name(severity)} {count}")
        if self.showing_shelved:
            toggle = self.tr("返回活动告警 (%n)", "", len(self._active))
        else:
            toggle = self.tr("已搁置 %n", "", len(self._shelved))
        self.shelved_toggle.setText(toggle)

    def _refresh_buttons(self) -> None:
        row = self._row(self._selected_id)
        self.ack_button.setEnabled(row is not None and row.needs_ack)
        self.shelve_button.setEnabled(row is not None and row.state in ACTIVE_STATES)
        self.unshelve_button.setEnabled(row is not None and row.state is AlarmState.SHELVED)
        self.convert_button.setEnabled(row is not None and row.case_id is None)
        self.unshelve_button.setVisible(self.showing_shelved)
        self.ack_button.setVisible(not self.showing_shelved)
        self.shelve_button.setVisible(not self.showing_shelved)

    def _update_alert(self, active: list[AlarmRow]) -> None:
        alerting = {row.id: row for row in active if row.alerting}
        arrived = alerting.keys() - self._alerting.keys()
        self._alerting = alerting
        if not alerting:
            self.beep_timer.stop()
            self.popup.hide()
            return
        # The pop-up names the newest alarm that started sounding, or keeps the one it shows.
        shown = self.popup.alarm_id()
        if arrived:
            newest = max((alerting[i] for i in arrived), key=lambda r: r.first_raised_at)
        elif shown in alerting:
            newest = alerting[shown]
        else:
            newest = max(alerting.values(), key=lambda r: r.first_raised_at)
        self.popup.show_alarm(newest, len(alerting) - 1, self._clock())
        if arrived or not self.popup.isVisible():
            self._place_popup()
            self.popup.show()
            self.popup.raise_()
        if not self.beep_timer.isActive():
            QApplication.beep()
            self.beep_timer.start()

    def _place_popup(self) -> None:
        screen = self.screen().availableGeometry()
        self.popup.adjustSize()
        self.popup.move(
            screen.center().x() - self.popup.width() // 2,
            screen.top() + screen.height() // 5,
        )

    # ------------------------------------------------------------------ slots

    def _on_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        alarm_id = current.data(IdRole) if current.isValid() else None
        changed = alarm_id != self._selected_id
        self._selected_id = alarm_id
        self._refresh_buttons()
        if changed and alarm_id is not None:
            self.alarm_selected.emit(alarm_id)

    def _on_shelved_toggle_toggled(self, _checked: bool) -> None:
        self._show_rows()
        self._refresh_header()

    def _on_ack_button_clicked(self) -> None:
        row = self._row(self._selected_id)
        if row is not None and row.needs_ack:
            self.ack_requested.emit(row.id, row.peak_severity.value)

    def _on_shelve_button_clicked(self) -> None:
        row = self._row(self._selected_id)
        if row is None or row.state not in ACTIVE_STATES:
            return
        self.shelve_dialog = ShelveDialog.ask(row, self._clock, self, self._on_shelve_chosen)

    def _on_shelve_chosen(self, alarm_id: str, until_iso: str, reason: str) -> None:
        self.shelve_dialog = None
        self.shelve_requested.emit(alarm_id, until_iso, reason)

    def _on_unshelve_button_clicked(self) -> None:
        row = self._row(self._selected_id)
        if row is not None and row.state is AlarmState.SHELVED:
            self.unshelve_requested.emit(row.id)

    def _on_convert_button_clicked(self) -> None:
        row = self._row(self._selected_id)
        if row is not None and row.case_id is None:
            self.convert_requested.emit(row.id)

    def _on_popup_locate_requested(self, alarm_id: str) -> None:
        self.select_alarm(alarm_id)
        self.window().raise_()
        self.view.setFocus()

    def _on_beep_timer_timeout(self) -> None:
        if self._alerting:
            QApplication.beep()
        else:
            self.beep_timer.stop()
