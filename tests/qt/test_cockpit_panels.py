"""The video wall's panels with a snapshot built here: every panel on a 3840×2160 grid (screenshot
to look at, frame time printed), what the room reads on the tiles and tables, the board before a
ranking is published, stale panels greyed with an amber footer, no repaint for a snapshot that
changed nothing, and layout options that fail loudly."""

from __future__ import annotations

import dataclasses
import math
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtCore")

from PySide6.QtCore import QEvent, QObject  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget  # noqa: E402

from cityops.widgets.cockpit_model import (  # noqa: E402
    BoardRow,
    CockpitSnapshot,
    DeviceStatus,
    Kpis,
    Series,
    TickerItem,
    WimRow,
)
from cityops.widgets.cockpit_panels import (  # noqa: E402
    ALL_TILES,
    BLACK_LIST_BG,
    PANEL_TYPES,
    RED_LIST_BG,
    SEVERITY_COLOURS,
    TILE_ALARMS,
    TILE_CASES_REPORTED,
    TILE_LIGHTS,
    TILE_ON_TIME,
    TILE_PARKING,
    TILE_READINGS,
    TILE_SCREENS,
    AlarmSummaryPanel,
    BoardPanel,
    CityTimeAxis,
    CockpitPanel,
    DeviceStatusPanel,
    KpiPanel,
    TickerPanel,
    TrendPanel,
    WimPanel,
    apply_cockpit_theme,
    format_count,
    make_panel,
)

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "tests"
#: 14:32 in Hangzhou.
TAKEN_AT = datetime(2026, 11, 24, 6, 32, 10, tzinfo=UTC)
NAN = float("nan")
GAP = range(600, 660)  # an hour without readings (the platform was down)


def _readings(seed: int = 1) -> Series:
    rng = random.Random(seed)
    start = TAKEN_AT.replace(second=0) - timedelta(minutes=1439)
    values = []
    for i in range(1440):
        local_hour = ((start + timedelta(minutes=i)).hour + 8) % 24
        level = 620 + 420 * math.sin((local_hour - 9) / 24 * 2 * math.pi)
        values.append(NAN if i in GAP else round(level + rng.gauss(0, 40)))
    return Series("readings_per_minute", start, 60, tuple(values))


def _hourly(name: str, values: list[float]) -> Series:
    start = TAKEN_AT.replace(minute=0, second=0) - timedelta(hours=23)
    return Series(name, start, 3600, tuple(values))


def _board() -> tuple[BoardRow, ...]:
    codes = ["330106", "330102", "330108", "330105", "330110", "330109", "330111", "330113",
             "330114", "330112", "330122", "330182", "330127"]  # fmt: skip
    changes = [2, 0, -1, 3, None, -2, 1, 0, -1, 4, -3, 0, -1]
    rows = []
    for i, (code, change) in enumerate(zip(codes, changes, strict=True)):
        standing = "red" if i < 3 else "black" if i >= 10 else None
        rows.append(BoardRow(code, i + 1, 96.5 - i * 2.37, standing, change))  # type: ignore[arg-type]
    return tuple(rows)


def _ticker() -> tuple[TickerItem, ...]:
    lines = [
        ("alarm", "critical", "燃气泄漏 · 上城区湖滨街道 浓度 2.3%LEL"),
        ("case", None, "新案件 · 西湖区 井盖破损（公众 App）"),
        ("alarm", "major", "城市内涝积水 · 拱墅区 积水深度 28 cm"),
        ("alarm_cleared", "minor", "桥梁超载 · 钱江三桥 已恢复"),
        ("case_closed", None, "结案 · 滨江区 占道经营"),
        ("command", None, "LED屏 B-12 切换应急画面"),
        ("alarm", "minor", "供水管网漏损 · 萧山区 压力下降 0.12 MPa"),
        ("alarm", "warning", "设备离线 · WL-330110-007"),
        ("case", None, "新案件 · 余杭区 暴露垃圾（巡查发现）"),
        ("alarm", "critical", "桥梁撞击 · 复兴大桥 3 号墩"),
        ("case_closed", None, "结案 · 上城区 违规广告"),
        ("command", None, "照明回路 C-0421 开灯"),
    ]
    return tuple(
        TickerItem(TAKEN_AT - timedelta(seconds=40 * i), kind, text, sev)  # type: ignore[arg-type]
        for i, (kind, sev, text) in enumerate(lines)
    )


