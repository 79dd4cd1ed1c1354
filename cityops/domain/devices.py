"""The city's controllable devices as the rules see them: what kind a device is and the state it
last reported.

Offers ``DeviceKind`` (LED screen, lighting cabinet / circuit / lamp), ``LedScreenState`` and
``LightingState`` to the device commands (which kinds accept which command), the server (state
fed back by the gateways), the simulator and the device-control window. Only facts and range
checks live here; how state changes is in ``device_commands`` and ``lighting_schedule``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cityops.domain.city import require_aware


class DeviceKind(StrEnum):
    LED_SCREEN = "led_screen"  # one of the 273 outdoor screens that show "one picture"
    LIGHT_CABINET = "light_cabinet"  # a street-lighting control cabinet, feeding circuits
    LIGHT_CIRCUIT = "light_circuit"  # one switched circuit of a cabinet
    LAMP = "lamp"  # a single lamp with its own controller (dimmable)

    @property
    def is_screen(self) -> bool:
        return self is DeviceKind.LED_SCREEN

    @property
    def is_lighting(self) -> bool:
        return self in LIGHTING_KINDS


#: Kinds that make up the "one switch" of street and landscape lighting.
LIGHTING_KINDS = frozenset({DeviceKind.LIGHT_CABINET, DeviceKind.LIGHT_CIRCUIT, DeviceKind.LAMP})


def check_percent(value: int, what: str) -> int:
    """Return ``value`` if it is a whole percentage 0–100; ``bool`` is refused because
    ``True`` would otherwise silently mean 1 %."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValueError(f"{what} must be a whole number 0..100, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Takeover:
    """An emergency takeover on a screen: what it shows, and when it ends by itself."""

    content_id: str
    text: str | None
    until: datetime

    def __post_init__(self) -> None:
        require_aware(self.until, "takeover until")

    def active(self, at: datetime) -> bool:
        return require_aware(at) < self.until


@dataclass(frozen=True, slots=True)
class LedScreenState:
    """What an LED screen last reported. ``content_id``/``content_text`` is the scheduled
    content; a takeover is shown over it and the screen falls back to it when the takeover
    ends, which is why both are kept rather than one "current content"."""

    online: bool
    power: bool
    brightness: int
    content_id: str | None = None
    content_text: str | None = None
    takeover: Takeover | None = None
    last_seen: datetime | None = None

    def __post_init__(self) -> None:
        check_percent(self.brightness, "brightness")
        if self.last_seen is not None:
            require_aware(self.last_seen, "last_seen")

    def showing(self, at: datetime) -> tuple[str | None, str | None]:
        """``(content_id, text)`` on the screen at ``at``: the takeover while it lasts."""
        if self.takeover is not None and self.takeover.active(at):
            return self.takeover.content_id, self.takeover.text
        return self.content_id, self.content_text


@dataclass(frozen=True, slots=True)
class LightingState:
    """What a cabinet, circuit or lamp last reported. ``faults`` are the gateway's fault codes
    (e.g. ``"lamp_failure"``, ``"leakage"``); empty means healthy."""

    online: bool
    power: bool
    level: int
    faults: tuple[str, ...] = ()
    last_seen: datetime | None = None

    def __post_init__(self) -> None:
        check_percent(self.level, "level")
        if self.last_seen is not None:
            require_aware(self.last_seen, "last_seen")
