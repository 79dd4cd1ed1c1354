"""The simulated people only ever do what the case rules let them do, and they close the loop.

``Casework`` decides each case's next step from its state; here every decision is applied with
the domain's own state machine (``cases.apply``) as the actor who would push it, so a step that
the server would reject (wrong role, wrong unit, wrong state) fails the test. Cases start as the
generator makes them: citizens' Open311 reports and collectors' patrol finds.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from cityops.domain import cases as cs
from cityops.domain.actors import Actor, Role
from cityops.domain.outcomes import Rejection
from cityops.domain.reference import load_reference
from cityops.domain.schemas import CaseDoc
from cityops.server.admin import DEMO_USERS, simulator_users
from cityops.simulator import scenarios
from cityops.simulator.casework import Casework, department_for
from cityops.simulator.client import Outboxes
from cityops.simulator.clock import RunClock
from cityops.simulator.credentials import Credentials, Staff, UserCredential
from cityops.simulator.people import Fates, ReportGenerator
from cityops.simulator.runner import Stats

REF = load_reference()


def _credentials() -> Credentials:
    users = {
        name: UserCredential(name, "x" * 12, frozenset({Role(role)}), unit)
        for name, role, unit, _ in (*DEMO_USERS, *simulator_users(REF))
    }
    return Credentials("cok_test", users)


def _actor(creds: Credentials, name: str) -> Actor:
    user = creds.users[name]
    return Actor(name, user.roles, user.unit, name)


def _doc(case: cs.Case) -> dict[str, Any]:
    return CaseDoc.from_domain(case).model_dump(mode="json")


def test_staff_from_the_seeded_accounts() -> None:
    staff = Staff.of(_credentials())
    assert staff.dispatcher == "dispatcher"
    assert staff.operator == "operator"
    assert staff.supervisor == "supervisor"
    assert set(staff.collectors) == {d.code for d in REF.units.districts}
    assert set(staff.handlers) == set(REF.units.departments)
    # A district dispatcher in the file (first by name) does not become the hall's dispatcher:
    # the callbacks it would record are refused to a district (``case.rate`` is city-level).
    creds = _credentials()
    district = UserCredential(
        "a-district-dispatcher", "x" * 12, frozenset({Role.DISPATCHER}), "330102"
    )
    with_district = Credentials(creds.api_key, {**creds.users, district.name: district})
    assert Staff.of(with_district).dispatcher == "dispatcher"


def test_street_office_work_goes_to_the_districts_enforcement_department() -> None:
    sub = next(s for s in REF.taxonomy.subcategories.values() if s.dept_type == "street_office")
    assert department_for(REF, sub.code, "330105001") == "DEP-330105-enforcement"
    assert department_for(REF, "0702", "330106") == "DEP-330106-sanitation"
    assert department_for(REF, "1103", "330106") == "DEP-330100-gas"  # a city-wide department
    # after a return: the next department in line, or none
    assert department_for(REF, "0702", "330106", exclude="DEP-330106-sanitation") == (
        "DEP-330100-sanitation"
    )
    assert department_for(REF, "1103", "330106", exclude="DEP-330100-gas") is None


def test_every_step_is_allowed_for_its_person_and_the_loop_closes() -> None:
    creds = _credentials()
    desk = Casework(
        REF,
        Staff.of(creds),
        cast(Outboxes, None),  # decisions only: nothing is pushed here
        Fates(),
        RunClock(speed=1.0),
        Stats(),
        seed=3,
    )
    reports = ReportGenerator(REF, scenarios.Scenario(), seed=3, rate=1, profile_hour=10)
    now = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    ends: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    public_closed = 0
    for n, report in enumerate(reports.take(400)):
        case_id = f"T-{n}"
        public = report.channel == "open311"
        reporter = (
            Actor("open311:simulator", frozenset({Role.CITIZEN}), None, "app")
            if public
            else _actor(creds, f"sim-collector-{report.district_code}")
        )
        made = cs.report_case(
            case_id,
            source=cs.CaseSource.REWARD
            if report.reward
            else (cs.CaseSource.APP if public else cs.CaseSource.PATROL),
            description=report.description,
            district_code=report.district_code,
            street_code=report.street_code,
            lon=report.lon,
            lat=report.lat,
            actor=reporter,
            now=now,
            ref=REF,
        )
        assert not isinstance(made, Rejection), made
        case = made[0]
        desk.fates.add(case_id, report.fate, report.service_code)
        for _ in range(20):
            step = desk._decide(_doc(case))
            if step is None:
                break
            user, intent, delay = step
            assert delay > 0
            command = cs.COMMANDS_BY_NAME[intent.name](
                **{k: v for k, v in intent.args.items() if k != "case_id"}
            )
            now += timedelta(seconds=delay)
            outcome = cs.apply(case, command, _actor(creds, user), now, REF)
            assert not isinstance(outcome, Rejection), (intent.name, user, outcome)
            case = outcome[0]
            steps[intent.name] += 1
        ends[case.state.value] += 1
        public_closed += case.state is cs.CaseState.CLOSED and case.source.public
    assert ends["closed"] + ends["invalid"] == 400, ends
    assert ends["invalid"] > 0  # some public reports were not found on site
    assert steps["case.check_fail"] > 0, steps
    assert steps["case.return"] > 0, steps
    assert steps["case.close"] == ends["closed"]
    # The hotline called back most closed public reports, once each, after closing.
    assert 0.55 < steps["case.rate"] / public_closed < 0.85, (steps["case.rate"], public_closed)


def test_without_auto_dispatch_the_dispatchers_steps_wait_for_a_person() -> None:
    creds = _credentials()
    desk = Casework(
        REF,
        Staff.of(creds),
        cast(Outboxes, None),
        Fates(),
        RunClock(),
        Stats(),
        seed=1,
        auto_dispatch=False,
    )
    made = cs.report_case(
        "T-1",
        source=cs.CaseSource.PATROL,
        description="暴露垃圾",
        district_code="330102",
        actor=_actor(creds, "sim-collector-330102"),
        now=datetime(2026, 3, 10, 10, 0, tzinfo=UTC),
        ref=REF,
    )
    assert not isinstance(made, Rejection)
    assert desk._decide(_doc(made[0])) is None  # filing is the dispatcher's


def _closed_doc(case_id: str, district: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": case_id, "state": "closed", "source": "hotline", "district_code": district,
        "version": 9, "rework_count": 0, "escalation_level": 0, **extra,
    }  # fmt: skip


def test_callbacks_rate_districts_differently_and_never_twice() -> None:
    desk = Casework(
        REF,
        Staff.of(_credentials()),
        cast(Outboxes, None),
        Fates(),
        RunClock(),
        Stats(),
        seed=5,
    )
    codes = sorted(d.code for d in REF.units.districts)

    def mean_of(district: str, **extra: Any) -> float:
        scores = []
        for n in range(600):
            step = desk._callback(_closed_doc(f"{district}-{n}", district, **extra))
            if step is not None:
                user, intent, delay = step
                assert (user, intent.name) == ("dispatcher", "case.rate")
                assert 1800 <= delay <= 3 * 3600
                scores.append(intent.args["score"])
        assert 0.6 < len(scores) / 600 < 0.8  # ~70 % reached
        assert set(scores) <= {1, 3, 5}
        return sum(scores) / len(scores)

    best, worst = mean_of(codes[0]), mean_of(codes[-1])
    assert best - worst > 0.3, (best, worst)  # the ranking tells the two apart
    assert mean_of(codes[0], rework_count=1) < best - 0.3  # redone work pleases fewer
    # Following the log: a closing plans one callback (and keeps no fate); the rated version
    # that comes back ends the case's story.
    doc = next(
        d for n in range(20) if desk._callback(d := _closed_doc(f"L-{n}", codes[0])) is not None
    )
    desk.observe(doc)
    assert desk.planned == 1
    assert desk.fates.get(doc["id"]) is None
    assert desk._versions[doc["id"]] == 9
    desk.observe({**doc, "version": 10, "satisfaction": 5})
    assert doc["id"] not in desk._versions  # the planned call is dropped when it falls due
    assert desk.stats.cases_closed == 1  # counted once, at the closing
    rated = _closed_doc("X-1", codes[0], satisfaction=5)
    assert desk._callback(rated) is None
    assert desk._callback({**_closed_doc("X-2", codes[0]), "source": "patrol"}) is None
