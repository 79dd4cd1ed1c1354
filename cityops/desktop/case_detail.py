"""The case detail pane of the dispatcher workstation (right-hand side, ~480 px, scrolls).

Offers to the workstation window and its presenter:
- ``CaseDetailPanel(reference)``: ``show_case(doc, events, clocks, nearby, now)`` shows one case
  (facts, every SLA clock with its countdown, pauses, the whole timeline, a small map and the
  suspected duplicates nearby); ``tick(now)`` refreshes the countdowns only; ``clear()``.
  Signals ``mark_duplicate_requested(case_id, duplicate_of)`` and ``case_link_activated(id)``.
- ``clocks_for(doc, reference, now)``: a case document's SLA clocks (``()`` when not filed).
- label helpers other windows share: ``state_label``, ``source_label``, ``event_label``,
  ``clock_label``, ``clock_status_label``, ``local_time``, ``format_limit``.

The pane takes plain data (documents as stored) and does no I/O: the presenter reads the case,
its events and the nearby cases off the UI thread and calls ``show_case``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cityops.desktop.i18n import name_of
from cityops.domain import cases as cs
from cityops.domain.case_clocks import case_clocks
from cityops.domain.city import CITY_TZ
from cityops.domain.durations import WORKING_DAY_HOURS, ClockBasis
from cityops.domain.geography import load_districts
from cityops.domain.reference import Reference, Subcategory
from cityops.domain.schemas import CaseDoc
from cityops.domain.sla import ClockKind, ClockState, ClockStatus
from cityops.domain.work_calendar import WorkCalendar
from cityops.widgets.location_map import LocationMap

#: Two open cases of the same kind closer than this are listed as suspected duplicates.
DUPLICATE_RADIUS_M = 50.0
_EARTH_RADIUS_M = 6_371_000.0

# ---------------------------------------------------------------------- labels

#: Translation contexts: states, sources, rewards and durations; timeline events; SLA clocks.
#: (Separate contexts because one Chinese word is a state, an event and a clock stage: 签收 is
#: "Accepted" in the timeline and "Accept" as a deadline.)
_LABELS, _EVENTS, _CLOCKS = "CaseLabels", "CaseEvents", "CaseClocks"
# The tables hold ``object``: PySide's stubs type QT_TRANSLATE_NOOP so (it returns the text).


_STATE_TEXT: Final[Mapping[str, object]] = {
    "reported": QT_TRANSLATE_NOOP("CaseLabels", "已上报"),
    "verified": QT_TRANSLATE_NOOP("CaseLabels", "已核实"),
    "filed": QT_TRANSLATE_NOOP("CaseLabels", "已立案"),
    "dispatched": QT_TRANSLATE_NOOP("CaseLabels", "已派遣"),
    "in_progress": QT_TRANSLATE_NOOP("CaseLabels", "处置中"),
    "handled": QT_TRANSLATE_NOOP("CaseLabels", "已处置待核查"),
    "checked": QT_TRANSLATE_NOOP("CaseLabels", "核查通过"),
    "closed": QT_TRANSLATE_NOOP("CaseLabels", "已结案"),
    "returned": QT_TRANSLATE_NOOP("CaseLabels", "已退回待重派"),
    "rework": QT_TRANSLATE_NOOP("CaseLabels", "返工"),
    "suspended": QT_TRANSLATE_NOOP("CaseLabels", "挂起"),
    "invalid": QT_TRANSLATE_NOOP("CaseLabels", "不予立案"),
    "duplicate": QT_TRANSLATE_NOOP("CaseLabels", "重复案件"),
}

_SOURCE_TEXT: Final[Mapping[str, object]] = {
    "patrol": QT_TRANSLATE_NOOP("CaseLabels", "巡查发现"),
    "referral": QT_TRANSLATE_NOOP("CaseLabels", "上级交办"),
    "media": QT_TRANSLATE_NOOP("CaseLabels", "媒体曝光"),
    "hotline": QT_TRANSLATE_NOOP("CaseLabels", "12319 热线"),
    "app": QT_TRANSLATE_NOOP("CaseLabels", "公众 App"),
    "reward": QT_TRANSLATE_NOOP("CaseLabels", "有奖举报"),
    "iot": QT_TRANSLATE_NOOP("CaseLabels", "物联感知"),
}

_EVENT_TEXT: Final[Mapping[str, object]] = {
    "reported": QT_TRANSLATE_NOOP("CaseEvents", "上报"),
    "verified": QT_TRANSLATE_NOOP("CaseEvents", "核实"),
    "filed": QT_TRANSLATE_NOOP("CaseEvents", "立案"),
    "dispatched": QT_TRANSLATE_NOOP("CaseEvents", "派遣"),
    "accepted": QT_TRANSLATE_NOOP("CaseEvents", "签收"),
    "departed": QT_TRANSLATE_NOOP("CaseEvents", "出动"),
    "arrived": QT_TRANSLATE_NOOP("CaseEvents", "到场"),
    "returned": QT_TRANSLATE_NOOP("CaseEvents", "退回"),
    "handled": QT_TRANSLATE_NOOP("CaseEvents", "处置反馈"),
    "check_passed": QT_TRANSLATE_NOOP("CaseEvents", "核查通过"),
    "check_failed": QT_TRANSLATE_NOOP("CaseEvents", "核查不通过"),
    "closed": QT_TRANSLATE_NOOP("CaseEvents", "结案"),
    "suspended": QT_TRANSLATE_NOOP("CaseEvents", "挂起"),
    "resumed": QT_TRANSLATE_NOOP("CaseEvents", "恢复"),
    "escalated": QT_TRANSLATE_NOOP("CaseEvents", "升级督办"),
    "invalidated": QT_TRANSLATE_NOOP("CaseEvents", "不予立案"),
    "marked_duplicate": QT_TRANSLATE_NOOP("CaseEvents", "标记重复"),
    "reward_decided": QT_TRANSLATE_NOOP("CaseEvents", "奖励审定"),
    "satisfaction_rated": QT_TRANSLATE_NOOP("CaseEvents", "回访满意度"),
    "note_added": QT_TRANSLATE_NOOP("CaseEvents", "添加备注"),
    "updated": QT_TRANSLATE_NOOP("CaseEvents", "修改信息"),
}

_CLOCK_TEXT: Final[Mapping[ClockKind, object]] = {
    ClockKind.RECEIVE: QT_TRANSLATE_NOOP("CaseClocks", "签收"),
    ClockKind.RESPOND: QT_TRANSLATE_NOOP("CaseClocks", "响应"),
    ClockKind.ARRIVE: QT_TRANSLATE_NOOP("CaseClocks", "到场"),
    ClockKind.RESOLVE: QT_TRANSLATE_NOOP("CaseClocks", "处置"),
}

_CLOCK_STATUS_TEXT: Final[Mapping[ClockStatus, object]] = {
    ClockStatus.NOT_STARTED: QT_TRANSLATE_NOOP("CaseClocks", "未开始"),
    ClockStatus.RUNNING: QT_TRANSLATE_NOOP("CaseClocks", "计时中"),
    ClockStatus.PAUSED: QT_TRANSLATE_NOOP("CaseClocks", "已暂停"),
    ClockStatus.MET: QT_TRANSLATE_NOOP("CaseClocks", "按时完成"),
    ClockStatus.BREACHED: QT_TRANSLATE_NOOP("CaseClocks", "已超时"),
    ClockStatus.BREACHED_MET: QT_TRANSLATE_NOOP("CaseClocks", "超时完成"),
}

_REWARD_TEXT: Final[Mapping[str, object]] = {
    "none": QT_TRANSLATE_NOOP("CaseLabels", "未申请奖励"),
    "pending": QT_TRANSLATE_NOOP("CaseLabels", "奖励待审核"),
    "approved": QT_TRANSLATE_NOOP("CaseLabels", "奖励已核准"),
    "paid": QT_TRANSLATE_NOOP("CaseLabels", "奖励已发放"),
    "rejected": QT_TRANSLATE_NOOP("CaseLabels", "奖励未通过"),
}


#: Sources whose reporter the hotline calls back (``CaseSource.public``).
_PUBLIC: Final = frozenset(s.value for s in cs.CaseSource if s.public)
#: The hotline callback's answers by score (``cases.SATISFACTION_ANSWERS``).
_ANSWER_TEXT: Final[Mapping[int, object]] = {
    5: QT_TRANSLATE_NOOP("CaseLabels", "满意"),
    3: QT_TRANSLATE_NOOP("CaseLabels", "基本满意"),
    1: QT_TRANSLATE_NOOP("CaseLabels", "不满意"),
}


def satisfaction_label(score: int) -> str:
    """``5 分（满意）``; a score without a callback answer (2, 4) in points only."""
    points = QCoreApplication.translate("CaseLabels", "%1 分").replace("%1", str(score))
    answer = _ANSWER_TEXT.get(score)
    if answer is None:
        return points
    text = QCoreApplication.translate("CaseLabels", "%1（%2）")
    return text.replace("%1", points).replace(
        "%2", QCoreApplication.translate(_LABELS, str(answer))
    )


def state_label(state: str | None) -> str:
    if state is None:
        return ""
    text = _STATE_TEXT.get(str(state))
    return QCoreApplication.translate(_LABELS, str(text)) if text else str(state)


def source_label(source: str) -> str:
    text = _SOURCE_TEXT.get(str(source))
    return QCoreApplication.translate(_LABELS, str(text)) if text else str(source)


def event_label(kind: str) -> str:
    text = _EVENT_TEXT.get(str(kind))
    return QCoreApplication.translate(_EVENTS, str(text)) if text else str(kind)


def clock_label(kind: ClockKind) -> str:
    return QCoreApplication.translate(_CLOCKS, str(_CLOCK_TEXT[kind]))


def clock_status_label(status: ClockStatus) -> str:
    return QCoreApplication.translate(_CLOCKS, str(_CLOCK_STATUS_TEXT[status]))


def reward_label(status: str) -> str:
    text = _REWARD_TEXT.get(str(status))
    return QCoreApplication.translate(_LABELS, str(text)) if text else str(status)


_STATUS_COLOUR = {
    ClockStatus.NOT_STARTED: "#7a828a",
    ClockStatus.RUNNING: "#1a7f37",
    ClockStatus.PAUSED: "#5b6bbf",
    ClockStatus.MET: "#1a7f37",
    ClockStatus.BREACHED: "#cf222e",
    ClockStatus.BREACHED_MET: "#bc4c00",
}
#: A running clock with less than this share of its limit left is shown in amber.
_WARN_SHARE = 0.2
_AMBER = "#b07d00"

_STATE_COLOUR = {
    "reported": "#6e7781",
    "verified": "#6e7781",
    "filed": "#0969da",
    "dispatched": "#0969da",
    "in_progress": "#8250df",
    "handled": "#1a7f37",
    "checked": "#1a7f37",
    "closed": "#57606a",
    "returned": "#bc4c00",
    "rework": "#cf222e",
    "suspended": "#5b6bbf",
    "invalid": "#57606a",
    "duplicate": "#57606a",
}


# ---------------------------------------------------------------------- formatting


def _as_datetime(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def local_time(value: str | datetime | None) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in the city's time (Asia/Shanghai); "" for None."""
    when = _as_datetime(value)
    return when.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M:%S") if when else ""


