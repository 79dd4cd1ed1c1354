"""The case loop as the city's people work it: collectors, the auto-dispatcher, handling units.

People learn what happened the way every client does: one pull loop follows
``GET /api/v1/changes`` (shared by everyone the simulator plays) and hands each case's newest
document to ``Casework.observe``. The next step of a case is decided from its state alone —
plus the ``Fate`` drawn when the problem was generated (``people.draw_fate``; a case made by
someone else gets a fate drawn from the seed and its id) — and scheduled after that person's
delay (simulated seconds, so ``--speed`` shortens it). When it falls due and the case is still
at the version it was decided on, the intent goes into that person's outbox. So a restart, a
person at the desktop acting first, or a rejection never confuses anyone: the newest state
always decides.

Who does what:
- public report *reported* → the district's collector verifies it on site (or, when it is not
  there, the dispatcher invalidates it); patrol finds are filed directly;
- *verified* → the dispatcher files it under the subcategory from the report (the simulator's
  own, else the Open311 service code in the *reported* event);
- *filed* / *returned* → the dispatcher dispatches to the department of the subcategory's
  department type serving the district (``Units.departments_for``; street-office work goes to
  the district's enforcement department; after a return, the next department in line);
- *dispatched* / *rework* → the assigned department's handler accepts (3 % return it first);
  *in progress* → departs, arrives, handles;
- *handled* → the district's collector checks (8 % fail → rework); *checked* → the dispatcher
  closes it;
- *closed* public report → the city's hotline (the city-level dispatcher ``Staff`` picks: a
  district may not record the satisfaction that ranks it) calls the reporter back for 70 %
  (``CALLBACK_SHARE``; the others are not reached) half an hour to three hours later and
  records the answer (``case.rate``): 满意 5 / 基本满意 3 / 不满意 1 with shares that depend
  on the district (``satisfaction_weights``: the first district in code order is the most
  satisfied), and worse when the case was reworked or escalated — so the demo's ranking tells
  districts apart on public satisfaction too.
The dispatcher's part is played only with auto-dispatch on.
"""

from __future__ import annotations

import heapq
import logging
import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from cityops.domain.cases import CaseSource, CaseState
from cityops.domain.reference import Reference
from cityops.simulator.client import AuthError, Intent, Outboxes
from cityops.simulator.clock import RunClock
from cityops.simulator.credentials import Staff
from cityops.simulator.people import Fate, Fates, draw_fate

if TYPE_CHECKING:
    from cityops.simulator.runner import Stats

log = logging.getLogger(__name__)

_PUBLIC: Final = frozenset(s.value for s in CaseSource if s.public)
_TERMINAL: Final = frozenset(s.value for s in CaseState if s.terminal)

#: Real seconds to wait for a citizen's report's fate before treating it as someone else's.
FATE_GRACE: Final = 2.0
#: Share of closed public reports whose reporter the hotline reaches on its callback.
CALLBACK_SHARE: Final = 0.7
#: Simulated seconds from closing to the callback.
CALLBACK_DELAY: Final = (1800.0, 3 * 3600.0)
_ANSWERS: Final = (5, 3, 1)
_ANSWER_NOTES: Final = {5: "回访：满意", 3: "回访：基本满意", 1: "回访：不满意"}
CHECK_FAIL_REASONS: Final = (
    "现场复核仍未整改到位",
    "处置不彻底，问题依旧存在",
    "现场照片与实际不符",
)


def department_for(
    ref: Reference, subcategory: str, area: str, exclude: str | None = None
) -> str | None:
    """The department a case of ``subcategory`` in ``area`` goes to (not ``exclude``)."""
    sub = ref.taxonomy.subcategories.get(subcategory)
    if sub is None:
        return None
    dept_type = "enforcement" if sub.dept_type == "street_office" else sub.dept_type
    for dept in ref.units.departments_for(dept_type, area):
        if dept.code != exclude:
            return dept.code
    return None


