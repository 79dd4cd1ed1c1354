"""The sync engine on the Qt loop (qasync): its news arrive as Qt signals, against the real
server. The presenters and the status bar rely on exactly these three signals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtCore")
qasync = pytest.importorskip("qasync")

from cityops.desktop.sync_bridge import SyncBridge  # noqa: E402
from cityops.domain.schemas import Entity  # noqa: E402
from cityops.local_store.store import LocalStore, Settled  # noqa: E402
from cityops.sync.api import ServerApi  # noqa: E402
from cityops.sync.engine import ConnectionState, SyncEngine, SyncStatus  # noqa: E402
from tests.qt.qt_loop import run  # noqa: E402
from tests.server.conftest import new_id  # noqa: E402
from tests.sync.conftest import PASSWORD, Api, RestartableServer  # noqa: E402
from tests.sync.test_engine import REPORT, until  # noqa: E402


def test_status_changes_and_rejections_arrive_as_signals(
    qapp: Any,
    server: RestartableServer,
    api: Api,
    tmp_path: Path,
) -> None:
    case_id = new_id()
    api.do("collector", new_id("ws"), "case.report", case_id=case_id, **REPORT)
    statuses: list[SyncStatus] = []
    changed: list[dict[str, list[str]]] = []
    rejected: list[Settled] = []

    async def scenario() -> None:
        store = LocalStore.open(tmp_path / "cache.sqlite3")
        http = ServerApi(server.url)
        engine = SyncEngine(store, http, backoff_base=0.1, coalesce=0.05)
        bridge = SyncBridge(engine)
        bridge.status_changed.connect(statuses.append)
        bridge.entities_changed.connect(changed.append)
        bridge.intents_rejected.connect(rejected.extend)
        await engine.login("dispatcher", PASSWORD)
        bridge.start()
        try:
            await until(lambda: any(s.state is ConnectionState.ONLINE for s in statuses))
            await until(lambda: any(case_id in c.get("case", []) for c in changed))
            shown = store.get(Entity.CASE, case_id)
            assert shown is not None
            api.do("dispatcher", new_id("ws"), "case.invalidate", case_id=case_id, reason="重复")
            await bridge.submit(
                "case.verify",
                {"case_id": case_id, "note": "属实"},
                entity=Entity.CASE,
                entity_id=case_id,
                optimistic={**shown, "state": "verified", "version": shown["version"] + 1},
            )
            await until(lambda: bool(rejected), what="the rejection signal")
            assert rejected[0].entity_id == case_id
            assert rejected[0].reason
        finally:
            await bridge.stop()
            await http.aclose()
            store.close()

    run(qapp, scenario())