def _hms(span: timedelta) -> str:
    seconds = int(abs(span).total_seconds())
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def format_limit(limit: timedelta, basis: ClockBasis) -> str:
    """A clock's limit as the standard writes it: "10 分钟", "4 工作小时", "5 个工作日"."""
    minutes = limit.total_seconds() / 60
    # Whole days and hours through the pane's tr with n (lupdate marks only tr calls as plurals;
    # the stubs know tr as an instance method only, hence the ignores): English then says
    # "1 hour" / "2 hours". No floor division here: lupdate's parser takes "//" for a comment
    # and lost the strings after it.
    if basis is ClockBasis.WORKING:
        hours = minutes / 60
        if hours >= WORKING_DAY_HOURS and hours % WORKING_DAY_HOURS == 0:
            days = int(hours / WORKING_DAY_HOURS)
            return CaseDetailPanel.tr("%n 个工作日", "", days)  # type: ignore[arg-type]
        if minutes % 60 == 0:
            return CaseDetailPanel.tr("%n 工作小时", "", int(hours))  # type: ignore[arg-type]
        return QCoreApplication.translate("CaseDetailPanel", "%1 工作分钟").replace(
            "%1", f"{minutes:g}"
        )
    if minutes % 60 == 0 and minutes >= 120:
        return CaseDetailPanel.tr("%n 小时", "", int(minutes / 60))  # type: ignore[arg-type]
    return QCoreApplication.translate("CaseDetailPanel", "%1 分钟").replace("%1", f"{minutes:g}")