def _wim() -> tuple[WimRow, ...]:
    bridges = ["钱江三桥", "复兴大桥", "之江大桥", "彭埠大桥", "九堡大桥", "西兴大桥"]
    return tuple(
        WimRow(
            f"WIM-{i:02d}",
            bridges[i % len(bridges)],
            "330102",
            49 * (1.08 + 0.09 * (i % 7)),
            49.0,
            TAKEN_AT - timedelta(minutes=3 * i + 1),
        )  # fmt: skip
        for i in range(12)
    )


def snapshot(**changes: object) -> CockpitSnapshot:
    alarms = {
        "gas_leak": {"critical": 2, "major": 1},
        "waterlogging": {"major": 5, "minor": 12},
        "bridge_overweight": {"minor": 3},
        "device_offline": {"warning": 20},
        "manhole_cover": {"warning": 4, "minor": 1},
    }
    kpis = Kpis(
        cases_reported_today=3712,
        cases_closed_today=2980,
        on_time_rate_today=0.935,
        active_alarms=alarms,
        active_alarms_total=sum(sum(s.values()) for s in alarms.values()),
        readings_today=1_234_000,
        overweight_today=37,
        screens_online=268,
        screens_total=273,
        lights_on=98_213,
        lights_total=107_111,
        parking_free=None,
    )
    cases = [40, 22, 12, 8, 6, 9, 30, 95, 160, 190, 175, 150, 120, 140, 170, 180, 165, 150,
             120, 90, 80, 70, 60, 48]  # fmt: skip
    sla = [NAN] * 6 + [88, 91, 94, 96, 95, 93, 92, 94, 97, 98, 96, 95, 93, 90, 91, 92, 94, 95]
    base = CockpitSnapshot(
        taken_at=TAKEN_AT,
        kpis=kpis,
        readings_per_minute=_readings(),
        cases_per_hour=_hourly("cases_per_hour", [float(v) for v in cases]),
        sla_compliance=_hourly("sla_compliance", [float(v) for v in sla]),
        wim=_wim(),
        devices=(
            DeviceStatus("led_screen", 273, 268, 3, 261),
            DeviceStatus("light_cabinet", 420, 417, 2, 417),
            DeviceStatus("light_circuit", 1622, 1490, 121, 1444),
            DeviceStatus("lamp", 107_111, 104_870, 2_310, 98_213),
        ),
        board=_board(),
        board_period="2026年11月第4周",
        ticker=_ticker(),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


class PaintCounter(QObject):
    """Counts paint events of a widget and everything inside it."""

    def __init__(self, root: QWidget) -> None:
        super().__init__()
        self.count = 0
        for w in [root, *root.findChildren(QWidget)]:
            w.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def _wall() -> tuple[QWidget, dict[str, CockpitPanel]]:
    """Every panel on a 3840×2160 grid, roughly as a wall layout would place them."""
    wall = QWidget()
    wall.resize(3840, 2160)
    apply_cockpit_theme(wall)
    grid = QGridLayout(wall)
    grid.setContentsMargins(24, 24, 24, 24)
    grid.setSpacing(24)
    panels: dict[str, CockpitPanel] = {
        "kpi": KpiPanel({"columns": 9}),
        "readings": TrendPanel({"series": ["readings_per_minute"], "title": "每分钟物联数据"}),
        "board": BoardPanel({}),
        "alarms": AlarmSummaryPanel({}),
        "cases": TrendPanel(
            {"series": ["cases_per_hour", "sla_compliance"], "title": "案件与按时结案率"}
        ),
        "wim": WimPanel({"rows": 8}),
        "devices": DeviceStatusPanel({}),
        "ticker": TickerPanel({"lines": 10}),
    }
    grid.addWidget(panels["kpi"], 0, 0, 1, 4)
    grid.addWidget(panels["readings"], 1, 0, 1, 2)
    grid.addWidget(panels["alarms"], 1, 2)
    grid.addWidget(panels["board"], 1, 3)
    grid.addWidget(panels["cases"], 2, 0)
    grid.addWidget(panels["wim"], 2, 1)
    grid.addWidget(panels["ticker"], 2, 2)
    grid.addWidget(panels["devices"], 2, 3)
    grid.setRowStretch(0, 19)
    grid.setRowStretch(1, 40)
    grid.setRowStretch(2, 40)
    for c in range(4):
        grid.setColumnStretch(c, 1)
    return wall, panels


@pytest.fixture
def wall(qtbot) -> tuple[QWidget, dict[str, CockpitPanel]]:  # type: ignore[no-untyped-def]
    widget, panels = _wall()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, panels


def _apply(panels: dict[str, CockpitPanel], snap: CockpitSnapshot) -> None:
    for panel in panels.values():
        panel.update_snapshot(snap)


def _saturated_share(image: QImage) -> float:
    """Share of bright, strongly coloured pixels (severity cells, curves), sampled."""
    hits = total = 0
    for y in range(0, image.height(), 4):
        for x in range(0, image.width(), 4):
            c = QColor(image.pixel(x, y))
            total += 1
            if c.hsvSaturationF() > 0.5 and c.valueF() > 0.5:
                hits += 1
    return hits / max(total, 1)


def test_whole_wall_at_4k_reads_the_snapshot(qtbot, wall) -> None:  # type: ignore[no-untyped-def]
    widget, panels = wall
    _apply(panels, snapshot())
    qtbot.wait(50)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(SHOTS / "cockpit-panels-4k.png"))

    kpi = panels["kpi"]
    assert isinstance(kpi, KpiPanel)
    assert kpi.tile_keys() == ALL_TILES
    assert kpi.tile_text(TILE_READINGS) == "123.4万"
    assert kpi.tile_text(TILE_CASES_REPORTED) == "3,712"
    assert kpi.tile_text(TILE_ON_TIME) == "93.5%"
    assert kpi.tile_text(TILE_SCREENS) == "268/273"
    assert kpi.tile_text(TILE_LIGHTS) == "9.8万/10.7万"
    assert kpi.tile_text(TILE_PARKING) == "未接入"
    assert kpi.tile_text(TILE_ALARMS) == "48"
    assert kpi.tile_detail(TILE_ALARMS) == "紧急2 重要6 次要16 提示24"
    assert all(p.footer_text() == "数据截至 14:32" for p in panels.values())

    # Nothing the room must read is cut off: every row of every table fits its panel.
    for name in ("alarms", "board", "wim", "devices", "ticker"):
        table = panels[name].table()  # type: ignore[attr-defined]
        assert table.visible_row_count() == len(table.rows()), name
    assert panels["board"].title() == "红黑榜 · 2026年11月第4周"

    # One frame with every panel updating (new figures, series shifted): update + grab of 4K.
    timings = []
    for i in range(10):
        k = dataclasses.replace(snapshot().kpis, readings_today=1_234_000 + 997 * (i + 1))
        snap = snapshot(
            taken_at=TAKEN_AT + timedelta(minutes=i + 1),
            kpis=k,
            readings_per_minute=_readings(seed=i + 2),
            ticker=_ticker()[i % 3 :],
        )
        began = time.perf_counter()
        _apply(panels, snap)
        widget.grab()
        timings.append((time.perf_counter() - began) * 1000)
    print(f"\ncockpit 4K update_snapshot + grab: median {statistics.median(timings):.1f} ms "
          f"(min {min(timings):.1f}, max {max(timings):.1f})")  # fmt: skip


