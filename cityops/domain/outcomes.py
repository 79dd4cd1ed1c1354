"""The answer a rule gives when it refuses: a reason the person who asked can read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused action. ``code`` is stable for programs and translations; ``message`` is the
    Simplified Chinese text shown to the user (the hall's default language), ``message_en`` the
    English one (logs, English UI)."""

    code: str
    message: str
    message_en: str
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message_en}"
