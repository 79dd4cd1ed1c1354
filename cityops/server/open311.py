"""Open311 GeoReport v2 under ``/open311/v2/`` (JSON format): the public's way in.

Offers the ``router`` (``app`` includes it through ``EXTENSION_MODULES``):
- ``GET services.json`` — the subcategories the public may report (emergencies excluded: the
  spec is for non-emergency issues), ``?lang=en`` for English names;
- ``GET services/{service_code}.json`` — a service definition (no extra attributes);
- ``POST requests.json`` — a citizen's report (form-encoded as the spec says; JSON and
  multipart accepted) with the spec's ``api_key`` (``cityops apikey create NAME``) and our
  ``reward=true`` extension. It becomes a case in state *reported* (source ``reward`` or
  ``app``), reported by ``open311:<key name>`` as a citizen, located at the street whose centre
  is nearest to ``lat``/``long`` (or named in ``address_string``). One write transaction holds
  the case, its timeline event and their changes, the ``public_reports`` row and the audit row.
  ``Idempotency-Key`` is honoured per API key;
- ``GET requests.json`` (filters of the spec, newest first, default the last 90 days, at most
  1000) and ``GET requests/{id}.json`` (the spec's array of one). GETs are public, as the spec
  has them, and show only cases that came in through Open311.

Every 4xx is an RFC 9457 problem document that also carries the spec's error list as
``errors: [{code, description}]``; malformed input of any kind is a 4xx, never a 500.
``.xml`` resources answer 415 (only JSON is offered).

What is kept of the reporter: the e-mail address (``public_reports``, to reach a reward
reporter). Names and phone numbers are not stored (there is no place for them that is not
synced to every client or chained into the audit log). ``media_url``, the service code asked
for and any ``attribute[…]`` ride in the *reported* timeline event, so dispatchers see them.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import AsyncGenerator, Callable, Coroutine, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl

import uuid6
from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from cityops.domain import cases as cs
from cityops.domain import open311 as o3
from cityops.domain.actors import Actor, Role
from cityops.domain.case_clocks import case_clocks
from cityops.domain.city import CITY_TZ
from cityops.domain.outcomes import Rejection
from cityops.domain.reference import Reference, load_reference
from cityops.domain.schemas import CaseDoc
from cityops.domain.sla import ClockKind
from cityops.domain.work_calendar import WorkCalendar
from cityops.server import audit, idempotency
from cityops.server.auth import api_key_of
from cityops.server.handlers_cases import write_case
from cityops.server.models import ApiKey, CaseEventRow, CaseRow, PublicReport
from cityops.server.problems import ProblemError
from cityops.server.state import ServerState, server_state

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
MAX_RESULTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
MAX_IDS = 100
_ID_MAX = 64


def spec_problem(
    status: int,
    description: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> ProblemError:
    """A problem document whose ``errors`` is the spec's error list."""
    return ProblemError(
        status,
        description,
        title=title,
        headers=headers,
        errors=[{"code": status, "description": description}],
        **extensions,
    )


def _with_spec_errors(exc: ProblemError) -> ProblemError:
    exc.extensions.setdefault("errors", [{"code": exc.status, "description": exc.detail}])
    return exc


def _describe(errors: Sequence[Any]) -> list[str]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        where = ".".join(loc)
        msg = str(err.get("msg", "invalid"))
        out.append(f"{where}: {msg}" if where else msg)
    return out or ["invalid request"]


def _invalid(messages: list[str]) -> ProblemError:
    return ProblemError(
        400,
        messages[0],
        errors=[{"code": 400, "description": m} for m in messages],
    )


