"""Cockpit layouts (Qt-free): the shipped default loads and reads from across a room, the
workstation's own ``cockpit.toml`` wins over it, and every mistake an installer can make is
refused with the file, the layout, the panel and the problem named."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityops.desktop.cockpit_layout import (
    DEFAULT_LAYOUT_FILE,
    KNOWN_TYPES,
    LayoutError,
    PanelSpec,
    layout_summary,
    load_config,
    user_config_path,
)

KPI_TILES = {
    "cases_reported",
    "cases_closed",
    "on_time_rate",
    "active_alarms",
    "readings",
    "overweight",
    "screens",
    "lights",
    "parking",
}
TREND_SERIES = {"readings_per_minute", "cases_per_hour", "sla_compliance"}

# Two layouts on small grids; each error case below changes one line of it.
VALID = """\
refresh_s = 1.0

[playlist]
layouts = ["main", "second"]
rotate_s = 30

[layouts.main]
title = "主屏"
rows = 4
cols = 4

[[layouts.main.panels]]
type = "kpi"
row = 0
col = 0
colspan = 4
options = { tiles = ["readings"] }

[[layouts.main.panels]]
type = "map"
row = 1
col = 0
rowspan = 3
colspan = 2

[[layouts.main.panels]]
type = "ticker"
row = 1
col = 2
rowspan = 3
colspan = 2

[layouts.second]
rows = 2
cols = 2

[[layouts.second.panels]]
type = "board"
row = 0
col = 0
"""


@pytest.fixture(autouse=True)
def empty_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own (empty) client config folder, never the developer's own."""
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("CITYOPS_CONFIG_DIR", str(folder))
    return folder


def write(tmp_path: Path, text: str, name: str = "wall.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def changed(old: str, new: str) -> str:
    assert old in VALID, old  # a case that edits nothing would test the valid file
    return VALID.replace(old, new, 1)


# ---------------------------------------------------------------- the shipped default


def test_without_a_user_file_the_shipped_default_is_loaded() -> None:
    config = load_config()

    assert config.source == DEFAULT_LAYOUT_FILE
    assert [layout.title for layout in config.playlist.layouts] == ["总览", "监管与设备"]
    assert config.playlist.rotate_s == 60
    assert config.refresh_s == 1.0


def test_the_default_overview_has_kpis_on_top_the_big_map_in_the_middle_and_the_ticker() -> None:
    overview = load_config().playlist.layouts[0]
    by_type = {panel.type: panel for panel in overview.panels}

    kpi, ticker, big_map = by_type["kpi"], by_type["ticker"], by_type["map"]
    assert (kpi.row, kpi.col, kpi.colspan) == (0, 0, overview.cols)  # across the top
    assert ticker.row + ticker.rowspan == overview.rows  # along the bottom
    assert big_map.col > 0  # in the middle: trends on its left…
    assert big_map.col + big_map.colspan < overview.cols  # …the alarm summary on its right
    assert "alarm_summary" in by_type
    series = [tuple(p.options["series"]) for p in overview.panels if p.type == "trend"]
    assert series == [("readings_per_minute",), ("cases_per_hour", "sla_compliance")]


def test_the_default_layouts_read_from_across_a_room() -> None:
    config = load_config()
    overview, supervision = config.playlist.layouts
    assert {p.type for p in supervision.panels} == {"board", "wim", "devices", "ticker", "map"}

    def area(panels: tuple[PanelSpec, ...], kind: str) -> int:
        return sum(p.rowspan * p.colspan for p in panels if p.type == kind)

    # the map is the overview's centrepiece and smaller on the second layout
    assert area(overview.panels, "map") > area(supervision.panels, "map")
    for layout in config.playlist.layouts:
        assert len(layout.panels) <= 6, layout.key  # few panels: large type on 3840×2160
        cell_w, cell_h = 3840 / layout.cols, 2160 / layout.rows
        for panel in layout.panels:
            # at least 900×700 px each, room for a title and a few lines of large type; the
            # ticker and the KPI strip run the wall's full width and are short by design
            if panel.type not in ("ticker", "kpi"):
                assert panel.colspan * cell_w >= 900, (layout.key, panel)
                assert panel.rowspan * cell_h >= 700, (layout.key, panel)


def test_the_default_panels_use_only_known_types_and_options() -> None:
    for layout in load_config().playlist.layouts:
        for panel in layout.panels:
            assert panel.type in KNOWN_TYPES
            assert panel.stale_after_s == 15.0  # grey within the 30 s of the link dropping
            if panel.type == "kpi":
                assert set(panel.options["tiles"]) <= KPI_TILES
            elif panel.type == "trend":
                assert set(panel.options["series"]) <= TREND_SERIES
            else:
                assert panel.options == {}


def test_summary_has_one_line_per_layout() -> None:
    lines = layout_summary(load_config())

    assert lines == [
        '1/2 overview "总览": 12×12 grid, 6 panels '
        "(kpi, trend×2, map, alarm_summary, ticker), 60 s",
        '2/2 supervision "监管与设备": 12×12 grid, 5 panels '
        "(board, map, devices, wim, ticker), 60 s",
    ]


def test_summary_without_rotation_says_only_the_first_layout_shows(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, changed("rotate_s = 30", "rotate_s = 0")))

    lines = layout_summary(config)

    assert lines[0].endswith("stays (no rotation)")
    assert lines[1].endswith("never shown (no rotation)")


