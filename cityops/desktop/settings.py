"""The workstation's own settings: where its server is, who logged in last, the UI language, an
intranet map tile server, the screens the cockpit spans and every window's geometry per screen
setup.

Offers ``ClientSettings`` (a ``QSettings`` INI file under the platform's user config folder, or
under ``$CITYOPS_CONFIG_DIR``) and ``data_dir()`` (caches and logs: ``$CITYOPS_DATA_DIR`` or the
platform's user data folder). Tests and several workstations on one machine point the two
variables elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from PySide6.QtCore import QByteArray, QSettings


def config_dir() -> Path:
    return Path(os.environ.get("CITYOPS_CONFIG_DIR") or platformdirs.user_config_dir("cityops"))


def data_dir() -> Path:
    return Path(os.environ.get("CITYOPS_DATA_DIR") or platformdirs.user_data_dir("cityops"))


class ClientSettings:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "desktop.ini"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)

    def _text(self, key: str) -> str:
        value = self._qs.value(key, "")
        return str(value) if value is not None else ""

    @property
    def server_url(self) -> str:
        return self._text("server/url")

    @server_url.setter
    def server_url(self, url: str) -> None:
        self._qs.setValue("server/url", url)

    @property
    def last_user(self) -> str:
        return self._text("server/last_user")

    @last_user.setter
    def last_user(self, name: str) -> None:
        self._qs.setValue("server/last_user", name)

    @property
    def language(self) -> str:
        return self._text("ui/language") or "zh"

    @language.setter
    def language(self, lang: str) -> None:
        self._qs.setValue("ui/language", lang)

    @property
    def map_tile_url(self) -> str | None:
        """An intranet tile server for the maps (``http(s)://…/{z}/{x}/{y}.png``), or ``None``:
        the district layer alone (the hall's network reaches no public tile server). A value
        without the ``{z}``, ``{x}``, ``{y}`` placeholders is ignored, not shown broken."""
        url = self._text("map/tile_url").strip()
        ok = url.startswith(("http://", "https://")) and all(
            p in url for p in ("{z}", "{x}", "{y}")
        )
        return url if ok else None

    @map_tile_url.setter
    def map_tile_url(self, url: str) -> None:
        self._qs.setValue("map/tile_url", url)

    @property
    def cockpit_screens(self) -> tuple[int, ...]:
        """The screens (0-based, as the system numbers them) the cockpit spans, e.g. "1,2";
        empty: all of them. Entries that are not numbers are ignored."""
        parts = self._text("cockpit/screens").replace(" ", "").split(",")
        return tuple(int(p) for p in parts if p.isdigit())

    @cockpit_screens.setter
    def cockpit_screens(self, screens: tuple[int, ...]) -> None:
        self._qs.setValue("cockpit/screens", ",".join(str(s) for s in screens))

    def geometry(self, window: str, screens: str) -> QByteArray | None:
        value = self._qs.value(f"geometry/{window}/{screens}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, window: str, screens: str, data: QByteArray) -> None:
        self._qs.setValue(f"geometry/{window}/{screens}", data)

    def sync(self) -> None:
        self._qs.sync()