class _Open311Route(APIRoute):
    """Routes of this module answer bad parameters with 400 and the spec's error list (the
    application's default for validation errors is 422 with pydantic's list)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                raise _invalid(_describe(exc.errors())) from None
            except ProblemError as exc:
                raise _with_spec_errors(exc) from None

        return guarded


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    ref = {"schema": {"$ref": "#/components/schemas/Open311Problem"}}
    return {
        s: {
            "model": o3.Open311Problem,
            "description": "problem document (RFC 9457) with the spec's `errors` list",
            "content": {"application/problem+json": ref},
        }
        for s in statuses
    }


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=_Open311Route)

StateDep = Annotated[ServerState, Depends(server_state)]
LangQuery = Annotated[
    str | None,
    Query(
        max_length=35,
        pattern=r"^[A-Za-z]{1,8}([-_][A-Za-z0-9]{1,8})*$",
        description="`en` for English names; Chinese otherwise (extension)",
    ),
]
JurisdictionQuery = Annotated[
    str | None,
    Query(max_length=64, description="optional; this endpoint serves Hangzhou (`330100`)"),
]


def _check_jurisdiction(jurisdiction_id: str | None) -> None:
    if jurisdiction_id is not None and jurisdiction_id.strip().lower() not in o3.JURISDICTION_IDS:
        raise spec_problem(404, f"jurisdiction_id {jurisdiction_id[:64]!r} not found")


# ------------------------------------------------------------------ services


@router.get(
    "/services.json",
    operation_id="open311_services",
    response_model=list[o3.Service],
    responses=_problems(400, 404),
    summary="List the services (problem types) the public may report",
)
def services(
    state: StateDep, lang: LangQuery = None, jurisdiction_id: JurisdictionQuery = None
) -> list[o3.Service]:
    _check_jurisdiction(jurisdiction_id)
    return list(o3.public_services(state.reference, o3.parse_lang(lang)))


@router.get(
    "/services/{service_code}.json",
    operation_id="open311_service_definition",
    response_model=o3.ServiceDefinition,
    responses=_problems(400, 404),
    summary="A service's definition (its extra attributes: none)",
)
def service_definition(
    state: StateDep,
    service_code: Annotated[str, Path(min_length=1, max_length=16)],
    jurisdiction_id: JurisdictionQuery = None,
) -> o3.ServiceDefinition:
    _check_jurisdiction(jurisdiction_id)
    if o3.public_service(state.reference, service_code) is None:
        raise spec_problem(404, f"service_code {service_code!r} not found")
    return o3.ServiceDefinition(service_code=service_code, attributes=())


# ------------------------------------------------------------------ posting a request


def _request_body_doc() -> dict[str, Any]:
    """The POST body for OpenAPI: the wire model, with what this city accepts made explicit
    (its service codes, coordinates inside Hangzhou's bounding area)."""
    schema = copy.deepcopy(o3.ServiceRequestIn.model_json_schema())
    props = schema["properties"]
    codes = [s.service_code for s in o3.public_services(load_reference())]
    props["service_code"] = {**props["service_code"], "enum": codes}
    box = o3.HANGZHOU_BBOX
    for name, low, high in (("lat", box.min_lat, box.max_lat), ("long", box.min_lon, box.max_lon)):
        props[name] = {
            "anyOf": [{"type": "number", "minimum": low, "maximum": high}, {"type": "null"}],
            "default": None,
            "description": "WGS-84 degrees inside Hangzhou (outside: 400)",
        }
    point = {"type": "number"}
    schema["anyOf"] = [  # a location: lat with long, or an address naming a street
        {"required": ["lat", "long"], "properties": {"lat": point, "long": point}},
        {"required": ["address_string"], "properties": {"address_string": {"type": "string"}}},
    ]
    form = {**schema, "properties": {k: v for k, v in props.items() if k != "attributes"}}
    form["description"] = (
        "The spec's form fields; extra attributes as `attribute[CODE]=value`. "
        "`reward=true` (extension) marks a reward report."
    )
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": form},
                "multipart/form-data": {"schema": form},
                "application/json": {"schema": schema},
            },
        }
    }


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise spec_problem(413, f"request body exceeds {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise spec_problem(413, f"request body exceeds {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _once(body: bytes) -> AsyncGenerator[bytes, None]:
    yield body


async def _raw_fields(request: Request, body: bytes) -> dict[str, Any]:
    """The posted fields, whatever the encoding (form, multipart or JSON)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if media == "application/json" or media.endswith("+json"):
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
            if not isinstance(data, dict):
                raise _invalid(["the JSON body must be an object of the spec's fields"])
            pairs = [(str(k), v) for k, v in data.items()]
            return o3.fields_from_pairs(pairs)
        if media in ("application/x-www-form-urlencoded", ""):
            text = body.decode("utf-8")
            pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=200)
            return o3.fields_from_pairs(pairs)
        if media == "multipart/form-data":
            parser = MultiPartParser(
                request.headers, _once(body), max_files=0, max_fields=200, max_part_size=MAX_BODY
            )
            form = await parser.parse()
            items: list[tuple[str, str]] = []
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    raise _invalid(["file uploads are not accepted; send media_url"])
                items.append((key, value))
            return o3.fields_from_pairs(items)
    except (UnicodeDecodeError, json.JSONDecodeError, MultiPartException, ValueError) as exc:
        raise _invalid([f"unreadable request body: {str(exc)[:200]}"]) from None
    raise spec_problem(
        415,
        f"content type {media[:80]!r} is not accepted; post application/x-www-form-urlencoded "
        "(or application/json, multipart/form-data)",
    )


def _presented_key(request: Request, fields: dict[str, Any]) -> str | None:
    """The API key: the ``X-Api-Key`` header when an integrator's gateway sets it, else the
    spec's ``api_key`` field, else ``api_key`` in the query string."""
    key = request.headers.get("x-api-key") or fields.get("api_key")
    if key is None:
        key = request.query_params.get("api_key")
    if key is not None and not isinstance(key, str):
        raise _invalid(["api_key: must be a string"])
    if key:
        fields["api_key"] = key
    return key or None


def _authenticate(state: ServerState, presented: str | None, path: str) -> ApiKey:
    """The live API key, or 401 (none presented) / 403 (not a live key; audited)."""
    if presented is None:
        raise spec_problem(
            401,
            "api_key is required (ask the city for one)",
            headers={"WWW-Authenticate": "ApiKey"},
        )
    with state.gate.read() as session:
        found = api_key_of(session, presented)
    if found is None:
        with state.gate.write() as session:
            audit.record(
                session,
                actor="open311:?",
                roles=(),
                action="open311.request",
                target=path,
                decision="denied",
                detail={"reason": "unknown or revoked api_key"},
            )
        raise spec_problem(403, "api_key is not valid")
    return found


def _parse_request(fields: dict[str, Any]) -> o3.ServiceRequestIn:
    try:
        return o3.ServiceRequestIn.model_validate(fields)
    except ValidationError as exc:
        raise _invalid(_describe(exc.errors(include_url=False))) from None


def _locate(ref: Reference, req: o3.ServiceRequestIn) -> o3.Location:
    if req.lat is not None and req.long is not None:
        found = o3.locate(ref.units, req.long, req.lat)
        if found is None:
            raise spec_problem(
                400,
                f"location ({req.lat}, {req.long}) is outside Hangzhou; "
                "this endpoint takes reports in Hangzhou only",
                title="Outside the jurisdiction",
            )
        return found
    assert req.address_string is not None  # the model requires one of the two
    named = o3.locate_address(ref.units, req.address_string)
    if named is None:
        raise spec_problem(
            400,
            "address_string names no district or street of Hangzhou (or several); "
            "send lat and long",
            title="Location not found",
        )
    return named


def _notice(case_id: str, reward: bool) -> str:
    text = f"已受理，编号 {case_id}。公众上报的问题经核实后立案处置。"
    if reward:
        text += "有奖举报：核实立案后按规定发放奖励。"
    return text


def _create(
    state: ServerState,
    key: ApiKey,
    req: o3.ServiceRequestIn,
    digest: str,
    idem_key: str | None,
) -> JSONResponse:
    ref = state.reference
    service = o3.public_service(ref, req.service_code)
    if service is None:
        if o3.is_emergency_code(ref, req.service_code):
            raise spec_problem(
                400,
                f"service_code {req.service_code!r} is an emergency; call 110 / 119 / 12319",
                title="Emergency service",
            )
        raise spec_problem(400, f"service_code {req.service_code!r} not found")
    if req.jurisdiction_id is not None:
        _check_jurisdiction(req.jurisdiction_id)
    where = _locate(ref, req)
    source = cs.CaseSource.REWARD if req.reward else cs.CaseSource.APP
    actor = Actor(f"open311:{key.name}", frozenset({Role.CITIZEN}), None, key.name)
    description = (req.description or "").strip() or service.name_zh
    scope = f"open311:{key.id}"
    with state.gate.write() as session:
        try:
            replay = idempotency.replay_or_none(session, scope, idem_key, digest)
        except ProblemError as exc:
            raise _with_spec_errors(exc) from None
        if replay is not None:
            status, stored = replay
            return JSONResponse(stored, status_code=status, headers={"Idempotent-Replayed": "true"})
        now = datetime.now(UTC)
        case_id = "P" + uuid6.uuid7().hex
        outcome = cs.report_case(
            case_id,
            source=source,
            description=description,
            district_code=where.district_code,
            street_code=where.street_code,
            address=req.address_string or where.label_zh,
            lon=req.long,
            lat=req.lat,
            actor=actor,
            now=now,
            ref=ref,
        )
        if isinstance(outcome, Rejection):
            raise spec_problem(400, outcome.message_en, title=outcome.message, code=outcome.code)
        case, events = outcome
        extra: dict[str, Any] = {
            "channel": "open311",
            "service_code": service.code,
            "service_name": service.name_zh,
        }
        if req.media_url:
            extra["media_url"] = req.media_url
        if req.attributes:
            extra["attributes"] = dict(req.attributes)
        events = tuple(
            replace(e, details={**e.details, **extra}) if e.kind is cs.EventKind.REPORTED else e
            for e in events
        )
        write_case(session, case, events)
        session.add(
            PublicReport(
                case_id=case.id,
                service_code=service.code,
                api_key_id=key.id,
                reporter_email=req.email,
                reward_status="pending" if req.reward else "none",
                requested_at=now,
            )
        )
        audit.record(
            session,
            actor=actor.user_id,
            roles=actor.roles,
            action="open311.request",
            target=f"case {case.id}",
            decision="applied",
            detail={
                "service_code": service.code,
                "source": source.value,
                "street": where.street_code,
                "district": where.district_code,
            },
        )
        created = o3.ServiceRequestCreated(
            service_request_id=case.id, service_notice=_notice(case.id, req.reward)
        )
        body = [created.model_dump(mode="json")]
        idempotency.remember(session, scope, idem_key, digest, 201, body)
    state.hub.poke()
    return JSONResponse(body, status_code=201)


@router.post(
    "/requests.json",
    status_code=201,
    response_model=list[o3.ServiceRequestCreated],
    responses={
        201: {
            "description": "the spec's array of one: the new request's id",
            "links": {
                "GetRequest": {
                    "operationId": "open311_get_request",
                    "parameters": {"service_request_id": "$response.body#/0/service_request_id"},
                }
            },
        },
        **_problems(400, 401, 403, 404, 413, 415, 422),
    },
    openapi_extra=_request_body_doc(),
    operation_id="open311_create_request",
    summary="Report a problem (creates a case awaiting verification)",
)
async def create_request(
    request: Request,
    state: StateDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=idempotency.MAX_KEY_LENGTH,
            description="same key and body → the same response; another body → 422",
        ),
    ] = None,
) -> Response:
    """Spec fields (`api_key`, `service_code`, `lat`+`long` or `address_string`, `description`,
    `email`, `first_name`, `last_name`, `phone`, `media_url`, `attribute[CODE]`) plus the
    extension `reward=true`. Answers the spec's array of one."""
    body = await _read_body(request)
    fields = await _raw_fields(request, body)
    presented = _presented_key(request, fields)
    key = await run_in_threadpool(_authenticate, state, presented, request.url.path)
    req = _parse_request(fields)
    digest = idempotency.body_hash(body)
    return await run_in_threadpool(_create, state, key, req, digest, idempotency_key)