def _countdown(clock: ClockState) -> tuple[str, str]:
    """The remaining-time text of a clock and its colour."""
    colour = _STATUS_COLOUR[clock.status]
    working = ""
    if clock.basis is ClockBasis.WORKING:
        working = QCoreApplication.translate("CaseLabels", "（工作时间）")
    status = clock.status
    left, spent = _hms(clock.remaining), _hms(clock.elapsed)
    if status is ClockStatus.NOT_STARTED:
        return QCoreApplication.translate("CaseLabels", "未开始计时"), colour
    if status is ClockStatus.RUNNING:
        if clock.remaining < clock.limit * _WARN_SHARE:
            colour = _AMBER
        return QCoreApplication.translate("CaseLabels", "剩余 %1").replace(
            "%1", left
        ) + working, colour
    if status is ClockStatus.BREACHED:
        return QCoreApplication.translate("CaseLabels", "超时 %1").replace(
            "%1", left
        ) + working, colour
    if status is ClockStatus.PAUSED:
        if clock.overdue:
            text = QCoreApplication.translate("CaseLabels", "暂停（已超时 %1）").replace("%1", left)
            return text, _STATUS_COLOUR[ClockStatus.BREACHED]
        text = QCoreApplication.translate("CaseLabels", "暂停，剩余 %1").replace("%1", left)
        return text + working, colour
    return QCoreApplication.translate("CaseLabels", "用时 %1").replace(
        "%1", spent
    ) + working, colour


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine); both points in the same datum."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


