"""The video-wall cockpit's layouts: a TOML file an installer edits without code (Qt-free).

Offers the cockpit window (and the CLI, for its logs) ``load_config()``: the file given, else the
workstation's own ``cockpit.toml`` in its config folder, else the shipped
``resources/cockpit/default.toml``. The result is a ``CockpitConfig``: the refresh period and a
``Playlist`` of ``Layout`` grids, each holding ``PanelSpec`` rectangles (0-based ``row``/``col``
and spans, ready for a grid layout) that the cockpit turns into the panels of
``widgets.cockpit_panels``. Panels check their own ``options``; this module checks everything
they share.

A broken file never half-loads: ``LayoutError`` names the file, the layout, the panel (numbered
from 1, in the order written) and what is wrong, e.g.
``cockpit.toml: layout 'overview', panel 4 (map): overlaps panel 2 (trend) at row 3, col 5``.
``layout_summary()`` gives one line per layout for logs and the CLI.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

#: Panel types the cockpit can build (``widgets.cockpit_panels`` plus the live alarm map).
KNOWN_TYPES: tuple[str, ...] = (
    "kpi",
    "trend",
    "alarm_summary",
    "board",
    "wim",
    "devices",
    "ticker",
    "map",
)

DEFAULT_LAYOUT_FILE = (
    Path(__file__).resolve().parent.parent / "resources" / "cockpit" / "default.toml"
)
USER_LAYOUT_NAME = "cockpit.toml"

REFRESH_MIN_S, REFRESH_MAX_S = 0.5, 10.0
DEFAULT_STALE_AFTER_S = 15.0  # the wall must grey out within 30 s of the link dropping
DEFAULT_ROTATE_S = 60.0

_TOP_KEYS = frozenset({"refresh_s", "playlist", "layouts"})
_PLAYLIST_KEYS = frozenset({"layouts", "rotate_s"})
_LAYOUT_KEYS = frozenset({"title", "rows", "cols", "panels"})
_PANEL_KEYS = frozenset(
    {"type", "row", "col", "rowspan", "colspan", "title", "stale_after_s", "options"}
)


class LayoutError(ValueError):
    """A cockpit layout file is unreadable or inconsistent. ``str()`` reads
    ``<file>: <where>: <problem>``, where ``where`` names the layout and panel when there is one."""

    def __init__(self, file: str, where: str, problem: str) -> None:
        self.file, self.where, self.problem = file, where, problem
        super().__init__(f"{file}: {where}: {problem}")


@dataclass(frozen=True)
class PanelSpec:
    """One panel's place on its layout's grid (0-based, spans ≥ 1) and what it shows."""

    type: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    title: str | None = None  # None: the panel's own (translated) title
    stale_after_s: float = DEFAULT_STALE_AFTER_S
    options: dict[str, Any] = field(default_factory=dict)  # the panel type checks these


@dataclass(frozen=True)
class Layout:
    key: str  # the table name in the file: [layouts.<key>]
    title: str
    rows: int
    cols: int
    panels: tuple[PanelSpec, ...]


@dataclass(frozen=True)
class Playlist:
    layouts: tuple[Layout, ...]  # in the order shown; a layout may appear more than once
    rotate_s: float  # seconds each layout stays; 0: no rotation (the first layout stays)


@dataclass(frozen=True)
class CockpitConfig:
    playlist: Playlist
    refresh_s: float = 1.0  # how often the panels are given fresh data
    source: Path | None = None  # the file it was read from (for logs)


# ---------------------------------------------------------------- where the file comes from


def user_config_path() -> Path:
    """The workstation's own ``cockpit.toml`` (it may not exist).

    The folder is ``desktop.settings.config_dir()``'s, replicated here because that module imports
    PySide6 (for ``QSettings``) and this one must load without Qt (the CLI and the no-Qt tests)."""
    folder = os.environ.get("CITYOPS_CONFIG_DIR") or platformdirs.user_config_dir("cityops")
    return Path(folder) / USER_LAYOUT_NAME


def config_path(path: Path | None = None) -> Path:
    """The file ``load_config(path)`` reads."""
    if path is not None:
        return path
    user = user_config_path()
    return user if user.is_file() else DEFAULT_LAYOUT_FILE


def load_config(path: Path | None = None) -> CockpitConfig:
    """Read and validate the cockpit's layouts; raises ``LayoutError`` naming what is wrong."""
    source = config_path(path)
    data = _read_toml(source)
    return parse_config(data, str(source), source)