# ------------------------------------------------------------------ reading requests


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _as_utc(value: datetime, name: str) -> datetime:
    """A query time in UTC (a time without zone is taken as Beijing time)."""
    try:
        zoned = value if value.tzinfo else value.replace(tzinfo=CITY_TZ)
        return zoned.astimezone(UTC)
    except (OverflowError, ValueError):
        raise _invalid([f"{name}: out of range"]) from None


def _unit_name(ref: Reference, code: str | None, lang: o3.Lang) -> str | None:
    if code is None:
        return None
    dept = ref.units.departments.get(code)
    if dept is not None:
        return dept.name_en if lang == "en" else dept.name_zh
    unit = ref.units.units.get(code)
    if unit is not None:
        return unit.name_en if lang == "en" else unit.name_zh
    return code


def _expected(
    ref: Reference, case: cs.Case, calendar: WorkCalendar, now: datetime
) -> datetime | None:
    """The resolve deadline, once the case is filed and its clocks run."""
    sub = ref.taxonomy.subcategories.get(case.subcategory_code or "")
    if sub is None:
        return None
    try:
        clocks = case_clocks(case, sub, now, calendar)
    except ValueError:
        log.warning("clocks of case %s could not be computed", case.id, exc_info=True)
        return None
    for clock in clocks:
        if clock.kind is ClockKind.RESOLVE and clock.deadline is not None:
            return clock.deadline.astimezone(CITY_TZ)
    return None