def satisfaction_weights(ref: Reference) -> dict[str, tuple[float, float, float]]:
    """district → shares of the callback's answers 满意 / 基本满意 / 不满意: from 90 / 8 / 2 %
    in the first district (code order) to 66 / 22 / 12 % in the last."""
    codes = sorted(u.code for u in ref.units.districts)
    out = {}
    for i, code in enumerate(codes):
        worse = i / max(1, len(codes) - 1)
        out[code] = (0.90 - 0.24 * worse, 0.08 + 0.14 * worse, 0.02 + 0.10 * worse)
    return out


class Casework:
    """Follows the changes log and works the cases (see the module docstring)."""

    def __init__(
        self,
        ref: Reference,
        staff: Staff,
        outboxes: Outboxes,
        fates: Fates,
        clock: RunClock,
        stats: Stats,
        *,
        seed: int,
        auto_dispatch: bool = True,
        pull_interval: float = 1.0,
    ) -> None:
        self.ref, self.staff, self.outboxes, self.fates = ref, staff, outboxes, fates
        self.clock, self.stats, self.seed = clock, stats, seed
        self.auto_dispatch = auto_dispatch
        self.pull_interval = pull_interval
        self.cursor = 0
        self._versions: dict[str, int] = {}
        self._service_codes: dict[str, str] = {}
        # (due, tie-break, case id, version, user, intent), or user "" and the case document
        # for a second look (a citizen's report whose fate had not arrived yet).
        self._due: list[tuple[float, int, str, int, str, Intent | Mapping[str, Any]]] = []
        self._n = 0
        self._alarm_states: dict[str, str] = {}
        self._command_status: dict[str, str] = {}
        self._satisfaction = satisfaction_weights(ref)

    # -- following the log

    async def watch(self) -> None:
        reader = self.staff.anyone
        if reader is None:
            log.warning("no user in the credentials file can read the changes log; nobody works")
            return
        session = self.outboxes.session(reader)
        http = self.outboxes.http
        while True:
            try:
                r = await session.request(
                    "GET", "/api/v1/changes", params={"after": self.cursor, "limit": 2000}
                )
            except AuthError:
                await http.sleep(30)
                continue
            if r.status_code == 410:
                oldest = r.json().get("oldest_seq") or 1
                log.warning("changes after %d were pruned; resuming at %d", self.cursor, oldest)
                self.cursor = max(0, int(oldest) - 1)
                continue
            if r.status_code != 200:
                self.stats.errors[f"changes HTTP {r.status_code}"] += 1
                await http.sleep(self.pull_interval)
                continue
            page = r.json()
            for change in page["changes"]:
                self._apply_change(change)
            self.cursor = page["last_seq"]
            self.stats.last_seq = self.cursor
            if not page["has_more"]:
                await http.sleep(self.pull_interval)

    def _apply_change(self, change: Mapping[str, Any]) -> None:
        payload = change.get("payload")
        if not isinstance(payload, Mapping):
            return
        entity = change["entity"]
        if entity == "case":
            self.observe(payload)
        elif entity == "case_event":
            if payload.get("kind") == "reported":
                code = (payload.get("details") or {}).get("service_code")
                if isinstance(code, str):
                    self._service_codes[payload["case_id"]] = code
        elif entity == "alarm":
            self._alarm(payload)
        elif entity == "device_command":
            self._command(payload)

    def _alarm(self, doc: Mapping[str, Any]) -> None:
        alarm_id, state = doc["id"], doc["state"]
        if int(doc.get("version") or 1) == 1:
            self.stats.alarms_seen += 1
        old = self._alarm_states.pop(alarm_id, None)
        if state != "cleared":  # cleared and acknowledged: that alarm never changes again
            self._alarm_states[alarm_id] = state
        if (old or "").startswith("active") != state.startswith("active"):
            self.stats.alarms_active += 1 if state.startswith("active") else -1

    def _command(self, doc: Mapping[str, Any]) -> None:
        command_id, status = doc["id"], doc["status"]
        if self._command_status.get(command_id) == status:
            return
        self._command_status[command_id] = status
        if status == "acked":
            self.stats.commands_acked += 1
        elif status == "failed":
            self.stats.commands_failed += 1
        elif status == "expired":
            self.stats.commands_expired += 1
        if status in ("acked", "failed"):
            del self._command_status[command_id]  # final: no further feedback comes

    # -- deciding

    def observe(self, doc: Mapping[str, Any]) -> None:
        """A case's newest document: forget what was planned for older versions, plan the next
        step."""
        case_id, version, state = doc["id"], int(doc["version"]), doc["state"]
        if version <= self._versions.get(case_id, 0):
            return
        if state in _TERMINAL:
            if state == "closed" and doc.get("satisfaction") is None:
                self.stats.cases_closed += 1  # (a rated one was counted when it closed)
            elif state == "invalid":
                self.stats.cases_invalid += 1
            self._versions.pop(case_id, None)
            self._service_codes.pop(case_id, None)
            self.fates.forget(case_id)
            if state == "closed" and (callback := self._callback(doc)) is not None:
                self._versions[case_id] = version  # until the callback is made
                self._schedule(doc, callback)
            return
        self._versions[case_id] = version
        if version == 1:
            self.stats.cases_seen += 1
        if state == "reported" and doc["source"] in _PUBLIC and self.fates.get(case_id) is None:
            # The citizen's POST may still be on its way back with this case's id (the change
            # can arrive first): look again shortly, then treat it as someone else's report.
            self._n += 1
            heapq.heappush(
                self._due, (self.clock.elapsed() + FATE_GRACE, self._n, case_id, version, "", doc)
            )
            return
        self._plan(doc)

    def _plan(self, doc: Mapping[str, Any]) -> None:
        step = self._decide(doc)
        if step is not None:
            self._schedule(doc, step)

    def _schedule(self, doc: Mapping[str, Any], step: tuple[str, Intent, float]) -> None:
        user, intent, delay = step
        due = self.clock.elapsed() + self.clock.real(delay)
        self._n += 1
        heapq.heappush(self._due, (due, self._n, doc["id"], int(doc["version"]), user, intent))

    def _fate(self, doc: Mapping[str, Any]) -> tuple[Fate, str | None]:
        case_id = doc["id"]
        known = self.fates.get(case_id)
        code = doc.get("subcategory_code") or self._service_codes.get(case_id)
        if known is not None:
            fate, own_code = known
            return fate, code or own_code
        sub = self.ref.taxonomy.subcategories.get(code or "")
        rng = random.Random(f"{self.seed}:case:{case_id}")
        fate = draw_fate(rng, sub, public=doc["source"] in _PUBLIC)
        self.fates.add(case_id, fate, code or "")
        return fate, code

    def _decide(self, doc: Mapping[str, Any]) -> tuple[str, Intent, float] | None:
        state = doc["state"]
        if state == "closed":
            return self._callback(doc)  # (no fate: the loop is done)
        case_id = doc["id"]
        district = doc["district_code"]
        area = doc.get("community_code") or doc.get("street_code") or district
        fate, code = self._fate(doc)
        dispatcher = self.staff.dispatcher if self.auto_dispatch else None
        collector = self.staff.collectors.get(district) or dispatcher
        handler = self.staff.handlers.get(doc.get("assigned_unit") or "")
        rework = int(doc.get("rework_count") or 0)

        def intent(name: str, **args: Any) -> Intent:
            return Intent(name, {"case_id": case_id, **args})

        if state == "reported":
            if doc["source"] in _PUBLIC:
                if not fate.valid:
                    if dispatcher is None:
                        return None
                    reason = "采集员现场核实：未发现所述问题"
                    return dispatcher, intent("case.invalidate", reason=reason), fate.verify_delay
                if collector is None:
                    return None
                note = "采集员现场核实属实"
                return collector, intent("case.verify", note=note), fate.verify_delay
            state = "verified"  # patrol, referral, media, IoT: filed directly
        if state == "verified":
            if dispatcher is None or not code:
                return None
            return dispatcher, intent("case.file", subcategory_code=code), fate.file_delay
        if state in ("filed", "returned"):
            exclude = doc.get("assigned_unit") if state == "returned" else None
            unit = department_for(self.ref, doc.get("subcategory_code") or "", area, exclude)
            if dispatcher is None or unit is None:
                return None
            return dispatcher, intent("case.dispatch", unit_code=unit, note=""), fate.dispatch_delay
        if handler is None and state in ("dispatched", "rework", "in_progress"):
            return None  # no handler of that unit is played: a person takes it
        if state == "dispatched":
            assert handler is not None
            assigned = doc.get("assigned_unit")
            if (
                fate.returned
                and int(doc.get("return_count") or 0) == 0
                and department_for(self.ref, doc.get("subcategory_code") or "", area, assigned)
            ):
                reason = "经核查不属于本单位职责范围，请改派"
                return handler, intent("case.return", reason=reason), fate.accept_delay * 0.5
            return handler, intent("case.accept"), fate.accept_delay
        if state == "rework":
            assert handler is not None
            return handler, intent("case.accept"), fate.rework_accept_delay
        if state == "in_progress":
            assert handler is not None
            if rework == 0 and doc.get("responded_at") is None:
                return handler, intent("case.depart"), fate.depart_delay
            if doc.get("arrived_at") is None:
                return handler, intent("case.arrive"), fate.arrive_delay
            sub = self.ref.taxonomy.subcategories.get(doc.get("subcategory_code") or "")
            feedback = f"已处置：{sub.closing_zh}" if sub is not None else "已处置完毕"
            delay = fate.rework_handle_delay if rework else fate.handle_delay
            return handler, intent("case.handle", feedback=feedback), delay
        if state == "handled":
            if collector is None:
                return None
            if fate.check_fails and rework == 0:
                reason = CHECK_FAIL_REASONS[len(case_id) % len(CHECK_FAIL_REASONS)]
                return collector, intent("case.check_fail", reason=reason), fate.check_delay
            return collector, intent("case.check_pass", note="复核通过"), fate.check_delay
        if state == "checked":
            if dispatcher is None:
                return None
            return dispatcher, intent("case.close", note="核查通过，予以结案"), fate.close_delay
        return None  # suspended: waits for a person

    def _callback(self, doc: Mapping[str, Any]) -> tuple[str, Intent, float] | None:
        """The city hotline's call to the reporter of a closed public report, when it reaches
        them (drawn from the seed and the case id, so a restart draws the same). Recorded as
        ``staff.dispatcher``, whose unit is the city (``Staff.of``): the rule refuses a
        district's account."""
        dispatcher = self.staff.dispatcher if self.auto_dispatch else None
        if dispatcher is None or doc["source"] not in _PUBLIC:
            return None
        if doc.get("satisfaction") is not None:
            return None
        rng = random.Random(f"{self.seed}:callback:{doc['id']}")
        if rng.random() >= CALLBACK_SHARE:
            return None
        pleased, middling, displeased = self._satisfaction.get(
            doc["district_code"], (0.8, 0.15, 0.05)
        )
        if int(doc.get("rework_count") or 0) or int(doc.get("escalation_level") or 0):
            # A case that had to be redone or was late leaves fewer people pleased.
            middling, displeased = middling + pleased * 0.25, displeased + pleased * 0.15
            pleased *= 0.6
        score = rng.choices(_ANSWERS, (pleased, middling, displeased))[0]
        intent = Intent(
            "case.rate", {"case_id": doc["id"], "score": score, "note": _ANSWER_NOTES[score]}
        )
        return dispatcher, intent, rng.uniform(*CALLBACK_DELAY)

    # -- acting

    async def work(self) -> None:
        """Hand each planned step to its person's outbox when it falls due."""
        http = self.outboxes.http
        while True:
            now = self.clock.elapsed()
            due = self._due
            while due and due[0][0] <= now:
                _, _, case_id, version, user, intent = heapq.heappop(due)
                if self._versions.get(case_id) != version:
                    continue  # the case moved on meanwhile; its new state decided anew
                if isinstance(intent, Intent):
                    self.outboxes.submit(user, intent)
                    if intent.name == "case.rate":
                        self._versions.pop(case_id, None)  # the case's last step
                else:
                    self._plan(intent)  # the second look
            wait = min(0.2, max(0.01, due[0][0] - now)) if due else 0.2
            await http.sleep(wait)

    @property
    def planned(self) -> int:
        return len(self._due)