def _read_toml(path: Path) -> dict[str, Any]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LayoutError(file, "file", "not found") from None
    except UnicodeDecodeError as exc:
        raise LayoutError(file, "file", f"not UTF-8 text: {exc}") from None
    except OSError as exc:
        raise LayoutError(file, "file", f"cannot be read: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(
            file, _toml_position(exc), f"not valid TOML: {_toml_reason(exc)}"
        ) from None


# tomllib (3.11–3.13) only puts the position in the message: "Invalid value (at line 3, column 8)".
_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _toml_position(exc: tomllib.TOMLDecodeError) -> str:
    line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if line is None or col is None:
        found = _POSITION.search(str(exc))
        if found is None:
            return "file"
        line, col = int(found.group(1)), int(found.group(2))
    return f"line {line}, column {col}"


def _toml_reason(exc: tomllib.TOMLDecodeError) -> str:
    return _POSITION.sub("", getattr(exc, "msg", None) or str(exc))


# ---------------------------------------------------------------- validation


class _Table:
    """Reads one TOML table, raising errors that name the file and where the table is."""

    def __init__(self, file: str, where: str, raw: object, allowed: frozenset[str]) -> None:
        self.file, self.where = file, where
        if not isinstance(raw, dict):
            raise self.fail(f"expected a table, got {_describe(raw)}")
        self.raw: dict[str, Any] = raw
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise self.fail(
                f"unknown key(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(sorted(allowed))}"
            )

    def fail(self, problem: str) -> LayoutError:
        return LayoutError(self.file, self.where, problem)

    def whole(self, key: str, default: int | None = None, minimum: int = 0) -> int:
        value = self.raw.get(key, default)
        if value is None:
            raise self.fail(f"missing '{key}'")
        # bools are ints to Python but never what an installer meant by a number
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"'{key}' must be a whole number, got {_describe(value)}")
        if value < minimum:
            raise self.fail(f"'{key}' must be at least {minimum}, got {value}")
        return value

    def number(self, key: str, default: float) -> float:
        value = self.raw.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self.fail(f"'{key}' must be a number, got {_describe(value)}")
        # TOML has nan and inf; neither makes a timer or a threshold
        if not math.isfinite(value):
            raise self.fail(f"'{key}' must be a finite number, got {value}")
        return float(value)

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.raw.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"'{key}' must be text, got {_describe(value)}")
        if not value.strip():
            raise self.fail(f"'{key}' is empty")
        return value


def _describe(value: object) -> str:
    names = {bool: "true/false", int: "a whole number", float: "a number", str: "text"}
    names |= {list: "a list", dict: "a table"}
    return f"{names.get(type(value), type(value).__name__)} ({value!r})"


def parse_config(data: dict[str, Any], file: str, source: Path | None = None) -> CockpitConfig:
    """Validate a parsed cockpit file (``file`` names it in errors)."""
    top = _Table(file, "top level", data, _TOP_KEYS)
    refresh_s = top.number("refresh_s", 1.0)
    if not REFRESH_MIN_S <= refresh_s <= REFRESH_MAX_S:
        raise top.fail(
            f"'refresh_s' must be between {REFRESH_MIN_S} and {REFRESH_MAX_S} s, got {refresh_s}"
        )
    layouts = _parse_layouts(file, data.get("layouts"))
    playlist = _parse_playlist(file, data.get("playlist", {}), layouts)
    return CockpitConfig(playlist=playlist, refresh_s=refresh_s, source=source)


def _parse_layouts(file: str, raw: object) -> dict[str, Layout]:
    if raw is None or raw == {}:
        raise LayoutError(file, "top level", "no layouts: add at least one [layouts.<name>] table")
    if not isinstance(raw, dict):
        raise LayoutError(file, "[layouts]", f"expected tables, got {_describe(raw)}")
    return {key: _parse_layout(file, key, value) for key, value in raw.items()}


def _parse_layout(file: str, key: str, raw: object) -> Layout:
    table = _Table(file, f"layout '{key}'", raw, _LAYOUT_KEYS)
    rows, cols = table.whole("rows", minimum=1), table.whole("cols", minimum=1)
    title = table.text("title") or key
    raw_panels = table.raw.get("panels")
    if not isinstance(raw_panels, list) or not raw_panels:
        raise table.fail(
            f"needs at least one panel: add [[layouts.{key}.panels]] tables, got "
            f"{'nothing' if raw_panels is None else _describe(raw_panels)}"
        )
    panels = tuple(
        _parse_panel(file, key, index, value, rows, cols)
        for index, value in enumerate(raw_panels, start=1)
    )
    _check_overlaps(table, panels)
    return Layout(key=key, title=title, rows=rows, cols=cols, panels=panels)