def _to_spec(
    session: Session,
    ref: Reference,
    rows: Sequence[tuple[CaseRow, PublicReport]],
    lang: o3.Lang,
) -> list[o3.ServiceRequest]:
    ids = [row.id for row, _ in rows]
    if not ids:
        return []
    updated: dict[str, datetime] = {
        case_id: at
        for case_id, at in session.execute(
            select(CaseEventRow.case_id, func.max(CaseEventRow.at))
            .where(CaseEventRow.case_id.in_(ids))
            .group_by(CaseEventRow.case_id)
        )
    }
    reported: dict[str, dict[str, Any]] = {
        case_id: doc
        for case_id, doc in session.execute(
            select(CaseEventRow.case_id, CaseEventRow.doc).where(
                CaseEventRow.case_id.in_(ids), CaseEventRow.kind == cs.EventKind.REPORTED.value
            )
        )
    }
    calendar = ref.taxonomy.calendar()
    now = datetime.now(UTC)
    out = []
    for row, report in rows:
        case = CaseDoc.model_validate(row.doc).to_domain()
        code = case.subcategory_code or report.service_code
        sub = ref.taxonomy.subcategories.get(code)
        details = (reported.get(case.id) or {}).get("details") or {}
        media = details.get("media_url")
        last = updated.get(case.id)
        out.append(
            o3.ServiceRequest(
                service_request_id=case.id,
                status=o3.request_status(case.state),
                status_notes=o3.status_notes(case.state, case.end_reason, lang),
                service_name=o3.service_name(sub, lang) if sub is not None else None,
                service_code=code,
                description=case.description,
                agency_responsible=_unit_name(ref, case.assigned_unit, lang),
                requested_datetime=case.reported_at.astimezone(CITY_TZ),
                updated_datetime=_aware(last).astimezone(CITY_TZ) if last else None,
                expected_datetime=_expected(ref, case, calendar, now),
                address=case.address or None,
                lat=case.lat,
                long=case.lon,
                media_url=media if isinstance(media, str) else None,
                # The dispatcher's decision, once made, is on the case (``case.reward``).
                reward_status=(
                    case.reward_status
                    if case.reward_status in ("approved", "rejected")
                    else report.reward_status
                ),
            )
        )
    return out