# ---------------------------------------------------------------- which file


def test_the_user_file_in_the_config_folder_takes_precedence(empty_config_dir: Path) -> None:
    user_file = write(empty_config_dir, VALID, "cockpit.toml")
    assert user_config_path() == user_file

    config = load_config()

    assert config.source == user_file
    assert [layout.key for layout in config.playlist.layouts] == ["main", "second"]
    main = config.playlist.layouts[0]
    assert main.title == "主屏"
    assert main.panels[0].options == {"tiles": ["readings"]}
    assert config.playlist.layouts[1].title == "second"  # no title: the layout's name


def test_a_file_given_beats_the_user_file(tmp_path: Path, empty_config_dir: Path) -> None:
    write(empty_config_dir, VALID, "cockpit.toml")
    given = write(tmp_path, changed('layouts = ["main", "second"]', 'layouts = ["second"]'))

    config = load_config(given)

    assert config.source == given
    assert [layout.key for layout in config.playlist.layouts] == ["second"]


def test_a_broken_user_file_is_reported_not_replaced_by_the_default(
    empty_config_dir: Path,
) -> None:
    # falling back silently would hide the installer's mistake behind the default wall
    write(empty_config_dir, changed('type = "map"', 'type = "mapp"'), "cockpit.toml")

    with pytest.raises(LayoutError, match="cockpit.toml"):
        load_config()


def test_defaults_of_optional_keys(tmp_path: Path) -> None:
    text = VALID.replace("refresh_s = 1.0\n", "").replace("rotate_s = 30\n", "")
    config = load_config(write(tmp_path, text))

    assert (config.refresh_s, config.playlist.rotate_s) == (1.0, 60.0)
    board = config.playlist.layouts[1].panels[0]
    assert (board.rowspan, board.colspan, board.title, board.stale_after_s) == (1, 1, None, 15.0)


def test_without_a_playlist_every_layout_plays_in_file_order(tmp_path: Path) -> None:
    text = changed('[playlist]\nlayouts = ["main", "second"]\nrotate_s = 30\n', "")

    config = load_config(write(tmp_path, text))

    assert [layout.key for layout in config.playlist.layouts] == ["main", "second"]


# ---------------------------------------------------------------- mistakes, located

