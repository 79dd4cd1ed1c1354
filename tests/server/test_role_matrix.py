"""Who may do what, where: the role matrix over the wire, every cell checked.

Each row is one (actor, action, own/other unit) with its expected outcome written out in the
tables below, read off the design (DESIGN §1, §3; the case standard's closed loop), not computed
from the code under test. A row builds nothing itself: the module fixtures walk every case and
raise every alarm a row needs into the state its action needs, with the actors who would really
do it (dispatcher files and dispatches, the assigned department's handler accepts and handles),
so that a row tests the permission and never the state.

"own_unit" / "other_unit": each actor has a home location (``HOME``). A row's case, alarm or LED
group lies at the actor's home for ``own_unit`` and at the other location for ``other_unit``:

- location A: 上城区 330102, street 330102001 (湖滨街道), handled by DEP-330102-sanitation;
- location B: 拱墅区 330105, street 330105001 (北泉街道), handled by DEP-330105-sanitation.

City-level staff (unit 330100) have home A, and B is then still inside their unit: their
other_unit column says what a city-wide account may do in any district. The handler's "unit" is
its department: own_unit = a case dispatched to DEP-330102-sanitation (in A), other_unit = one
dispatched to DEP-330105-sanitation (in B).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from cityops.domain.reference import load_reference
from cityops.server import admin
from cityops.server.db import make_engine
from cityops.server.models import ApiKey, AuditEntry
from tests.server.conftest import PASSWORD, Api, LiveServer, new_id

# ---------------------------------------------------------------------------- actors and places

#: Users beyond conftest's USERS: a district-level commander (does the commander's reach follow
#: the unit?) and the 拱墅区 sanitation crew (accepts and handles the location-B cases).
EXTRA_USERS: dict[str, tuple[str, str | None]] = {
    "district_commander": ("commander", "330105"),
    "handler_b": ("handler", "DEP-330105-sanitation"),
}

#: Table columns, in order.
ACTORS = (
    "commander",
    "dispatcher",
    "district_dispatcher",
    "supervisor",
    "operator",
    "admin",
    "collector",
    "handler",
    "district_commander",
)
VARIANTS = ("own_unit", "other_unit")


@dataclass(frozen=True)
class Location:
    district: str
    street: str
    department: str  # the sanitation department a case there is dispatched to
    led_group: str
    circuit_prefix: str  # lighting circuits of the district (alarms are raised on them)


LOCATIONS = {
    "A": Location("330102", "330102001", "DEP-330102-sanitation", "LEDG-330102-01", "LC-330102-"),
    "B": Location("330105", "330105001", "DEP-330105-sanitation", "LEDG-330105-01", "LC-330105-"),
}
HOME = {
    "commander": "A",
    "dispatcher": "A",
    "district_dispatcher": "B",
    "supervisor": "A",
    "operator": "A",
    "admin": "A",
    "collector": "A",
    "handler": "A",
    "district_commander": "B",
}
#: Who accepts and handles a case at each location when a row's case is walked there.
CREW = {"A": "handler", "B": "handler_b"}


def place(actor: str, variant: str) -> str:
    home = HOME[actor]
    return home if variant == "own_unit" else ("B" if home == "A" else "A")


# ---------------------------------------------------------------------------- the tables

#: Cell codes. ``x/y`` is own_unit/other_unit; a single code holds for both.
CODES = {
    "ok": "applied",
    "forb": "forbidden",  # the role may not do this at all (case rules)
    "area": "out_of_area",  # the case lies outside the actor's unit
    "asgn": "not_assigned",  # the case is dispatched to another department
    "src": "source_not_allowed",  # the role may not report under this source
    "alrm": "alarm_forbidden",
    "opr": "operator_required",  # city-wide dangerous command: operators only
    "city": "city_level_only",  # the city's hotline records it, never a district's staff
}

# Reporting is not bound to the reporter's area (a problem seen across a district line is still
# reported; the case goes to the queue of the area it lies in). Sources by role: collectors
# patrol; dispatchers take hotline and app reports, referrals, media and IoT; supervisors
# referrals and media; commanders referrals, media and IoT; reward reports come only from the
# public (Open311). Operators, admins and handling crews do not report. The satisfaction
# callback ranks the districts, so only the city's dispatchers and supervisors record it: a
# district dispatcher is refused in its own district as in any other.
CASE_TABLE = """
#                    cmdr    disp    ddisp   supv    oper    admin   coll    hand    dcmdr
case.report.patrol   src     src     src     src     forb    forb    ok      forb    src
case.report.referral ok      ok      ok      ok      forb    forb    src     forb    ok
case.report.media    ok      ok      ok      ok      forb    forb    src     forb    ok
case.report.hotline  src     ok      ok      src     forb    forb    src     forb    src
case.report.app      src     ok      ok      src     forb    forb    src     forb    src
case.report.reward   src     src     src     src     forb    forb    src     forb    src
case.report.iot      ok      ok      ok      src     forb    forb    src     forb    ok
case.verify          forb    ok      ok/area forb    forb    forb    ok/area forb    forb
case.file            forb    ok      ok/area forb    forb    forb    forb    forb    forb
case.dispatch        forb    ok      ok/area forb    forb    forb    forb    forb    forb
case.accept          forb    forb    forb    forb    forb    forb    forb    ok/asgn forb
case.depart          forb    forb    forb    forb    forb    forb    forb    ok/asgn forb
case.arrive          forb    forb    forb    forb    forb    forb    forb    ok/asgn forb
case.return          forb    forb    forb    forb    forb    forb    forb    ok/asgn forb
case.handle          forb    forb    forb    forb    forb    forb    forb    ok/asgn forb
case.check_pass      forb    ok      ok/area forb    forb    forb    ok/area forb    forb
case.check_fail      forb    ok      ok/area forb    forb    forb    ok/area forb    forb
case.close           forb    ok      ok/area forb    forb    forb    forb    forb    forb
case.suspend         ok      ok      ok/area forb    forb    forb    forb    forb    ok/area
case.resume          ok      ok      ok/area forb    forb    forb    forb    forb    ok/area
case.escalate        ok      ok      ok/area ok      forb    forb    forb    forb    ok/area
case.invalidate      forb    ok      ok/area ok      forb    forb    forb    forb    forb
case.mark_duplicate  forb    ok      ok/area forb    forb    forb    forb    forb    forb
case.add_note        ok      ok      ok/area ok      forb    forb    ok/area ok/area ok/area
case.update          forb    ok      ok/area forb    forb    forb    ok/area forb    forb
case.rate            forb    ok      city    ok      forb    forb    forb    forb    forb
"""

# Alarms are the hall's, not a district's: dispatchers and commanders handle them wherever the
# device is; nobody else may.
ALARM_TABLE = """
#                     cmdr   disp   ddisp  supv   oper   admin  coll   hand   dcmdr
alarm.ack             ok     ok     ok     alrm   alrm   alrm   alrm   alrm   ok
alarm.shelve          ok     ok     ok     alrm   alrm   alrm   alrm   alrm   ok
alarm.unshelve        ok     ok     ok     alrm   alrm   alrm   alrm   alrm   ok
alarm.convert_to_case ok     ok     ok     alrm   alrm   alrm   alrm   alrm   ok
"""

# Device commands: operators and dispatchers switch screens and lights (DESIGN §1); a command
# that darkens most of the city (all lights off) is the operator's alone, whoever else asks.
# "routine" = brightness 40 % on one LED group (own/other: a group in the actor's district or
# the other); "all_off" = every lighting circuit off, confirmed by typing (one variant: city).
# The REST endpoint answers 201, or 403 with a "denied" audit row.
DEVICE_TABLE = """
#                        cmdr   disp   ddisp  supv   oper   admin  coll   hand   dcmdr
device.command.routine   forb   ok     ok     forb   ok     forb   forb   forb   forb
device.command.all_off   opr    opr    opr    opr    ok     opr    opr    opr    opr
rest.command.routine     403    201    201    403    201    403    403    403    403
rest.command.all_off     403    403    403    403    201    403    403    403    403
"""


def parse(table: str) -> dict[tuple[str, str], tuple[str, str]]:
    """``(actor, action) → (own_unit, other_unit)`` expected outcomes."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for line in table.strip().splitlines():
        if line.startswith("#"):
            continue
        action, *cells = line.split()
        assert len(cells) == len(ACTORS), line
        for actor, cell in zip(ACTORS, cells, strict=True):
            own, _, other = cell.partition("/")
            out[(actor, action)] = (
                CODES.get(own, own),
                CODES.get(other or own, other or own),
            )
    return out