# ---------------------------------------------------------------------- clocks

_calendars: dict[int, tuple[Any, WorkCalendar]] = {}


def _calendar(reference: Reference) -> WorkCalendar:
    """The standard's working calendar, built once per loaded taxonomy (ticks ask every second)."""
    taxonomy = reference.taxonomy
    cached = _calendars.get(id(taxonomy))
    if cached is None or cached[0] is not taxonomy:
        cached = (taxonomy, taxonomy.calendar())
        _calendars[id(taxonomy)] = cached
    return cached[1]


def _case_and_subcategory(
    doc: Mapping[str, Any], reference: Reference
) -> tuple[cs.Case, Subcategory | None]:
    case = CaseDoc.model_validate(doc).to_domain()
    code = case.subcategory_code
    return case, reference.taxonomy.subcategories.get(code) if code else None


def clocks_for(
    doc: Mapping[str, Any], reference: Reference, now: datetime
) -> tuple[ClockState, ...]:
    """The SLA clocks of a stored case document at ``now``; ``()`` while it has no subcategory
    (not filed yet) or names one the loaded standard lacks."""
    case, subcategory = _case_and_subcategory(doc, reference)
    if subcategory is None:
        return ()
    return case_clocks(case, subcategory, now, _calendar(reference))


# ---------------------------------------------------------------------- the pane


def _district_areas() -> list[dict[str, Any]]:
    """The packaged district outlines as GeoJSON-like features named in the UI language (the
    map shows a ``District`` by its Chinese name; a feature by the name it is given)."""
    return [
        {
            "properties": {"code": d.code, "name": name_of(d)},
            "geometry": {"type": "MultiPolygon", "coordinates": d.polygons},
        }
        for d in load_districts().values()
    ]