def _panel_where(layout: str, index: int, kind: object) -> str:
    shown = kind if isinstance(kind, str) else "no type"
    return f"layout '{layout}', panel {index} ({shown})"


def _parse_panel(
    file: str, layout: str, index: int, raw: object, rows: int, cols: int
) -> PanelSpec:
    written = raw.get("type") if isinstance(raw, dict) else None
    table = _Table(file, _panel_where(layout, index, written), raw, _PANEL_KEYS)
    kind = table.text("type")
    if kind is None:
        raise table.fail(f"missing 'type' (one of {', '.join(KNOWN_TYPES)})")
    if kind not in KNOWN_TYPES:
        raise table.fail(f"unknown panel type '{kind}'; known: {', '.join(KNOWN_TYPES)}")
    row, col = table.whole("row"), table.whole("col")
    rowspan, colspan = table.whole("rowspan", 1, minimum=1), table.whole("colspan", 1, minimum=1)
    if row + rowspan > rows or col + colspan > cols:
        raise table.fail(
            f"outside the {rows}×{cols} grid: rows {row}–{row + rowspan - 1}, "
            f"cols {col}–{col + colspan - 1} (rows 0–{rows - 1} and cols 0–{cols - 1} exist)"
        )
    stale_after_s = table.number("stale_after_s", DEFAULT_STALE_AFTER_S)
    if stale_after_s <= 0:
        raise table.fail(f"'stale_after_s' must be more than 0, got {stale_after_s}")
    options = table.raw.get("options", {})
    if not isinstance(options, dict):
        raise table.fail(f"'options' must be a table, got {_describe(options)}")
    return PanelSpec(
        type=kind,
        row=row,
        col=col,
        rowspan=rowspan,
        colspan=colspan,
        title=table.text("title"),
        stale_after_s=stale_after_s,
        options=options,
    )


def _check_overlaps(table: _Table, panels: tuple[PanelSpec, ...]) -> None:
    # a handful of panels per layout: comparing every pair is clearer than an occupancy grid
    for later in range(len(panels)):
        for earlier in range(later):
            a, b = panels[earlier], panels[later]
            top, left = max(a.row, b.row), max(a.col, b.col)
            if top < min(a.row + a.rowspan, b.row + b.rowspan) and left < min(
                a.col + a.colspan, b.col + b.colspan
            ):
                raise table.fail(
                    f"panel {later + 1} ({b.type}) overlaps panel {earlier + 1} ({a.type}) "
                    f"at row {top}, col {left}"
                )


def _parse_playlist(file: str, raw: object, layouts: dict[str, Layout]) -> Playlist:
    table = _Table(file, "[playlist]", raw, _PLAYLIST_KEYS)
    names = table.raw.get("layouts", list(layouts))
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise table.fail(
            f"'layouts' must be a non-empty list of layout names, got {_describe(names)}"
        )
    missing = [name for name in names if name not in layouts]
    if missing:
        raise table.fail(
            f"names layout(s) that do not exist: {', '.join(map(repr, missing))}; "
            f"defined: {', '.join(map(repr, layouts))}"
        )
    rotate_s = table.number("rotate_s", DEFAULT_ROTATE_S)
    if rotate_s < 0:
        raise table.fail(f"'rotate_s' must be 0 (no rotation) or more, got {rotate_s}")
    return Playlist(layouts=tuple(layouts[name] for name in names), rotate_s=rotate_s)


# ---------------------------------------------------------------- for logs and the CLI


def layout_summary(config: CockpitConfig) -> list[str]:
    """One line per layout of the playlist, in the order shown, e.g. ``1/2 overview "总览":
    12×12 grid, 6 panels (kpi, trend×2, map, alarm_summary, ticker), 60 s``."""
    playlist = config.playlist
    total = len(playlist.layouts)
    lines = []
    for number, layout in enumerate(playlist.layouts, start=1):
        counts = Counter(panel.type for panel in layout.panels)
        kinds = ", ".join(k if n == 1 else f"{k}×{n}" for k, n in counts.items())
        lines.append(
            f'{number}/{total} {layout.key} "{layout.title}": {layout.rows}×{layout.cols} grid, '
            f"{len(layout.panels)} panels ({kinds}), {_time_shown(playlist, number)}"
        )
    return lines


def _time_shown(playlist: Playlist, number: int) -> str:
    if len(playlist.layouts) > 1 and playlist.rotate_s:
        return f"{playlist.rotate_s:g} s"
    # without rotation the first layout stays on the wall and the others are never shown
    return "stays (no rotation)" if number == 1 else "never shown (no rotation)"
