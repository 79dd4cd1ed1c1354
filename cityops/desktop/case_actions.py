"""Every step of the closed loop a workstation user can take on cases, as intents.

Offers ``ACTIONS`` (one ``ActionSpec`` per domain command: label, keyboard shortcut, what it asks
for, whether it is dangerous) and ``CaseActions(session, parent_widget)``, the presenter behind the
workstation's menu, toolbar and shortcuts: ``enabled(docs)`` says which actions the user may take
on the selected cases now (the domain's own ``allowed_commands``, so a greyed action and a server
refusal never disagree), ``await perform(key, docs)`` asks for what the command needs (unit,
subcategory, reason — once for a bulk selection), confirms dangerous ones naming how many cases,
applies the command with the domain rules to show the result at once (optimistic row), and
writes one intent per case through the sync bridge. ``refused``/``performed`` report the outcome.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox, QWidget

from cityops.desktop.i18n import language
from cityops.desktop.session import Session
from cityops.domain import cases as cs
from cityops.domain.outcomes import Rejection
from cityops.domain.schemas import CaseDoc, Entity, case_document

#: The domain's action names (``cs.RULES[...].label_zh``) marked for lupdate; the workstation's
#: menu marks them in the same context, so one English text serves both.
ACTION_LABELS: tuple[object, ...] = (  # the stubs type QT_TRANSLATE_NOOP as object
    QT_TRANSLATE_NOOP("CaseActions", "核实"),
    QT_TRANSLATE_NOOP("CaseActions", "立案"),
    QT_TRANSLATE_NOOP("CaseActions", "派遣"),
    QT_TRANSLATE_NOOP("CaseActions", "签收"),
    QT_TRANSLATE_NOOP("CaseActions", "退回"),
    QT_TRANSLATE_NOOP("CaseActions", "处置反馈"),
    QT_TRANSLATE_NOOP("CaseActions", "核查通过"),
    QT_TRANSLATE_NOOP("CaseActions", "核查不通过"),
    QT_TRANSLATE_NOOP("CaseActions", "结案"),
    QT_TRANSLATE_NOOP("CaseActions", "挂起"),
    QT_TRANSLATE_NOOP("CaseActions", "恢复"),
    QT_TRANSLATE_NOOP("CaseActions", "升级督办"),
    QT_TRANSLATE_NOOP("CaseActions", "不予立案"),
    QT_TRANSLATE_NOOP("CaseActions", "标记重复"),
    QT_TRANSLATE_NOOP("CaseActions", "奖励审定"),
    QT_TRANSLATE_NOOP("CaseActions", "回访满意度"),
    QT_TRANSLATE_NOOP("CaseActions", "添加备注"),
)


@dataclass(frozen=True, slots=True)
class ActionSpec:
    key: str
    command: type[cs.CaseCommand]
    shortcut: str
    #: What the user must give: "unit", "subcategory", "reward", "rating", "reason:<field>",
    #: "text:<field>", "case:<field>" (another case's id) or "" (nothing).
    asks: str = ""
    dangerous: bool = False

    @property
    def label(self) -> str:
        return QCoreApplication.translate("CaseActions", cs.RULES[self.command].label_zh)


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("verify", cs.Verify, "V"),
    ActionSpec("file", cs.File, "F", asks="subcategory"),
    ActionSpec("dispatch", cs.Dispatch, "D", asks="unit"),
    ActionSpec("accept", cs.Accept, "Shift+A"),
    ActionSpec("return", cs.Return, "Shift+R", asks="reason:reason"),
    ActionSpec("handle", cs.Handle, "B", asks="reason:feedback"),
    ActionSpec("check_pass", cs.CheckPass, "P"),
    ActionSpec("check_fail", cs.CheckFail, "X", asks="reason:reason"),
    ActionSpec("close", cs.Close, "C", dangerous=True),
    ActionSpec("suspend", cs.Suspend, "S", asks="reason:reason"),
    ActionSpec("resume", cs.Resume, "U"),
    ActionSpec("escalate", cs.Escalate, "E", asks="reason:reason"),
    ActionSpec("invalidate", cs.Invalidate, "I", asks="reason:reason", dangerous=True),
    ActionSpec("duplicate", cs.MarkDuplicate, "M", asks="case:duplicate_of", dangerous=True),
    ActionSpec("reward", cs.DecideReward, "W", asks="reward"),
    ActionSpec("rate", cs.RateSatisfaction, "R", asks="rating"),
    ActionSpec("note", cs.AddNote, "N", asks="text:text"),
)
ACTIONS_BY_KEY: Mapping[str, ActionSpec] = {a.key: a for a in ACTIONS}


def to_case(doc: Mapping[str, Any]) -> cs.Case:
    return CaseDoc.model_validate(doc).to_domain()


def command_args(command: cs.CaseCommand) -> dict[str, Any]:
    """The intent's args for a command: its fields as the server's wire schema names them."""
    return {f.name: getattr(command, f.name) for f in dataclasses.fields(command)}


def settle(future: asyncio.Future[Any], value: Any) -> None:
    """Resolve ``future`` unless it already is (Qt may report a dialog's end twice)."""
    if not future.done():
        future.set_result(value)


async def ask(dialog: QDialog) -> bool:
    """Open ``dialog`` window-modally without blocking the loop; True when accepted."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda result: settle(done, result))
    dialog.open()
    return int(await done) == QDialog.DialogCode.Accepted.value


class CaseActions(QObject):
    performed = Signal(str)  # what was queued, for the status line
    refused = Signal(str)  # why nothing (or not everything) was done

    def __init__(
        self,
        session: Session,
        parent: QWidget,
        *,
        pick_unit: Callable[[list[Mapping[str, Any]]], Any] | None = None,
        pick_subcategory: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._parent = parent
        self._pick_unit = pick_unit
        self._pick_subcategory = pick_subcategory

    # ------------------------------------------------------------------ what may be done

    def enabled(self, docs: Sequence[Mapping[str, Any]]) -> set[str]:
        """Keys of the actions the user may take on at least one of ``docs`` now."""
        actor = self.session.me
        allowed: set[type[cs.CaseCommand]] = set()
        for doc in docs[:200]:  # a huge selection: the first 200 decide the menu
            try:
                allowed.update(cs.allowed_commands(to_case(doc), actor))
            except ValueError:
                continue
        return {a.key for a in ACTIONS if a.command in allowed}

    # ------------------------------------------------------------------ doing it

    async def perform(
        self,
        key: str,
        docs: Sequence[Mapping[str, Any]],
        *,
        fields: Mapping[str, Any] | None = None,
    ) -> int:
        """Queue the action on every selected case that allows it; returns how many.
        ``fields`` given (e.g. the duplicate picked in the detail pane) skips asking."""
        spec = ACTIONS_BY_KEY[key]
        actor = self.session.me
        targets = [
            (doc, case)
            for doc in docs
            if spec.command in cs.allowed_commands(case := to_case(doc), actor)
        ]
        if not targets:
            self.refused.emit(self.tr("所选案件当前不能执行“%1”").replace("%1", spec.label))
            return 0
        if fields is None:
            fields = await self._ask_fields(spec, [doc for doc, _ in targets])
            if fields is None:
                return 0
        if spec.dangerous and not await self._confirm(spec, len(targets)):
            return 0
        command = spec.command(**fields)
        now = datetime.now(UTC)
        ref = self.session.reference
        queued, refusals = 0, []
        for doc, case in targets:
            outcome = cs.apply(case, command, actor, now, ref)
            if isinstance(outcome, Rejection):
                why = outcome.message_en if language() == "en" else outcome.message
                refusals.append(f"{case.id}: {why}")
                continue
            new_case, _events = outcome
            await self.session.bridge.submit(
                spec.command.name,
                {"case_id": case.id, **command_args(command)},
                entity=Entity.CASE,
                entity_id=case.id,
                base_version=int(doc["version"]),
                optimistic=case_document(new_case),
            )
            queued += 1
        if refusals:
            self.refused.emit(self.tr("；").join(refusals[:5]))
        if queued:
            self.performed.emit(self.tr("“%1”已提交 %n 件", "", queued).replace("%1", spec.label))
        return queued

    async def _ask_fields(
        self, spec: ActionSpec, docs: list[Mapping[str, Any]]
    ) -> dict[str, Any] | None:
        if not spec.asks:
            return {}
        kind, _, field = spec.asks.partition(":")
        if kind == "unit":
            code = await self._choose_unit(docs)
            return None if not code else {"unit_code": code}
        if kind == "reward":
            return await self._decide_reward()
        if kind == "rating":
            return await self._rate_satisfaction()
        if kind == "subcategory":
            code = await self._choose_subcategory()
            return None if not code else {"subcategory_code": code}
        if kind == "reason":
            text = await self._ask_reason(spec)
            return None if text is None else {field: text}
        if kind in ("text", "case"):
            dialog = QInputDialog(self._parent)
            dialog.setWindowTitle(spec.label)
            dialog.setLabelText(self.tr("原案件编号") if kind == "case" else self.tr("内容"))
            if not await ask(dialog) or not dialog.textValue().strip():
                return None
            return {field: dialog.textValue().strip()}
        raise ValueError(spec.asks)

    async def _choose_unit(self, docs: list[Mapping[str, Any]]) -> str | None:
        from cityops.desktop.pickers import UnitPickerDialog, suggest_units

        first = docs[0]
        suggested = suggest_units(
            self.session.reference,
            first.get("subcategory_code"),
            first.get("district_code"),
            first.get("street_code"),
        )
        dialog = UnitPickerDialog(self.session.reference, case_doc=dict(first), suggested=suggested)
        dialog.setParent(self._parent, dialog.windowFlags())
        return dialog.selected_code() if await ask(dialog) else None

    async def _decide_reward(self) -> dict[str, Any] | None:
        from cityops.desktop.pickers import RewardDialog

        dialog = RewardDialog()
        dialog.setParent(self._parent, dialog.windowFlags())
        return dialog.fields() if await ask(dialog) else None

    async def _rate_satisfaction(self) -> dict[str, Any] | None:
        from cityops.desktop.pickers import SatisfactionDialog

        dialog = SatisfactionDialog()
        dialog.setParent(self._parent, dialog.windowFlags())
        return dialog.fields() if await ask(dialog) else None

    async def _choose_subcategory(self) -> str | None:
        from cityops.desktop.pickers import SubcategoryPickerDialog

        dialog = SubcategoryPickerDialog(self.session.reference)
        dialog.setParent(self._parent, dialog.windowFlags())
        return dialog.selected_code() if await ask(dialog) else None

    async def _ask_reason(self, spec: ActionSpec) -> str | None:
        from cityops.desktop.pickers import ReasonDialog

        dialog = ReasonDialog(spec.label, self.tr("请填写原因"))
        dialog.setParent(self._parent, dialog.windowFlags())
        return dialog.reason() if await ask(dialog) else None

    async def _confirm(self, spec: ActionSpec, count: int) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            spec.label,
            self.tr("确定对 %n 件案件执行“%1”？此操作不可撤销。", "", count).replace(
                "%1", spec.label
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self._parent,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Enter must not close cases
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        box.finished.connect(lambda result: settle(done, result))
        box.open()
        return int(await done) == QMessageBox.StandardButton.Yes.value