def _clear_layout(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        widget, inner = item.widget(), item.layout()
        if widget is not None:
            # Unparent at once: a deleteLater()'d child would still be found until the loop runs.
            widget.setParent(None)
            widget.deleteLater()
        elif inner is not None:
            _clear_layout(inner)


def _value_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


class CaseDetailPanel(QWidget):
    """Everything about one case, top to bottom: facts, clocks, map, duplicates, timeline."""

    mark_duplicate_requested = Signal(str, str)  # (case to mark, the case it duplicates)
    case_link_activated = Signal(str)

    def __init__(
        self,
        reference: Reference,
        parent: QWidget | None = None,
        *,
        areas: Iterable[Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self._ref = reference
        self._areas = _district_areas() if areas is None else list(areas)
        self._doc: dict[str, Any] | None = None
        self._case: cs.Case | None = None
        self._subcategory: Subcategory | None = None
        self._clock_rows: list[tuple[QLabel, QLabel, QLabel]] = []
        self._fields: dict[str, QLabel] = {}
        self._setup_ui()
        self.clear()

    # ------------------------------------------------------------------ ui

    def _setup_ui(self) -> None:
        self.setMinimumWidth(360)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self._scroll)

        body = QWidget()
        self._scroll.setWidget(body)
        column = QVBoxLayout(body)
        column.setContentsMargins(10, 8, 10, 8)
        column.setSpacing(8)

        self._placeholder = QLabel(self.tr("在左侧列表中选择一个案件查看详情"))
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setStyleSheet("color: #7a828a; padding: 40px;")
        column.addWidget(self._placeholder)

        self._content = QWidget()
        content = QVBoxLayout(self._content)
        content.setContentsMargins(0, 0, 0, 0)
        content.setSpacing(10)
        column.addWidget(self._content)
        column.addStretch(1)

        header = QHBoxLayout()
        self._id_label = QLabel()
        self._id_label.setObjectName("caseId")
        self._id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._id_label.setStyleSheet("font-size: 15px; font-weight: bold;")
        self._id_label.setMinimumWidth(1)  # never wider than the pane
        self._state_chip = QLabel()
        self._state_chip.setObjectName("caseState")
        self._escalation_chip = QLabel()
        self._escalation_chip.setObjectName("caseEscalation")
        header.addWidget(self._id_label, 1)
        header.addWidget(self._escalation_chip)
        header.addWidget(self._state_chip)
        content.addLayout(header)

        info = QGroupBox(self.tr("基本信息"))
        form = QFormLayout(info)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, title in (
            ("source", self.tr("来源")),
            ("reporter", self.tr("上报人")),
            ("reported_at", self.tr("上报时间")),
            ("description", self.tr("问题描述")),
            ("address", self.tr("地址")),
            ("area", self.tr("所在区域")),
            ("subcategory", self.tr("问题小类")),
            ("unit", self.tr("处置单位")),
            ("escalation", self.tr("督办级别")),
            ("counts", self.tr("返工 / 退回")),
            ("end", self.tr("办结")),
            ("satisfaction", self.tr("回访满意度")),
        ):
            label = _value_label()
            label.setObjectName(f"field_{key}")
            self._fields[key] = label
            form.addRow(self.tr("%1：").replace("%1", title), label)
        self._form = form
        content.addWidget(info)

        clocks = QGroupBox(self.tr("处置时限"))
        clocks_column = QVBoxLayout(clocks)
        self._clock_grid = QGridLayout()
        self._clock_grid.setHorizontalSpacing(10)
        clocks_column.addLayout(self._clock_grid)
        self._pauses_label = _value_label()
        self._pauses_label.setObjectName("pauses")
        clocks_column.addWidget(self._pauses_label)
        content.addWidget(clocks)

        where = QGroupBox(self.tr("位置"))
        where_column = QVBoxLayout(where)
        self._map = LocationMap(self._areas)
        self._map.setFixedHeight(230)
        where_column.addWidget(self._map)
        content.addWidget(where)

        self._duplicates_box = QGroupBox(self.tr("疑似重复"))
        self._duplicates = QVBoxLayout(self._duplicates_box)
        content.addWidget(self._duplicates_box)

        timeline = QGroupBox(self.tr("处理过程"))
        self._timeline = QVBoxLayout(timeline)
        self._timeline.setSpacing(6)
        content.addWidget(timeline)

    # ------------------------------------------------------------------ public

    def case_id(self) -> str | None:
        return None if self._doc is None else str(self._doc["id"])

    def clear(self) -> None:
        self._doc = self._case = self._subcategory = None
        self._clock_rows = []
        _clear_layout(self._clock_grid)
        _clear_layout(self._duplicates)
        _clear_layout(self._timeline)
        self._map.clear()
        self._content.hide()
        self._placeholder.show()

    def show_case(
        self,
        doc: dict[str, Any],
        events: Sequence[Mapping[str, Any]],
        clocks: Sequence[ClockState],
        nearby: Sequence[Mapping[str, Any]],
        now: datetime,
    ) -> None:
        """Show one case. ``clocks`` as ``clocks_for`` gives them; ``nearby`` are case
        documents around it (the presenter picks them; the pane keeps the open ones of the
        same subcategory within ``DUPLICATE_RADIUS_M`` as suspected duplicates)."""
        self._doc = doc
        self._case, self._subcategory = _case_and_subcategory(doc, self._ref)
        self._placeholder.hide()
        self._content.show()
        self._show_header(doc)
        self._show_facts(doc)
        self._show_clocks(clocks, doc)
        self._show_map(doc, nearby)
        self._show_duplicates(doc, nearby)
        self._show_timeline(events)

    def tick(self, now: datetime) -> None:
        """Refresh the countdowns to ``now`` (a one-second timer calls this) without rebuilding
        the pane: the clocks are recomputed from the case already parsed."""
        if self._case is None or self._subcategory is None or not self._clock_rows:
            return
        clocks = case_clocks(self._case, self._subcategory, now, _calendar(self._ref))
        for clock, row in zip(clocks, self._clock_rows, strict=False):
            self._fill_clock_row(clock, row)

    # ------------------------------------------------------------------ sections

    def _unit_name(self, code: str | None) -> str:
        if not code:
            return ""
        unit = self._ref.units.units.get(code) or self._ref.units.departments.get(code)
        return name_of(unit) if unit is not None else code

    def _qualified(self, name: str, detail: str) -> str:
        """``name（detail）``: a name with its code or coordinates after it, punctuated for
        the UI language (full-width brackets in Chinese)."""
        return self.tr("%1（%2）").replace("%2", detail).replace("%1", name)

    def _show_header(self, doc: Mapping[str, Any]) -> None:
        # Client-made ids are 36-character UUIDs: elided so the pane keeps its width (the whole
        # id is in the tooltip).
        case_id = str(doc["id"])
        shown = case_id if len(case_id) <= 22 else f"{case_id[:10]}…{case_id[-8:]}"
        self._id_label.setText(self.tr("案件 ") + shown)
        self._id_label.setToolTip(case_id)
        state = str(doc["state"])
        colour = _STATE_COLOUR.get(state, "#57606a")
        self._state_chip.setText(state_label(state))
        self._state_chip.setStyleSheet(
            f"color: white; background: {colour}; border-radius: 8px; padding: 2px 8px;"
        )
        level = int(doc.get("escalation_level") or 0)
        self._escalation_chip.setVisible(level > 0)
        self._escalation_chip.setText(self.tr("督办 %1 级").replace("%1", str(level)))
        self._escalation_chip.setStyleSheet(
            "color: white; background: #cf222e; border-radius: 8px; padding: 2px 8px;"
        )

    def _show_facts(self, doc: Mapping[str, Any]) -> None:
        f = self._fields
        source = str(doc["source"])
        source_text = source_label(source)
        reward = doc.get("reward_status")
        if source in ("hotline", "app", "reward") and reward and reward != "none":
            source_text += " · " + reward_label(str(reward))
            if reward == "approved" and doc.get("reward_amount"):
                source_text += " " + self.tr("%1 元").replace("%1", str(doc["reward_amount"]))
        f["source"].setText(source_text)
        f["reporter"].setText(str(doc.get("reported_by") or ""))
        f["reported_at"].setText(local_time(doc.get("reported_at")))
        f["description"].setText(str(doc.get("description") or ""))
        f["address"].setText(str(doc.get("address") or "") or self.tr("（未填写）"))
        position = ""
        if doc.get("lon") is not None and doc.get("lat") is not None:
            position = self._qualified("", f"{float(doc['lon']):.5f}, {float(doc['lat']):.5f}")
        area = " / ".join(
            self._unit_name(doc.get(k))
            for k in ("district_code", "street_code", "community_code")
            if doc.get(k)
        )
        f["area"].setText(area + position)
        sub = self._subcategory
        if sub is None:
            code = doc.get("subcategory_code")
            f["subcategory"].setText(str(code) if code else self.tr("（未立案）"))
        else:
            text = self._qualified(name_of(sub), sub.code)
            category = self._ref.taxonomy.categories.get(sub.category_code)
            if category is not None:
                text = f"{name_of(category)} › {text}"
            if sub.emergency:
                text += " · " + self.tr("应急规范 %s").replace("%s", sub.norm)
            f["subcategory"].setText(text)
        f["unit"].setText(self._unit_name(doc.get("assigned_unit")) or self.tr("（未派遣）"))
        level = int(doc.get("escalation_level") or 0)
        f["escalation"].setText(
            self.tr("%1 级").replace("%1", str(level)) if level else self.tr("未升级")
        )
        f["escalation"].setStyleSheet("color: #cf222e; font-weight: bold;" if level else "")
        f["counts"].setText(
            self.tr("返工 %1 次，退回 %2 次")
            .replace("%1", str(doc.get("rework_count") or 0))
            .replace("%2", str(doc.get("return_count") or 0))
        )
        end = ""
        if cs.CaseState(doc["state"]).terminal:
            end = f"{local_time(doc.get('closed_at'))} {doc.get('ended_by') or ''}"
            if doc.get("duplicate_of"):
                end += " · " + self.tr("重复于 ") + str(doc["duplicate_of"])
            if doc.get("end_reason"):
                end += " · " + str(doc["end_reason"])
        f["end"].setText(end.strip())
        self._show_row("end", bool(end.strip()))
        self._show_satisfaction(doc)

    def _show_row(self, key: str, shown: bool) -> None:
        field = self._fields[key]
        field.setVisible(shown)
        label = self._form.labelForField(field)
        if label is not None:
            label.setVisible(shown)

    def _show_satisfaction(self, doc: Mapping[str, Any]) -> None:
        """The callback's rating on a closed public report, or that it is still to be made
        (the 回访 the hotline owes the reporter); no row on other cases."""
        field = self._fields["satisfaction"]
        score = doc.get("satisfaction")
        owed = doc.get("state") == cs.CaseState.CLOSED.value and str(doc.get("source")) in _PUBLIC
        if score is not None:
            # Who called back and when on a second line: the pane is narrow.
            who = f"{local_time(doc.get('satisfaction_at'))} {doc.get('satisfaction_by') or ''}"
            field.setText(f"{satisfaction_label(int(score))}\n{who.strip()}")
            field.setStyleSheet("color: #cf222e; font-weight: bold;" if int(score) < 3 else "")
        elif owed:
            field.setText(self.tr("待回访"))
            field.setStyleSheet("color: #7a828a;")
        self._show_row("satisfaction", score is not None or owed)

    def _show_clocks(self, clocks: Sequence[ClockState], doc: Mapping[str, Any]) -> None:
        _clear_layout(self._clock_grid)
        self._clock_rows = []
        grid = self._clock_grid
        if not clocks:
            note = QLabel(self.tr("立案后按问题小类计算时限"))
            note.setStyleSheet("color: #7a828a;")
            grid.addWidget(note, 0, 0, 1, 4)
        else:
            for col, title in enumerate(
                (self.tr("环节"), self.tr("时限"), self.tr("截止时间"), self.tr("剩余 / 状态"))
            ):
                head = QLabel(title)
                head.setStyleSheet("color: #57606a; font-size: 11px;")
                grid.addWidget(head, 0, col)
        for row, clock in enumerate(clocks, start=1):
            name = QLabel(clock_label(clock.kind))
            name.setStyleSheet("font-weight: bold;")
            limit = QLabel(format_limit(clock.limit, clock.basis))
            deadline, remaining, status = QLabel(), QLabel(), QLabel()
            for label, key in ((deadline, "deadline"), (remaining, "remaining")):
                label.setObjectName(f"clock_{clock.kind.value}_{key}")
            status.setObjectName(f"clock_{clock.kind.value}_status")
            cell = QVBoxLayout()
            cell.setSpacing(0)
            cell.addWidget(remaining)
            cell.addWidget(status)
            grid.addWidget(name, row, 0)
            grid.addWidget(limit, row, 1)
            grid.addWidget(deadline, row, 2)
            grid.addLayout(cell, row, 3)
            self._clock_rows.append((deadline, remaining, status))
            self._fill_clock_row(clock, (deadline, remaining, status))
        grid.setColumnStretch(3, 1)

        pauses = doc.get("pauses") or ()
        lines = []
        for pause in pauses:
            end = local_time(pause.get("end")) or self.tr("至今")
            reason = html.escape(str(pause.get("reason") or ""))
            lines.append(
                self.tr("挂起 ")
                + f"{local_time(pause.get('start'))} → {end}"
                + (self.tr("：%1").replace("%1", reason) if reason else "")
            )
        self._pauses_label.setVisible(bool(lines))
        self._pauses_label.setText("<br>".join(lines))

    def _fill_clock_row(self, clock: ClockState, row: tuple[QLabel, QLabel, QLabel]) -> None:
        deadline, remaining, status = row
        if clock.deadline is not None:
            deadline.setText(local_time(clock.deadline))
        elif clock.status is ClockStatus.PAUSED:
            deadline.setText(self.tr("恢复后计算"))
        else:
            deadline.setText("—")
        text, colour = _countdown(clock)
        remaining.setText(text)
        remaining.setStyleSheet(f"color: {colour}; font-weight: bold;")
        status.setText(clock_status_label(clock.status))
        status.setStyleSheet(f"color: {_STATUS_COLOUR[clock.status]}; font-size: 11px;")

    def _show_map(self, doc: Mapping[str, Any], nearby: Sequence[Mapping[str, Any]]) -> None:
        dots = [
            (float(n["lon"]), float(n["lat"]))
            for n in nearby
            if n.get("id") != doc["id"] and n.get("lon") is not None and n.get("lat") is not None
        ]
        lon, lat = doc.get("lon"), doc.get("lat")
        self._map.show_location(
            str(doc["district_code"]),
            None if lon is None else float(lon),
            None if lat is None else float(lat),
            dots,
        )

    def suspected_duplicates(
        self, doc: Mapping[str, Any], nearby: Sequence[Mapping[str, Any]]
    ) -> list[tuple[Mapping[str, Any], float]]:
        """Open nearby cases within ``DUPLICATE_RADIUS_M`` of the same subcategory, nearest
        first. A case not filed yet has no subcategory to compare: any open case that close
        is suspect (the likeliest duplicates are public reports of one problem)."""
        lon, lat = doc.get("lon"), doc.get("lat")
        if lon is None or lat is None:
            return []
        own = doc.get("subcategory_code")
        found = []
        for other in nearby:
            if other.get("id") == doc["id"] or cs.CaseState(other["state"]).terminal:
                continue
            if own and other.get("subcategory_code") not in (own, None):
                continue
            if other.get("lon") is None or other.get("lat") is None:
                continue
            metres = distance_m(float(lon), float(lat), float(other["lon"]), float(other["lat"]))
            if metres <= DUPLICATE_RADIUS_M:
                found.append((other, metres))
        found.sort(key=lambda pair: pair[1])
        return found

    def _show_duplicates(self, doc: Mapping[str, Any], nearby: Sequence[Mapping[str, Any]]) -> None:
        _clear_layout(self._duplicates)
        found = self.suspected_duplicates(doc, nearby)
        self._duplicates_box.setTitle(
            self.tr("疑似重复（%1）").replace("%1", str(len(found)))
            if found
            else self.tr("疑似重复")
        )
        if not found:
            none = QLabel(
                self.tr("附近 %1 米内没有同类未结案件").replace("%1", f"{DUPLICATE_RADIUS_M:g}")
            )
            none.setStyleSheet("color: #7a828a;")
            self._duplicates.addWidget(none)
            return
        markable = cs.RULES[cs.MarkDuplicate].from_states
        this_id, this_state = str(doc["id"]), cs.CaseState(doc["state"])
        for other, metres in found:
            other_id, other_state = str(other["id"]), cs.CaseState(other["state"])
            # The later report joins the earlier one, unless only the other way is allowed
            # (a case already dispatched cannot become a duplicate; the new report can).
            this_later = (
                _as_datetime(doc["reported_at"]) or datetime.min.replace(tzinfo=CITY_TZ)
            ) >= (_as_datetime(other["reported_at"]) or datetime.min.replace(tzinfo=CITY_TZ))
            options = []
            if this_state in markable:
                options.append((this_id, other_id, this_later))
            if other_state in markable:
                options.append((other_id, this_id, not this_later))
            options.sort(key=lambda o: not o[2])
            row = QFrame()
            row.setObjectName("duplicateRow")
            row.setFrameShape(QFrame.Shape.StyledPanel)
            line = QHBoxLayout(row)
            line.setContentsMargins(6, 4, 6, 4)
            text = QLabel(
                f'<a href="{html.escape(other_id)}">{html.escape(other_id)}</a> '
                f"· {html.escape(state_label(other_state))} · {metres:.0f} m<br>"
                f'<span style="color:#57606a">{html.escape(str(other.get("description", ""))[:60])}'
                "</span>"
            )
            text.setWordWrap(True)
            text.setTextFormat(Qt.TextFormat.RichText)
            text.linkActivated.connect(self.case_link_activated.emit)
            line.addWidget(text, 1)
            button = QPushButton(self.tr("标记重复"))
            button.setObjectName(f"markDuplicate_{other_id}")
            if options:
                marked, original, _ = options[0]
                button.setToolTip(
                    self.tr("将 %1 标记为 %2 的重复案件")
                    .replace("%1", marked)
                    .replace("%2", original)
                )
                button.clicked.connect(
                    lambda _=False, m=marked, o=original: self.mark_duplicate_requested.emit(m, o)
                )
            else:
                button.setEnabled(False)
                button.setToolTip(self.tr("两案均已派遣或办结，不能再标记重复"))
            line.addWidget(button)
            self._duplicates.addWidget(row)

    def _detail_text(self, details: Mapping[str, Any]) -> list[str]:
        parts: list[str] = []
        for key, value in details.items():
            if value in (None, "", False) and key != "rework":
                continue
            if key == "unit_code":
                parts.append(self.tr("处置单位：") + self._unit_name(str(value)))
            elif key == "subcategory_code":
                sub = self._ref.taxonomy.subcategories.get(str(value))
                name = self._qualified(name_of(sub), str(value)) if sub else str(value)
                parts.append(self.tr("问题小类：") + name)
            elif key == "reason":
                parts.append(self.tr("原因：") + str(value))
            elif key in ("note", "text"):
                parts.append(self.tr("备注：") + str(value))
            elif key == "feedback":
                parts.append(self.tr("处置反馈：") + str(value))
            elif key == "score":
                parts.append(self.tr("满意度：") + satisfaction_label(int(value)))
            elif key == "level":
                parts.append(self.tr("督办级别：%1 级").replace("%1", str(value)))
            elif key == "duplicate_of":
                parts.append(self.tr("重复于：") + str(value))
            elif key == "resumed_to":
                parts.append(self.tr("恢复至：") + state_label(str(value)))
            elif key == "source":
                parts.append(self.tr("来源：") + source_label(str(value)))
            elif key == "rework":
                if value:
                    parts.append(self.tr("返工后重新签收"))
            elif key == "changes" and isinstance(value, Mapping):
                names = {
                    "description": self.tr("描述"),
                    "address": self.tr("地址"),
                    "lon": self.tr("经度"),
                    "lat": self.tr("纬度"),
                }
                changed = self.tr("、").join(names.get(str(k), str(k)) for k in value)
                parts.append(self.tr("修改：") + changed)
            else:
                parts.append(self.tr("%1：%2").replace("%2", str(value)).replace("%1", str(key)))
        return parts

    def _show_timeline(self, events: Sequence[Mapping[str, Any]]) -> None:
        _clear_layout(self._timeline)
        ordered = sorted(events, key=lambda e: _as_datetime(e["at"]) or datetime.min)
        if not ordered:
            self._timeline.addWidget(QLabel(self.tr("（暂无记录）")))
        for event in ordered:
            kind = str(event["kind"])
            before, after = event.get("from_state"), event.get("to_state")
            transition = ""
            if before is not None and before != after:
                transition = f"{state_label(before)} → {state_label(after)}"
            elif before is None:
                transition = f"→ {state_label(after)}"
            details = self._detail_text(event.get("details") or {})
            second = " · ".join(html.escape(p) for p in [transition, *details] if p)
            colour = "#cf222e" if kind in ("escalated", "check_failed", "returned") else "#0969da"
            label = QLabel(
                f"<b>{local_time(event['at'])}</b>&nbsp;&nbsp;"
                f'<span style="color:{colour}; font-weight:bold">'
                f"{html.escape(event_label(kind))}</span>&nbsp;&nbsp;"
                f'<span style="color:#57606a">{html.escape(str(event.get("actor_id", "")))}</span>'
                + (f"<br>{second}" if second else "")
            )
            label.setObjectName("timelineEntry")
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setStyleSheet("border-left: 3px solid #d0d7de; padding-left: 6px;")
            self._timeline.addWidget(label)