def _no_nul(text: str, name: str) -> str:
    """A query value that goes into SQL (PostgreSQL refuses NUL in text parameters)."""
    if "\x00" in text:
        raise _invalid([f"{name}: must not contain NUL characters"])
    return text


def _split(text: str, name: str) -> list[str]:
    parts = [p.strip() for p in _no_nul(text, name).split(",") if p.strip()]
    if not parts:
        raise _invalid([f"{name}: empty list"])
    return parts


@router.get(
    "/requests.json",
    response_model=list[o3.ServiceRequest],
    operation_id="open311_list_requests",
    responses=_problems(400, 404),
    summary="Service requests reported through Open311, newest first",
)
def list_requests(
    state: StateDep,
    service_request_id: Annotated[
        str | None,
        Query(
            max_length=1000,  # the query string must fit the server's request line
            description="comma-separated ids; when given, the other filters are ignored",
        ),
    ] = None,
    service_code: Annotated[str | None, Query(min_length=1, max_length=16)] = None,
    start_date: Annotated[datetime | None, Query(description="ISO 8601; default 90 days ago")] = (
        None
    ),
    end_date: Annotated[datetime | None, Query(description="ISO 8601")] = None,
    status: Annotated[
        str | None,
        Query(max_length=32, pattern=r"^\s*(open|closed)\s*(,\s*(open|closed)\s*)*$"),
    ] = None,
    lang: LangQuery = None,
    jurisdiction_id: JurisdictionQuery = None,
) -> list[o3.ServiceRequest]:
    _check_jurisdiction(jurisdiction_id)
    stmt = select(CaseRow, PublicReport).join(PublicReport, PublicReport.case_id == CaseRow.id)
    if service_request_id is not None:
        ids = _split(service_request_id, "service_request_id")
        if len(ids) > MAX_IDS or any(len(i) > _ID_MAX for i in ids):
            raise _invalid([f"service_request_id: at most {MAX_IDS} ids of ≤ {_ID_MAX} chars"])
        stmt = stmt.where(CaseRow.id.in_(ids))
    else:
        end = _as_utc(end_date, "end_date") if end_date is not None else None
        if start_date is not None:
            start = _as_utc(start_date, "start_date")
        else:
            try:
                start = (end or datetime.now(UTC)) - DEFAULT_WINDOW
            except OverflowError:
                raise _invalid(["end_date: out of range"]) from None
        if end is not None and end < start:
            raise _invalid(["end_date: before start_date"])
        stmt = stmt.where(CaseRow.reported_at >= start)
        if end is not None:
            stmt = stmt.where(CaseRow.reported_at <= end)
        if service_code is not None:
            code = func.coalesce(CaseRow.subcategory_code, PublicReport.service_code)
            stmt = stmt.where(code == _no_nul(service_code, "service_code"))
        if status is not None:
            wanted = set(_split(status, "status"))
            states = [s.value for s in cs.CaseState if o3.request_status(s) in wanted]
            stmt = stmt.where(CaseRow.state.in_(states))
    stmt = stmt.order_by(CaseRow.reported_at.desc(), CaseRow.id.desc()).limit(MAX_RESULTS)
    with state.gate.read() as session:
        rows = [(c, p) for c, p in session.execute(stmt)]
        return _to_spec(session, state.reference, rows, o3.parse_lang(lang))


