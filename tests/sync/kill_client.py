"""A workstation for the kill storm: keeps reporting cases and syncing until it is killed.

``python -m tests.sync.kill_client URL CACHE [--drain]``: opens the cache (recovering it if the
last kill damaged it), logs in as the collector and runs the sync engine; without ``--drain``
it submits a ``case.report`` every few milliseconds (ids numbered by the outbox, so a restart
goes on where the last run stopped); with ``--drain`` it submits nothing and exits 0 once the
outbox is empty. Prints ``ready`` once syncing, so the test kills it mid-work, not mid-import.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from cityops.domain.schemas import Entity
from cityops.local_store.store import LocalStore
from cityops.sync.api import ServerApi
from cityops.sync.engine import SyncEngine

REPORT = {
    "source": "patrol",
    "description": "湖滨路暴露垃圾",
    "district_code": "330102",
    "street_code": "330102001",
}


async def main(url: str, cache: Path, drain: bool) -> int:
    store = LocalStore.open(cache)
    api = ServerApi(url)
    engine = SyncEngine(store, api, backoff_base=0.05, backoff_max=0.5, coalesce=0.05)
    # From the environment: importing the server tests' constants would import the server too
    # and make every one of the storm's restarts slower.
    await engine.login("collector", os.environ["KILL_CLIENT_PASSWORD"])
    task = asyncio.create_task(engine.run())
    print("ready", flush=True)
    client = store.client_id()
    while True:
        if drain:
            if await asyncio.to_thread(store.outbox_length) == 0:
                break
            await asyncio.sleep(0.05)
            continue
        # Numbered by the seq it will get: a killed run's last intent is either in the outbox
        # (and the next run goes on after it) or not (and its number is used again).
        case_id = f"C-{client[-8:]}-{await asyncio.to_thread(store.last_seq) + 1:05d}"
        await asyncio.to_thread(
            store.submit,
            "case.report",
            {"case_id": case_id, **REPORT},
            entity=Entity.CASE,
            entity_id=case_id,
        )
        engine.poke()
        await asyncio.sleep(0.005)
    engine.stop()
    task.cancel()
    await api.aclose()
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), "--drain" in sys.argv[3:])))