CASE_EXPECT = parse(CASE_TABLE)
ALARM_EXPECT = parse(ALARM_TABLE)
DEVICE_EXPECT = parse(DEVICE_TABLE)


def rows(expect: dict[tuple[str, str], tuple[str, str]], variants: tuple[str, ...] = VARIANTS):
    params = []
    for (actor, action), outcomes in expect.items():
        for variant, outcome in zip(VARIANTS, outcomes, strict=True):
            if variant not in variants:
                continue
            params.append(
                pytest.param(actor, action, variant, outcome, id=f"{actor}-{action}-{variant}")
            )
    return params


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def engine(live_server: LiveServer) -> Iterator[Any]:
    eng = make_engine(live_server.db_url)
    for name, (roles, unit) in EXTRA_USERS.items():
        admin.add_user(eng, name, PASSWORD, roles, unit, display_name=name)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def mx(live_server: LiveServer, engine: Any) -> Iterator[Api]:
    """One client for the module: each user logs in once (argon2 is slow on purpose)."""
    client = Api(live_server.url)
    yield client
    client.http.close()


@pytest.fixture(scope="module")
def api_key(engine: Any) -> str:
    return admin.new_api_key(engine, "matrix-integration")


def push_all(api: Api, user: str, mutations: list[tuple[str, dict[str, Any]]]) -> None:
    """Push ``(name, args)`` intents as ``user`` in batches; every one must apply."""
    for start in range(0, len(mutations), 400):
        client = new_id("setup")
        batch = [api.mutation(client, name, args) for name, args in mutations[start : start + 400]]
        r = api.push(user, *batch)
        assert r.status_code == 200, r.text
        refused = [x for x in r.json()["results"] if x["status"] != "applied"]
        assert not refused, refused[:3]