def test_on_time_rate_without_closed_cases_is_a_dash(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = KpiPanel(tiles=[TILE_ON_TIME, TILE_READINGS])
    qtbot.addWidget(panel)
    kpis = dataclasses.replace(snapshot().kpis, on_time_rate_today=None, readings_today=9_876)
    panel.update_snapshot(snapshot(kpis=kpis))
    assert panel.tile_keys() == (TILE_ON_TIME, TILE_READINGS)
    assert panel.tile_text(TILE_ON_TIME) == "—"
    assert panel.tile_detail(TILE_ON_TIME) == "今日尚无结案"
    assert panel.tile_text(TILE_READINGS) == "9,876"


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "0"),
        (9_999, "9,999"),
        (10_000, "1.0万"),
        (1_234_000, "123.4万"),
        (123_456_789, "1.23亿"),
    ],
)
def test_counts_read_the_chinese_way(n: int, shown: str) -> None:
    assert format_count(n) == shown


def test_board_before_a_ranking_is_published_says_so(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = BoardPanel({})
    qtbot.addWidget(panel)
    panel.resize(960, 900)
    apply_cockpit_theme(panel)
    panel.show()
    panel.update_snapshot(snapshot(board=None, board_period=""))
    assert panel.placeholder_shown()
    assert panel.placeholder_text() == "本期排名尚未发布"
    assert panel.table().rows() == ()
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.grab().save(str(SHOTS / "cockpit-board-unpublished.png"))

    panel.update_snapshot(snapshot())  # the ranking is published
    assert not panel.placeholder_shown()
    rows = panel.table().rows()
    assert [r.cells[1].text for r in rows[:2]] == ["西湖区", "上城区"]
    assert [r.bg for r in rows[:3]] == [RED_LIST_BG] * 3
    assert [r.bg for r in rows[-3:]] == [BLACK_LIST_BG] * 3
    assert all(r.fg == "#ffffff" for r in rows[-3:])
    assert rows[3].bg is None
    assert [r.cells[3].text for r in rows[:6]] == ["▲2", "—", "▼1", "▲3", "—", "▼2"]
    assert rows[-1].cells[4].text == "黑榜"


def test_a_stale_panel_greys_out_and_says_since_when(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = KpiPanel({"tiles": [TILE_ALARMS, TILE_ON_TIME], "columns": 2})
    qtbot.addWidget(panel)
    apply_cockpit_theme(panel)
    panel.resize(1200, 520)
    panel.show()
    qtbot.waitExposed(panel)
    panel.update_snapshot(snapshot())
    fresh = panel.grab().toImage()
    assert panel.footer_text() == "数据截至 14:32"
    assert not panel.is_stale()
    # A later snapshot does not move the as-of time: the presenter knows when the store was
    # last in step with the server, the snapshot only when it was read.
    panel.update_snapshot(snapshot(taken_at=TAKEN_AT + timedelta(minutes=5)))
    assert panel.footer_text() == "数据截至 14:32"

    panel.set_stale(True)
    stale = panel.grab().toImage()
    SHOTS.mkdir(parents=True, exist_ok=True)
    stale.save(str(SHOTS / "cockpit-panel-stale.png"))
    assert panel.is_stale()
    assert panel.footer_text() == "数据已过期 · 截至 14:32"
    assert panel.stale_effect().isEnabled()
    # The severity chips and the green rate were the strongest colours; stale, they are grey
    # (the amber frame and footer outside the body are meant to stand out).
    body = panel.body().geometry()
    assert _saturated_share(fresh.copy(body)) > 0.01
    assert _saturated_share(stale.copy(body)) < 0.001
    footer = panel.grab(panel.findChild(QLabel, "panelFooter").geometry()).toImage()
    assert _saturated_share(footer) > 0.01  # amber

    panel.set_stale(False)
    panel.set_as_of(TAKEN_AT + timedelta(minutes=6))
    assert panel.footer_text() == "数据截至 14:38"
    assert not panel.stale_effect().isEnabled()
    assert _saturated_share(panel.grab().toImage().copy(body)) > 0.01


def test_the_same_snapshot_twice_repaints_nothing(qtbot, wall) -> None:  # type: ignore[no-untyped-def]
    widget, panels = wall
    _apply(panels, snapshot())
    qtbot.wait(100)  # the first snapshot's paints
    counter = PaintCounter(widget)

    _apply(panels, snapshot())
    # A second later, same minute, nothing changed: the 1 Hz feed of a quiet city.
    _apply(panels, snapshot(taken_at=TAKEN_AT + timedelta(seconds=20)))
    qtbot.wait(100)
    assert counter.count == 0

    # The counter does see repaints: one figure changes, its tile repaints, not the whole wall.
    kpis = dataclasses.replace(snapshot().kpis, cases_reported_today=3713)
    _apply(panels, snapshot(kpis=kpis))
    qtbot.waitUntil(lambda: counter.count > 0)


def test_trend_feeds_its_curves_and_keeps_gaps(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = TrendPanel({"series": ["readings_per_minute"]})
    qtbot.addWidget(panel)
    curve = panel.curve("readings_per_minute")
    panel.update_snapshot(snapshot())
    x, y = curve.getOriginalDataset()
    assert len(x) == len(y) == 1440
    assert all(math.isnan(y[i]) for i in GAP)
    assert curve.opts["connect"] == "finite"
    assert curve.opts["autoDownsample"]
    assert curve.opts["downsampleMethod"] == "peak"
    assert curve.opts["clipToView"]

    panel.update_snapshot(snapshot(readings_per_minute=_readings(seed=7)))
    assert panel.curve("readings_per_minute") is curve  # fed, not recreated
    assert curve.getOriginalDataset()[1][0] == _readings(seed=7).values[0]

    axis = panel.plot_widget().getPlotItem().getAxis("bottom")
    assert isinstance(axis, CityTimeAxis)
    two_pm_city = datetime(2026, 11, 24, 6, 0, tzinfo=UTC).timestamp()
    assert axis.tickStrings([two_pm_city], 1, 3600) == ["14:00"]
    ticks = axis.tickValues(two_pm_city - 86_400, two_pm_city, 1800)[0][1]
    assert all(datetime.fromtimestamp(t, UTC).minute == 0 for t in ticks)  # on whole hours


def test_ticker_and_devices_colour_what_matters(qtbot) -> None:  # type: ignore[no-untyped-def]
    ticker = TickerPanel({"lines": 8})
    devices = DeviceStatusPanel({"kinds": ["led_screen", "light_circuit"]})
    for p in (ticker, devices):
        qtbot.addWidget(p)
        p.update_snapshot(snapshot())
    rows = ticker.table().rows()
    assert len(rows) == 8
    assert rows[0].cells[0].text == "14:32"
    assert (rows[0].cells[1].text, rows[0].cells[1].bg) == ("紧急", SEVERITY_COLOURS["critical"])
    assert (rows[2].cells[1].text, rows[2].cells[1].bg) == ("重要", SEVERITY_COLOURS["major"])
    assert rows[1].cells[1].text == "案件"

    screens, circuits = devices.table().rows()
    assert screens.cells[0].text == "LED屏"
    assert screens.cells[1].text == "268/273"
    assert circuits.cells[3].fg != screens.cells[3].fg  # 121 of 1,622 faulty: red; 3 of 273: amber


def test_wim_lists_overweight_vehicles(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = WimPanel({"rows": 5})
    qtbot.addWidget(panel)
    panel.update_snapshot(snapshot())
    assert panel.count_text() == "今日超重 37 辆"
    rows = panel.table().rows()
    assert len(rows) == 5
    assert [c.text for c in rows[0].cells] == ["14:31", "钱江三桥", "52.9 / 49 t", "+8%"]


@pytest.mark.parametrize(
    ("type_name", "options", "named"),
    [
        ("trend", {"serie": ["readings_per_minute"]}, "'serie'"),
        ("trend", {"series": ["readings_per_hour"]}, "'series'"),
        ("trend", {"series": "readings_per_minute"}, "'series'"),
        ("kpi", {"tiles": ["readings", "weather"]}, "'tiles'"),
        ("kpi", {"columns": 0}, "'columns'"),
        ("ticker", {"lines": "ten"}, "'lines'"),
        ("board", {"title": ""}, "'title'"),
        ("devices", {"kinds": ["toaster"]}, "'kinds'"),
        ("wim", {"refresh": 1}, "'refresh'"),
    ],
)
def test_a_malformed_option_names_its_key(qtbot, type_name, options, named) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=named):
        make_panel(type_name, options)


def test_every_layout_type_builds_from_options(qtbot) -> None:  # type: ignore[no-untyped-def]
    assert set(PANEL_TYPES) == {
        "kpi", "trend", "alarm_summary", "board", "wim", "devices", "ticker"
    }  # fmt: skip
    for name, cls in PANEL_TYPES.items():
        panel = cls({"title": f"面板 {name}"}, None)
        qtbot.addWidget(panel)
        panel.update_snapshot(snapshot())
        assert panel.title().startswith(f"面板 {name}")
    with pytest.raises(ValueError, match="'map'"):
        make_panel("map", {})


def test_a_short_wide_strip_still_reads(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The shipped layout's KPI strip (2 of 12 rows) and one-row ticker: tiles in one row, the
    as-of time beside the title, the ticker's lines shown rather than its header."""
    kpi = KpiPanel({"tiles": list(ALL_TILES[:6])})
    ticker = TickerPanel({})
    for panel, height in ((kpi, 330), (ticker, 165)):
        qtbot.addWidget(panel)
        apply_cockpit_theme(panel)
        panel.resize(3792, height)
        panel.show()
        panel.update_snapshot(snapshot())
    qtbot.waitExposed(ticker)
    assert kpi.columns() == 6
    assert kpi.is_compact()
    assert ticker.is_compact()
    qtbot.waitUntil(lambda: ticker.table().visible_row_count() >= 2)  # once laid out again
    assert not ticker.table().header_shown()
    figure = kpi.findChildren(QWidget, "tileValue")[0]
    assert figure.height() >= 100  # room for the ~100 px figures, not squeezed to half

    tall = KpiPanel({"tiles": list(ALL_TILES)})
    qtbot.addWidget(tall)
    tall.resize(1200, 1400)
    tall.show()
    qtbot.waitUntil(lambda: tall.columns() == 2)  # a tall narrow panel stacks its tiles
    assert not tall.is_compact()


def test_shares_and_counts_get_their_own_axes(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = TrendPanel({"series": ["cases_per_hour", "sla_compliance"]})
    qtbot.addWidget(panel)
    panel.update_snapshot(snapshot())
    item = panel.plot_widget().getPlotItem()
    assert item.getAxis("right").isVisible()
    sla_view = panel.curve("sla_compliance").getViewBox()
    assert sla_view is not item.getViewBox()
    assert sla_view.viewRange()[1] == [0, 100]
    assert item.getViewBox().viewRange()[1] == [0, 250]  # 190 cases at most, a round top
    assert panel.title() == "24小时趋势 · 上报案件、按时结案率"
    legend = panel.findChild(QLabel, "trendLegend")
    assert "上报案件" in legend.text()
    assert "按时结案率" in legend.text()


def test_what_the_window_uses(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The cockpit window titles panels from the layout file and puts the live map into a
    plain panel's body."""
    board = BoardPanel({})
    qtbot.addWidget(board)
    board.set_title("监管排名")
    board.update_snapshot(snapshot())
    assert board.title() == "监管排名 · 2026年11月第4周"
    board.set_title("红黑榜")
    assert board.title() == "红黑榜 · 2026年11月第4周"

    slot = CockpitPanel({"title": "实时告警地图"})
    qtbot.addWidget(slot)
    inner = QWidget()
    slot.body_layout().addWidget(inner)
    assert inner.parent() is slot.body()
    slot.update_snapshot(snapshot())  # a panel without a body of its own ignores snapshots
    assert slot.footer_text() == "数据截至 14:32"
