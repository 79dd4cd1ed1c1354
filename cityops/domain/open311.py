"""Open311 GeoReport v2: the public reporting interface's wire shapes and the rules behind them.

Offers to the server (``/open311/v2/…``) and to the simulator's citizens (who post with the same
shapes):
- wire documents of the spec (https://wiki.open311.org/GeoReport_v2), JSON format:
  ``Service``, ``ServiceDefinition``, ``ServiceRequestIn`` (POST), ``ServiceRequestCreated``,
  ``ServiceRequest`` (GET), ``Open311Error`` and ``Open311Problem`` (our RFC 9457 problem with
  the spec's ``errors`` list inside);
- ``fields_from_pairs`` / ``ServiceRequestIn.to_pairs``: the spec's form encoding, including
  ``attribute[CODE]=value`` keys;
- ``public_services`` / ``public_service``: which subcategories the public may report (all but
  the wall-clock emergencies — the spec is for non-emergency issues; a burst pipe or a fire goes
  to 110/119/12319 by phone) and how each looks as a service;
- ``locate`` (nearest street centre to a point inside Hangzhou's bounding area) and
  ``locate_address`` (district/street names found in an address text);
- ``request_status``: case states as the spec's two statuses (closed, invalid and duplicate are
  ``closed``).

Extensions to the spec, all optional for clients: ``reward`` on POST (a reward report, "有奖举报")
and ``reward_status`` on GET; ``lang=en`` on GETs for English names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from cityops.domain.cases import CaseState
from cityops.domain.reference import Reference, Subcategory, Units

#: Names a client may pass as ``jurisdiction_id`` (this endpoint serves one jurisdiction).
JURISDICTION_IDS = frozenset({"330100", "hangzhou", "hangzhou.gov.cn"})
MAX_DESCRIPTION = 4000  # the spec's limit, equal to the case description limit
MAX_ATTRIBUTES = 50

Status = Literal["open", "closed"]
Lang = Literal["zh", "en"]


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True)


# ------------------------------------------------------------------ services


class Service(_Wire):
    """One entry of ``GET services.json``."""

    service_code: str
    service_name: str
    description: str
    metadata: bool = False
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    keywords: str = ""
    group: str = ""


class AttributeValue(_Wire):
    key: str
    name: str


class ServiceAttribute(_Wire):
    variable: bool = True
    code: str
    datatype: Literal[
        "string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"
    ] = "string"
    required: bool = False
    datatype_description: str | None = None
    order: int = 1
    description: str = ""
    values: tuple[AttributeValue, ...] = ()


class ServiceDefinition(_Wire):
    """``GET services/{service_code}.json``; our services carry no extra attributes."""

    service_code: str
    attributes: tuple[ServiceAttribute, ...] = ()


def public_service(ref: Reference, code: str) -> Subcategory | None:
    """The subcategory behind a service code, if the public may report it."""
    sub = ref.taxonomy.subcategories.get(code)
    return sub if sub is not None and not sub.emergency else None


def is_emergency_code(ref: Reference, code: str) -> bool:
    sub = ref.taxonomy.subcategories.get(code)
    return sub is not None and sub.emergency


def service_name(sub: Subcategory, lang: Lang = "zh") -> str:
    return sub.name_en if lang == "en" else sub.name_zh


def as_service(ref: Reference, sub: Subcategory, lang: Lang = "zh") -> Service:
    category = ref.taxonomy.categories[sub.category_code]
    dept = ref.units.department_types.get(sub.dept_type)
    if lang == "en":
        group = category.name_en
    else:
        family = "部件" if category.family == "component" else "事件"
        group = f"{category.name_zh}（{family}）"
    words = [sub.name_zh, sub.name_en, category.name_zh, category.name_en]
    if dept is not None:
        words += [dept.name_zh, dept.name_en]
    return Service(
        service_code=sub.code,
        service_name=service_name(sub, lang),
        # The filing condition says what a report must show to become a case; the standard
        # has it in Chinese only.
        description=sub.filing_zh,
        metadata=False,
        type="realtime",
        keywords=",".join(w.replace(",", " ") for w in dict.fromkeys(words) if w),
        group=group,
    )


def public_services(ref: Reference, lang: Lang = "zh") -> tuple[Service, ...]:
    """Every service the public may report, in code order."""
    subs = sorted(ref.taxonomy.subcategories.values(), key=lambda s: s.code)
    return tuple(as_service(ref, s, lang) for s in subs if not s.emergency)


def parse_lang(text: str | None) -> Lang:
    """``en``, ``en-US``, ``en_GB`` → English; anything else (or nothing) → Chinese."""
    return "en" if text and text.strip().lower()[:2] == "en" else "zh"


# ------------------------------------------------------------------ posting a request

_Float = Annotated[float, Field(allow_inf_nan=False)]
_ATTRIBUTE_KEY = re.compile(r"^attribute\[(?P<code>[^\[\]]{1,64})\]$")
_OPTIONAL_TEXT = (
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
    "jurisdiction_id",
    "reward",
)


class FormError(ValueError):
    """A form that cannot be read as a service request (repeated field, bad attribute key)."""


class ServiceRequestIn(BaseModel):
    """``POST requests.json`` as the spec defines it (form-encoded or JSON).

    A location is required: ``lat`` with ``long``, or ``address_string`` naming a district or
    street of Hangzhou. ``address_id`` is accepted but this city has no address register to
    resolve it. Unknown fields are ignored, as Open311 clients add their own.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    api_key: str = Field(min_length=1, max_length=256)
    service_code: str = Field(min_length=1, max_length=16)
    jurisdiction_id: str | None = Field(default=None, max_length=64)
    lat: _Float | None = Field(default=None, ge=-90, le=90)
    long: _Float | None = Field(default=None, ge=-180, le=180)
    address_string: str | None = Field(default=None, max_length=500)
    address_id: str | None = Field(default=None, max_length=64)
    email: str | None = Field(
        default=None, max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
    )
    device_id: str | None = Field(default=None, max_length=64)
    account_id: str | None = Field(default=None, max_length=64)
    first_name: str | None = Field(default=None, max_length=64)
    last_name: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\-() ]{3,32}$")
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    media_url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://\S+$")
    #: Extension: a reward report ("有奖举报"); the case gets source ``reward``.
    reward: bool = False
    #: ``attribute[CODE]=value`` of the form (or ``attributes`` in JSON).
    attributes: dict[
        Annotated[str, Field(min_length=1, max_length=64)],
        Annotated[str, Field(max_length=1000)],
    ] = Field(default_factory=dict, max_length=MAX_ATTRIBUTES)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        # Form clients send empty fields for what they do not have (``email=``).
        if isinstance(data, Mapping):
            return {
                k: v
                for k, v in data.items()
                if not (k in _OPTIONAL_TEXT and isinstance(v, str) and not v.strip())
            }
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # NUL cannot be stored in a text column (PostgreSQL refuses it) and is never meant.
        texts = [*value.keys(), *value.values()] if isinstance(value, dict) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("text must not contain NUL characters")
        return value

    @model_validator(mode="after")
    def _located(self) -> ServiceRequestIn:
        if (self.lat is None) != (self.long is None):
            raise ValueError("lat and long go together: send both or neither")
        if self.lat is None and not self.address_string:
            raise ValueError("a location is required: lat and long, or address_string")
        return self

    def to_pairs(self) -> list[tuple[str, str]]:
        """The form fields a client posts (``attribute[CODE]`` keys included)."""
        pairs: list[tuple[str, str]] = []
        for name, value in self.model_dump(exclude={"attributes"}, exclude_none=True).items():
            if name == "reward":
                if value:
                    pairs.append(("reward", "true"))
                continue
            pairs.append((name, repr(value) if isinstance(value, float) else str(value)))
        pairs += [(f"attribute[{code}]", value) for code, value in self.attributes.items()]
        return pairs