# ------------------------------------------------------------------ walking cases into a state

#: The steps from *reported* to each state, with the actor kind that takes each step
#: ("crew" = the handler of the department the case is dispatched to).
WALKS: dict[str, tuple[tuple[str, str], ...]] = {
    "reported": (),
    "verified": (("dispatcher", "case.verify"),),
    "filed": (("dispatcher", "case.verify"), ("dispatcher", "case.file")),
    "dispatched": (
        ("dispatcher", "case.verify"),
        ("dispatcher", "case.file"),
        ("dispatcher", "case.dispatch"),
    ),
    "in_progress": (
        ("dispatcher", "case.verify"),
        ("dispatcher", "case.file"),
        ("dispatcher", "case.dispatch"),
        ("crew", "case.accept"),
    ),
    "handled": (
        ("dispatcher", "case.verify"),
        ("dispatcher", "case.file"),
        ("dispatcher", "case.dispatch"),
        ("crew", "case.accept"),
        ("crew", "case.handle"),
    ),
    "checked": (
        ("dispatcher", "case.verify"),
        ("dispatcher", "case.file"),
        ("dispatcher", "case.dispatch"),
        ("crew", "case.accept"),
        ("crew", "case.handle"),
        ("dispatcher", "case.check_pass"),
    ),
    "suspended": (
        ("dispatcher", "case.verify"),
        ("dispatcher", "case.file"),
        ("dispatcher", "case.dispatch"),
        ("crew", "case.accept"),
        ("dispatcher", "case.suspend"),
    ),
    "closed": (
        ("dispatcher", "case.verify"),
        ("dispatcher", "case.file"),
        ("dispatcher", "case.dispatch"),
        ("crew", "case.accept"),
        ("crew", "case.handle"),
        ("dispatcher", "case.check_pass"),
        ("dispatcher", "case.close"),
    ),
}
#: The satisfaction callback is for public reports: the closed cases are hotline calls.
SOURCE_FOR = {"closed": "hotline"}