ERRORS = [
    pytest.param(
        'type = "map"',
        'type = "mapp"',
        ["layout 'main', panel 2 (mapp)", "unknown panel type 'mapp'", "kpi, trend"],
        id="unknown-type",
    ),
    pytest.param(
        "col = 2\nrowspan = 3\ncolspan = 2",
        "col = 3\nrowspan = 3\ncolspan = 2",
        ["layout 'main', panel 3 (ticker)", "outside the 4×4 grid", "cols 3–4"],
        id="outside-grid",
    ),
    pytest.param(
        "row = 1\ncol = 0\nrowspan = 3",
        "row = 1\ncol = 0\nrowspan = 4",
        ["layout 'main', panel 2 (map)", "outside the 4×4 grid", "rows 1–4"],
        id="outside-grid-down",
    ),
    pytest.param(
        "col = 2\nrowspan = 3",
        "col = 1\nrowspan = 3",
        ["layout 'main'", "panel 3 (ticker) overlaps panel 2 (map) at row 1, col 1"],
        id="overlap",
    ),
    pytest.param(
        "rows = 4",
        "rows = 0",
        ["layout 'main'", "'rows' must be at least 1, got 0"],
        id="rows-zero",
    ),
    pytest.param(
        "rows = 2\ncols = 2",
        "rows = 2\ncols = -1",
        ["layout 'second'", "'cols' must be at least 1, got -1"],
        id="cols-negative",
    ),
    pytest.param(
        "rotate_s = 30",
        "rotate_s = -5",
        ["[playlist]", "'rotate_s' must be 0 (no rotation) or more, got -5.0"],
        id="rotate-negative",
    ),
    pytest.param(
        "refresh_s = 1.0",
        "refresh_s = 0.4",
        ["top level", "'refresh_s' must be between 0.5 and 10.0 s, got 0.4"],
        id="refresh-too-fast",
    ),
    pytest.param(
        "refresh_s = 1.0",
        "refresh_s = 11",
        ["top level", "'refresh_s' must be between 0.5 and 10.0 s, got 11.0"],
        id="refresh-too-slow",
    ),
    pytest.param(
        'layouts = ["main", "second"]',
        'layouts = ["main", "night"]',
        ["[playlist]", "layout(s) that do not exist: 'night'", "defined: 'main', 'second'"],
        id="playlist-unknown-layout",
    ),
    pytest.param(
        "refresh_s = 1.0",
        "refresh_s = 1.0\nrefresh = 2",
        ["top level", "unknown key(s) 'refresh'", "allowed: layouts, playlist, refresh_s"],
        id="unknown-top-key",
    ),
    pytest.param(
        'type = "ticker"',
        'type = "ticker"\nspeed = 3',
        ["layout 'main', panel 3 (ticker)", "unknown key(s) 'speed'"],
        id="unknown-panel-key",
    ),
    pytest.param(
        "rows = 4",
        "rows = 4\nsize = 3",
        ["layout 'main'", "unknown key(s) 'size'"],
        id="unknown-layout-key",
    ),
    pytest.param(
        "rotate_s = 30",
        "rotate_s = 30\nshuffle = true",
        ["[playlist]", "unknown key(s) 'shuffle'"],
        id="unknown-playlist-key",
    ),
    pytest.param(
        "row = 1\ncol = 0",
        'row = "1"\ncol = 0',
        ["layout 'main', panel 2 (map)", "'row' must be a whole number, got text ('1')"],
        id="row-as-text",
    ),
    pytest.param(
        "rowspan = 3\ncolspan = 2\n\n[[layouts.main.panels]]",
        "rowspan = true\ncolspan = 2\n\n[[layouts.main.panels]]",
        ["layout 'main', panel 2 (map)", "'rowspan' must be a whole number, got true/false"],
        id="span-as-bool",
    ),
    pytest.param(
        "row = 1\ncol = 0",
        "row = 1.5\ncol = 0",
        ["panel 2 (map)", "'row' must be a whole number, got a number (1.5)"],
        id="row-fraction",
    ),
    pytest.param(
        'options = { tiles = ["readings"] }',
        'options = "readings"',
        ["layout 'main', panel 1 (kpi)", "'options' must be a table, got text"],
        id="options-not-table",
    ),
    pytest.param(
        'title = "主屏"',
        "title = 3",
        ["layout 'main'", "'title' must be text"],
        id="title-not-text",
    ),
    pytest.param(
        'type = "board"',
        'type = "board"\nstale_after_s = 0',
        ["layout 'second', panel 1 (board)", "'stale_after_s' must be more than 0"],
        id="stale-zero",
    ),
    pytest.param(
        'type = "board"',
        'type = "board"\nstale_after_s = nan',
        ["layout 'second', panel 1 (board)", "'stale_after_s' must be a finite number"],
        id="stale-nan",
    ),
    pytest.param(
        'type = "board"\n',
        "",
        ["layout 'second', panel 1 (no type)", "missing 'type'"],
        id="panel-without-type",
    ),
    pytest.param(
        "row = 0\ncol = 0\n",
        "col = 0\n",
        ["layout 'main', panel 1 (kpi)", "missing 'row'"],
        id="panel-without-row",
    ),
    pytest.param(
        'layouts = ["main", "second"]',
        'layouts = "main"',
        ["[playlist]", "'layouts' must be a non-empty list of layout names"],
        id="playlist-not-a-list",
    ),
    pytest.param(
        'layouts = ["main", "second"]',
        "layouts = []",
        ["[playlist]", "'layouts' must be a non-empty list"],
        id="playlist-empty",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), ERRORS)
def test_mistakes_name_file_layout_panel_and_problem(
    tmp_path: Path, old: str, new: str, expected: list[str]
) -> None:
    path = write(tmp_path, changed(old, new))

    with pytest.raises(LayoutError) as caught:
        load_config(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    for fragment in expected:
        assert fragment in message, message


def test_a_layout_without_panels_is_refused(tmp_path: Path) -> None:
    text = VALID[: VALID.index("[[layouts.second.panels]]")]

    with pytest.raises(LayoutError, match=r"layout 'second': needs at least one panel"):
        load_config(write(tmp_path, text))


def test_a_file_without_layouts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match=r"top level: no layouts"):
        load_config(write(tmp_path, "refresh_s = 1.0\n"))


def test_a_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    # an installer's typical slip: a missing closing quote on line 13
    path = write(tmp_path, changed('type = "kpi"', 'type = "kpi'))

    with pytest.raises(LayoutError) as caught:
        load_config(path)

    assert str(caught.value).startswith(f"{path}: line 13, column ")
    assert caught.value.where.startswith("line 13, column ")
    assert "not valid TOML" in caught.value.problem
    assert "(at line" not in caught.value.problem  # the position is said once, up front


def test_a_missing_file_given_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match=r"nowhere\.toml: file: not found"):
        load_config(tmp_path / "nowhere.toml")


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes("refresh_s = 1.0\n# 总览\n".encode("gbk"))

    with pytest.raises(LayoutError, match=r"gbk\.toml: file: not UTF-8 text"):
        load_config(path)