def fields_from_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Form pairs → the fields of ``ServiceRequestIn``: ``attribute[CODE]`` keys are gathered
    into ``attributes``; a field given twice is an error (which one would be meant?)."""
    fields: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    for key, value in pairs:
        match = _ATTRIBUTE_KEY.match(key)
        if match is not None:
            target, name = attributes, match["code"]
        elif key.startswith("attribute["):
            raise FormError(f"{key[:80]!r} is not of the form attribute[CODE]")
        else:
            target, name = fields, key
        if name in target:
            raise FormError(f"field {name[:80]!r} is given more than once")
        target[name] = value
    if attributes:
        if "attributes" in fields:
            raise FormError("send attribute[CODE] fields or attributes, not both")
        fields["attributes"] = attributes
    return fields


class ServiceRequestCreated(_Wire):
    """One element of the ``POST requests.json`` response (the spec's array of one)."""

    service_request_id: str
    service_notice: str | None = None
    account_id: str | None = None


# ------------------------------------------------------------------ reading requests


class ServiceRequest(_Wire):
    """One element of ``GET requests.json`` / ``GET requests/{id}.json``."""

    service_request_id: str
    status: Status
    status_notes: str | None = None
    service_name: str | None = None
    service_code: str | None = None
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: AwareDatetime
    updated_datetime: AwareDatetime | None = None
    expected_datetime: AwareDatetime | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None
    #: Extension: ``none`` (not a reward report), ``pending`` (awaiting verification), then
    #: whatever the reward process sets (``approved``, ``paid``, ``rejected``).
    reward_status: str = "none"


def request_status(state: CaseState) -> Status:
    """Closed, invalid and duplicate cases are ``closed``; every other state is ``open``."""
    return "closed" if state.terminal else "open"


def states_of(status: Status) -> frozenset[CaseState]:
    return frozenset(s for s in CaseState if request_status(s) == status)


_STATE_EN: Mapping[CaseState, str] = {
    CaseState.REPORTED: "received, awaiting verification",
    CaseState.VERIFIED: "verified, awaiting filing",
    CaseState.FILED: "filed, awaiting dispatch",
    CaseState.DISPATCHED: "dispatched to the responsible agency",
    CaseState.IN_PROGRESS: "being handled",
    CaseState.HANDLED: "handled, awaiting inspection",
    CaseState.CHECKED: "inspected, about to be closed",
    CaseState.CLOSED: "closed",
    CaseState.RETURNED: "returned by the agency, awaiting re-dispatch",
    CaseState.REWORK: "inspection failed, being reworked",
    CaseState.SUSPENDED: "suspended",
    CaseState.INVALID: "not accepted",
    CaseState.DUPLICATE: "duplicate of another request",
}


def status_notes(state: CaseState, end_reason: str = "", lang: Lang = "zh") -> str:
    label = _STATE_EN[state] if lang == "en" else state.label_zh
    if end_reason and state in (CaseState.INVALID, CaseState.DUPLICATE, CaseState.CLOSED):
        return f"{label}: {end_reason}" if lang == "en" else f"{label}：{end_reason}"
    return label


# ------------------------------------------------------------------ where a report lies


@dataclass(frozen=True, slots=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon: float, lat: float) -> bool:
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


#: Hangzhou's bounding area (WGS-84; the city spans about 118.34–120.72 E, 29.19–30.57 N).
HANGZHOU_BBOX = BBox(118.33, 29.18, 120.73, 30.57)
#: A point farther than this from every street centre lies in a corner of the bounding area
#: that is not Hangzhou (the box is not the boundary; rural towns are up to ~40 km across).
MAX_STREET_DISTANCE_KM = 45.0


@dataclass(frozen=True, slots=True)
class Location:
    district_code: str
    street_code: str | None
    label_zh: str  # "上城区湖滨街道"
    distance_km: float | None = None


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance; good to a fraction of a percent at city scale."""
    k = math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.radians(math.hypot((lon2 - lon1) * k, lat2 - lat1))


def locate(units: Units, lon: float, lat: float) -> Location | None:
    """The street whose centre is nearest to the point, or None outside Hangzhou."""
    if not HANGZHOU_BBOX.contains(lon, lat):
        return None
    best, best_km = None, math.inf
    for street in units.at_level("street"):
        km = distance_km(lon, lat, street.lon, street.lat)
        if km < best_km:
            best, best_km = street, km
    if best is None or best_km > MAX_STREET_DISTANCE_KM:
        return None
    district = units.district_of(best.code)
    return Location(district.code, best.code, district.name_zh + best.name_zh, best_km)


def locate_address(units: Units, text: str) -> Location | None:
    """The street (or at least the district) an address text names, or None when it names
    none or several. A street name alone suffices (street names are unique in the city)."""
    districts = [d for d in units.districts if d.name_zh in text]
    if len(districts) > 1:
        return None
    streets = [
        s
        for s in units.at_level("street")
        if s.name_zh in text and (not districts or s.parent == districts[0].code)
    ]
    if len(streets) > 1:  # one name inside another ("湖滨街道" / "西湖滨街道"): the longest
        longest = max(len(s.name_zh) for s in streets)
        streets = [s for s in streets if len(s.name_zh) == longest]
    if len(streets) == 1:
        district = units.district_of(streets[0].code)
        return Location(district.code, streets[0].code, district.name_zh + streets[0].name_zh)
    if districts and not streets:
        return Location(districts[0].code, None, districts[0].name_zh)
    return None


# ------------------------------------------------------------------ errors


class Open311Error(_Wire):
    """One error as the spec shapes it."""

    code: int
    description: str


class Open311Problem(BaseModel):
    """Every 4xx of ``/open311/v2``: an RFC 9457 problem document that also carries the spec's
    error list as ``errors``, so both kinds of client can read it."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int = Field(ge=400, le=599)
    detail: str | None = None
    instance: str | None = None
    errors: tuple[Open311Error, ...] = ()