#: The state each command needs (one the closed loop allows it from).
STATE_FOR = {
    "case.verify": "reported",
    "case.file": "verified",
    "case.dispatch": "filed",
    "case.accept": "dispatched",
    "case.depart": "in_progress",
    "case.arrive": "in_progress",
    "case.return": "dispatched",
    "case.handle": "in_progress",
    "case.check_pass": "handled",
    "case.check_fail": "handled",
    "case.close": "checked",
    "case.suspend": "in_progress",
    "case.resume": "suspended",
    "case.escalate": "in_progress",
    "case.invalidate": "reported",
    "case.mark_duplicate": "reported",
    "case.add_note": "in_progress",
    "case.update": "filed",
    "case.rate": "closed",
}


def step_args(name: str, loc: Location) -> dict[str, Any]:
    """Arguments that make ``name`` valid in itself (the row then tests only permission)."""
    return {
        "case.verify": {"note": "视频核实属实"},
        "case.file": {"subcategory_code": "0702"},
        "case.dispatch": {"unit_code": loc.department},
        "case.return": {"reason": "非本单位职责"},
        "case.handle": {"feedback": "已清运"},
        "case.check_fail": {"reason": "现场仍有垃圾"},
        "case.suspend": {"reason": "等待占道审批"},
        "case.escalate": {"reason": "群众多次投诉"},
        "case.invalidate": {"reason": "不属于城市管理问题"},
        "case.add_note": {"text": "已电话联系"},
        "case.rate": {"score": 4, "note": "回访：满意"},
    }.get(name, {})


@dataclass
class WalkedCase:
    case_id: str
    location: Location
    version: int  # the case's version once walked