@router.get(
    "/requests/{service_request_id}.json",
    operation_id="open311_get_request",
    response_model=list[o3.ServiceRequest],
    responses=_problems(400, 404),
    summary="One service request (the spec answers an array of one)",
)
def get_request(
    state: StateDep,
    service_request_id: Annotated[str, Path(min_length=1, max_length=_ID_MAX)],
    lang: LangQuery = None,
    jurisdiction_id: JurisdictionQuery = None,
) -> list[o3.ServiceRequest]:
    _check_jurisdiction(jurisdiction_id)
    stmt = (
        select(CaseRow, PublicReport)
        .join(PublicReport, PublicReport.case_id == CaseRow.id)
        .where(CaseRow.id == _no_nul(service_request_id, "service_request_id"))
    )
    with state.gate.read() as session:
        rows = [(c, p) for c, p in session.execute(stmt)]
        found = _to_spec(session, state.reference, rows, o3.parse_lang(lang))
    if not found:
        raise spec_problem(404, f"service_request_id {service_request_id!r} not found")
    return found


@router.api_route("/{resource:path}.xml", methods=["GET", "POST"], include_in_schema=False)
def xml_format(resource: str) -> None:
    """The spec's XML format is not offered here."""
    raise spec_problem(
        415, "only the JSON format is offered: use the .json resource", title="Format not offered"
    )