class CaseWalker:
    """Walks many cases at once: one report push, then one push per step and actor."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def report(
        self, location: Location, case_id: str, source: str = "referral"
    ) -> tuple[str, dict[str, Any]]:
        return (
            "case.report",
            {
                "case_id": case_id,
                "source": source,
                "description": "路面暴露垃圾（权限矩阵）",
                "district_code": location.district,
                "street_code": location.street,
            },
        )

    def walk(self, wanted: dict[Any, tuple[str, str]]) -> dict[Any, WalkedCase]:
        """``key → (state, location key)`` → the walked cases; every step must apply."""
        ids = {key: new_id("MX") for key in wanted}
        reports = [
            self.report(LOCATIONS[where], ids[key], SOURCE_FOR.get(state, "referral"))
            for key, (state, where) in wanted.items()
        ]
        push_all(self.api, "dispatcher", reports)
        depth = max(len(WALKS[state]) for state, _ in wanted.values())
        for i in range(depth):
            by_user: dict[str, list[tuple[str, dict[str, Any]]]] = {}
            for key, (state, where) in wanted.items():
                steps = WALKS[state]
                if i >= len(steps):
                    continue
                who, name = steps[i]
                user = CREW[where] if who == "crew" else who
                args = {"case_id": ids[key], **step_args(name, LOCATIONS[where])}
                by_user.setdefault(user, []).append((name, args))
            for user, mutations in by_user.items():
                push_all(self.api, user, mutations)
        return {
            key: WalkedCase(ids[key], LOCATIONS[where], 1 + len(WALKS[state]))
            for key, (state, where) in wanted.items()
        }


@pytest.fixture(scope="module")
def walked(mx: Api) -> dict[tuple[str, str, str], WalkedCase]:
    """A case for every command row of the case table, in the state its command needs."""
    wanted = {
        (actor, action, variant): (STATE_FOR[action], place(actor, variant))
        for (actor, action) in CASE_EXPECT
        if action in STATE_FOR
        for variant in VARIANTS
    }
    return CaseWalker(mx).walk(wanted)


@pytest.fixture(scope="module")
def anchor_case(mx: Api) -> str:
    """An existing case that rows may mark another case a duplicate of."""
    return CaseWalker(mx).walk({"anchor": ("reported", "A")})["anchor"].case_id


def result_code(result: dict[str, Any]) -> str:
    if result["status"] == "applied":
        return "applied"
    code: str = result["rejection"]["code"]
    return code


# ---------------------------------------------------------------------------- case rows


@pytest.mark.parametrize(
    ("actor", "action", "variant", "expected"),
    [p for p in rows(CASE_EXPECT) if p.values[1].startswith("case.report.")],
)
def test_report(mx: Api, actor: str, action: str, variant: str, expected: str) -> None:
    source = action.rsplit(".", 1)[1]
    loc = LOCATIONS[place(actor, variant)]
    result = mx.do(
        actor,
        new_id(f"mx-{actor}"),
        "case.report",
        case_id=new_id("MXR"),
        source=source,
        description="井盖缺失（权限矩阵）",
        district_code=loc.district,
        street_code=loc.street,
    )
    assert result_code(result) == expected, result


@pytest.mark.parametrize(
    ("actor", "action", "variant", "expected"),
    [p for p in rows(CASE_EXPECT) if not p.values[1].startswith("case.report.")],
)
def test_case_command(
    mx: Api,
    walked: dict[tuple[str, str, str], WalkedCase],
    anchor_case: str,
    actor: str,
    action: str,
    variant: str,
    expected: str,
) -> None:
    case = walked[(actor, action, variant)]
    args: dict[str, Any] = {"case_id": case.case_id, **step_args(action, case.location)}
    if action == "case.mark_duplicate":
        args["duplicate_of"] = anchor_case
    if action == "case.update":
        args.update(base_version=case.version, description="路面暴露垃圾约 3 平方米（已更正）")
    result = mx.do(actor, new_id(f"mx-{actor}"), action, **args)
    assert result_code(result) == expected, result


# ---------------------------------------------------------------------------- alarms


@pytest.fixture(scope="module")
def alarms(mx: Api, api_key: str) -> dict[tuple[str, str, str], str]:
    """One fresh alarm per alarm row, raised through the ingest API on a lighting circuit in the
    row's district (the device table locates it); the unshelve rows' alarms are shelved."""
    ref = load_reference()
    free = {
        k: iter(sorted(c for c in ref.devices.circuits if c.startswith(loc.circuit_prefix)))
        for k, loc in LOCATIONS.items()
    }
    device_of = {
        (actor, action, variant): next(free[place(actor, variant)])
        for (actor, action) in ALARM_EXPECT
        for variant in VARIANTS
    }
    start: int = mx.http.get("/healthz").json()["last_seq"]
    at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    readings = [
        {"device_id": d, "metric": "water_depth", "value": 45, "at": at} for d in device_of.values()
    ]
    r = mx.http.post(
        "/api/v1/ingest/readings", json={"readings": readings}, headers={"X-Api-Key": api_key}
    )
    assert r.status_code == 200, r.text
    assert r.json()["alarms_raised"] == len(readings)
    found: dict[str, dict[str, Any]] = {}
    for change in mx.all_changes("dispatcher", after=start):
        if change["entity"] == "alarm":
            found[change["payload"]["device_id"]] = change["payload"]
    out = {}
    for key, device_id in device_of.items():
        alarm = found[device_id]
        assert alarm["state"] == "active_unack"
        assert alarm["district_code"] == LOCATIONS[place(key[0], key[2])].district
        out[key] = alarm["id"]
    until = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    push_all(
        mx,
        "dispatcher",
        [
            ("alarm.shelve", {"alarm_id": alarm_id, "until": until, "reason": "管道抢修中"})
            for (_, action, _), alarm_id in out.items()
            if action == "alarm.unshelve"
        ],
    )
    return out


@pytest.mark.parametrize(("actor", "action", "variant", "expected"), rows(ALARM_EXPECT))
def test_alarm_action(
    mx: Api,
    alarms: dict[tuple[str, str, str], str],
    actor: str,
    action: str,
    variant: str,
    expected: str,
) -> None:
    alarm_id = alarms[(actor, action, variant)]
    args: dict[str, Any] = {
        "alarm.ack": {"seen_peak": "critical"},
        "alarm.shelve": {
            "until": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "reason": "抢修队已到场",
        },
        "alarm.unshelve": {},
        "alarm.convert_to_case": {"case_id": new_id("MXA")},
    }[action]
    result = mx.do(actor, new_id(f"mx-{actor}"), action, alarm_id=alarm_id, **args)
    assert result_code(result) == expected, result


# ---------------------------------------------------------------------------- devices

REF = load_reference()
ALL_CIRCUITS = sorted(REF.devices.circuits)


def screens_of(group: str) -> list[str]:
    return sorted(s.id for s in REF.devices.led_screens.values() if s.group == group)


def command_args(action: str, loc: Location) -> dict[str, Any]:
    not_after = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    if action.endswith("all_off"):
        return {
            "device_ids": ALL_CIRCUITS,
            "payload": {"type": "set_power", "on": False},
            "not_after": not_after,
            "confirmed_count": len(ALL_CIRCUITS),
            "typed_confirmation": True,
        }
    return {
        "device_ids": screens_of(loc.led_group),
        "payload": {"type": "set_level", "percent": 40},
        "not_after": not_after,
    }


def audit_rows(live_server: LiveServer, **where: Any) -> list[AuditEntry]:
    with live_server.state.gate.read() as session:
        return list(session.scalars(select(AuditEntry).filter_by(**where)))


def device_rows(action_prefix: str) -> list[Any]:
    params = []
    for p in rows(DEVICE_EXPECT):
        actor, action, variant, _ = p.values
        if not action.startswith(action_prefix):
            continue
        if action.endswith("all_off"):
            if variant == "other_unit":
                continue  # city-wide: one row per actor
            p = pytest.param(*p.values, id=f"{actor}-{action}-city", marks=p.marks)
        params.append(p)
    return params


@pytest.mark.parametrize(("actor", "action", "variant", "expected"), device_rows("device."))
def test_device_command_push(
    mx: Api, engine: Any, actor: str, action: str, variant: str, expected: str
) -> None:
    args = command_args(action, LOCATIONS[place(actor, variant)])
    result = mx.do(actor, new_id(f"mx-{actor}"), "device.command", **args)
    assert result_code(result) == expected, result


@pytest.mark.parametrize(("actor", "action", "variant", "expected"), device_rows("rest."))
def test_device_command_rest(
    mx: Api,
    live_server: LiveServer,
    engine: Any,
    actor: str,
    action: str,
    variant: str,
    expected: str,
) -> None:
    gid = new_id("MXG")
    body = command_args(action, LOCATIONS[place(actor, variant)]) | {
        "client_now": datetime.now(UTC).isoformat(),
        "group_command_id": gid,
    }
    r = mx.http.post("/api/v1/devices/commands", json=body, headers=mx.headers(actor))
    assert str(r.status_code) == expected, r.text
    if r.status_code == 201:
        assert r.json()["group_command_id"] == gid
        return
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 403
    denied = audit_rows(live_server, actor=actor, action="device.command", decision="denied")
    assert any(gid in (row.target or "") for row in denied), "403 without a denied audit row"


def test_revoked_role_blocks_the_next_device_command_with_the_old_token(
    mx: Api, engine: Any, live_server: LiveServer
) -> None:
    name = f"op_{uuid.uuid4().hex[:8]}"
    admin.add_user(engine, name, PASSWORD, "operator", "330100", display_name=name)
    token = mx.token(name)  # stays valid for the rest of the test
    loc = LOCATIONS["A"]
    first = mx.do(name, new_id("ws"), "device.command", **command_args("routine", loc))
    assert first["status"] == "applied", first

    admin.set_roles(engine, name, "dispatcher")  # demoted: routine yes, city-wide no
    off = mx.do(name, new_id("ws"), "device.command", **command_args("all_off", loc))
    assert result_code(off) == "operator_required"

    admin.set_roles(engine, name, "supervisor")  # no device powers at all
    assert mx.token(name) == token
    again = mx.do(name, new_id("ws"), "device.command", **command_args("routine", loc))
    assert result_code(again) == "forbidden", again
    gid = new_id("MXG")
    body = command_args("routine", loc) | {
        "client_now": datetime.now(UTC).isoformat(),
        "group_command_id": gid,
    }
    r = mx.http.post("/api/v1/devices/commands", json=body, headers=mx.headers(name))
    assert r.status_code == 403, r.text
    denied = audit_rows(live_server, actor=name, action="device.command", decision="denied")
    assert any(gid in (row.target or "") for row in denied)


# ---------------------------------------------------------------------------- integrations

CREDENTIALS = ("none", "key", "wrong_key", "revoked_key", *(f"token:{u}" for u in ACTORS))

#: Integration endpoints take an API key, never a person's token.
INTEGRATION_TABLE = {
    # endpoint:          (none, key, wrong_key, revoked_key, any user's token)
    "ingest.readings": (401, 200, 401, 401, 401),
    "gateway.commands": (401, 200, 401, 401, 401),
    "gateway.acks": (401, 200, 401, 401, 401),
    "gateway.status": (401, 200, 401, 401, 401),
    # Open311 answers an unknown api_key with 403, as the GeoReport v2 spec does.
    "open311.requests": (401, 201, 403, 403, 401),
}


def integration_rows() -> list[Any]:
    params = []
    for endpoint, (none, key, wrong, revoked, token) in INTEGRATION_TABLE.items():
        for cred in CREDENTIALS:
            status = {"none": none, "key": key, "wrong_key": wrong, "revoked_key": revoked}.get(
                cred, token
            )
            params.append(pytest.param(endpoint, cred, status, id=f"{cred}-{endpoint}"))
    return params


@pytest.fixture(scope="module")
def revoked_key(engine: Any, live_server: LiveServer) -> str:
    key = admin.new_api_key(engine, "matrix-revoked")
    with live_server.state.gate.write() as session:
        session.execute(update(ApiKey).where(ApiKey.name == "matrix-revoked").values(revoked=True))
    return key


def integration_request(
    api: Api, endpoint: str, headers: dict[str, str], key: str | None
) -> httpx.Response:
    now = datetime.now(UTC).isoformat()
    if key is not None and endpoint != "open311.requests":
        headers = headers | {"X-Api-Key": key}
    if endpoint == "ingest.readings":
        reading = {"device_id": new_id("WL"), "metric": "water_depth", "value": 1.0, "at": now}
        return api.http.post(
            "/api/v1/ingest/readings", json={"readings": [reading]}, headers=headers
        )
    if endpoint == "gateway.commands":
        return api.http.get(
            "/api/v1/gateway/commands", params={"device_ids": "NO-SUCH-DEVICE"}, headers=headers
        )
    if endpoint == "gateway.acks":
        acks = [{"command_id": "no-such-command", "ok": True, "at": now}]
        return api.http.post("/api/v1/gateway/acks", json={"acks": acks}, headers=headers)
    if endpoint == "gateway.status":
        reports = [{"device_id": "NO-SUCH-DEVICE", "at": now, "online": True}]
        return api.http.post("/api/v1/gateway/status", json={"reports": reports}, headers=headers)
    form = {
        "service_code": "0702",
        "description": "湖滨路人行道上有一堆暴露垃圾",
        "lat": "30.2592",
        "long": "120.1655",
    }
    if key is not None:
        form["api_key"] = key
    return api.http.post("/open311/v2/requests.json", data=form, headers=headers)


@pytest.mark.parametrize(("endpoint", "credential", "status"), integration_rows())
def test_integration_endpoint(
    mx: Api, api_key: str, revoked_key: str, endpoint: str, credential: str, status: int
) -> None:
    headers: dict[str, str] = {}
    key: str | None = None
    if credential == "key":
        key = api_key
    elif credential == "wrong_key":
        key = "cok_" + uuid.uuid4().hex
    elif credential == "revoked_key":
        key = revoked_key
    elif credential.startswith("token:"):
        headers = mx.headers(credential.split(":", 1)[1])
    r = integration_request(mx, endpoint, headers, key)
    assert r.status_code == status, r.text
    if status >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == status


# ---------------------------------------------------------------------------- pulling, streaming

#: Any active user may pull and stream (clients filter what they show); nobody else.
SYNC_READ_TABLE = {
    # credential: status of GET /api/v1/changes and of GET /api/v1/events
    **{f"token:{u}": 200 for u in ACTORS},
    "none": 401,
    "garbage_token": 401,
    "disabled_user": 401,
}


@pytest.fixture(scope="module")
def disabled_token(mx: Api, engine: Any) -> str:
    """The still-unexpired token of a user who has since been disabled."""
    name = f"gone_{uuid.uuid4().hex[:8]}"
    admin.add_user(engine, name, PASSWORD, "dispatcher", "330100", display_name=name)
    token = mx.token(name)
    admin.disable_user(engine, name)
    return token


def auth_headers(mx: Api, credential: str, disabled_token: str) -> dict[str, str]:
    if credential.startswith("token:"):
        return mx.headers(credential.split(":", 1)[1])
    if credential == "garbage_token":
        return {"Authorization": "Bearer not.a.jwt"}
    if credential == "disabled_user":
        return {"Authorization": f"Bearer {disabled_token}"}
    return {}


@pytest.mark.parametrize(
    ("endpoint", "credential", "status"),
    [
        pytest.param(endpoint, cred, status, id=f"{cred}-{endpoint}")
        for endpoint in ("changes", "events")
        for cred, status in SYNC_READ_TABLE.items()
    ],
)
def test_sync_read(
    mx: Api, disabled_token: str, endpoint: str, credential: str, status: int
) -> None:
    headers = auth_headers(mx, credential, disabled_token)
    if endpoint == "changes":
        r = mx.http.get("/api/v1/changes", params={"after": 0, "limit": 1}, headers=headers)
        assert r.status_code == status, r.text
        if status == 200:
            assert set(r.json()) == {"changes", "last_seq", "has_more", "log_id"}
    else:
        with mx.http.stream("GET", "/api/v1/events", headers=headers, timeout=10) as r:
            assert r.status_code == status
            if status == 200:
                assert r.headers["content-type"].startswith("text/event-stream")
                first = next(r.iter_lines())
                assert first.startswith("retry:")
            else:
                r.read()
    if status >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == status


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("POST", "/api/v1/sync/push", "push", id="disabled_user-sync.push"),
        pytest.param(
            "POST", "/api/v1/devices/commands", "command", id="disabled_user-rest.command"
        ),
        pytest.param("GET", "/api/v1/devices/commands/G-1", None, id="disabled_user-rest.progress"),
    ],
)
def test_disabled_user_is_401_everywhere(
    mx: Api, disabled_token: str, method: str, path: str, body: str | None
) -> None:
    payload: dict[str, Any] | None = None
    if body == "push":
        payload = {"mutations": [mx.mutation(new_id("ws"), "case.add_note", {"case_id": "x"})]}
    elif body == "command":
        payload = command_args("routine", LOCATIONS["A"]) | {
            "client_now": datetime.now(UTC).isoformat()
        }
    r = mx.http.request(
        method, path, json=payload, headers={"Authorization": f"Bearer {disabled_token}"}
    )
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
