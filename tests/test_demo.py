"""``cityops demo`` (what ``make demo`` runs) as a user runs it: a real process that seeds, starts
the server and the simulator, prints counts that grow, stops cleanly and starts again.

The test with the real city is skipped only while ``cityops.simulator`` does not exist. The
tests with a stand-in city check the orchestration on its own (Ctrl-C, one demo per folder, a
server that does not start): this file run as a script is a stand-in ``cityops`` (``seed
--credentials``, ``server``, ``simulate``) whose city files a citizen report, raises a
waterlogging alarm and has a device command acked every few tenths of a second.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

CITYOPS = [sys.executable, "-m", "cityops.cli"]
STAND_IN = [sys.executable, str(Path(__file__).resolve())]
HAS_SIMULATOR = importlib.util.find_spec("cityops.simulator") is not None

SUMMARY = re.compile(
    r"cases (?P<open>[\d,]+) open (?P<closed>[\d,]+) closed \| "
    r"alarms (?P<active>[\d,]+) active \(.*?\) (?P<raised>[\d,]+) raised \| "
    r"device acks (?P<acked>[\d,]+)/(?P<commands>[\d,]+) \| "
    r"readings (?P<readings>[\d,]+) \| seq (?P<seq>[\d,]+)"
)
PIDS = re.compile(r"\(pid (\d+)\)|\bpid (\d+),")


def counts(line: str) -> dict[str, int]:
    m = SUMMARY.search(line)
    assert m, f"not a summary line: {line!r}"
    return {k: int(v.replace(",", "")) for k, v in m.groupdict().items()}


def summaries(stdout: str) -> list[dict[str, int]]:
    return [counts(line) for line in stdout.splitlines() if SUMMARY.search(line)]


def child_pids(stdout: str) -> set[int]:
    return {int(a or b) for a, b in PIDS.findall(stdout)}


def gone(pid: int) -> bool:
    """True when no process ``pid`` runs any more (or the pid was reused by a stranger)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return b"cityops" not in cmdline and b"test_demo" not in cmdline


def assert_clean_exit(result: subprocess.CompletedProcess[str], children: int) -> None:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    pids = child_pids(result.stdout)
    assert len(pids) == children, result.stdout
    assert all(gone(pid) for pid in pids), f"children left running: {pids}"
    assert "final: " in result.stdout


# ------------------------------------------------------------------------ helpers


def start(argv: list[str], **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env}
    )


def read_until(
    demo: subprocess.Popen[str], wanted: Callable[[dict[str, int]], bool], timeout: float
) -> tuple[str, dict[str, int]]:
    """Read the demo's output until a summary line satisfies ``wanted``."""
    assert demo.stdout is not None
    out: list[str] = []
    deadline = time.monotonic() + timeout
    for line in demo.stdout:
        out.append(line)
        if SUMMARY.search(line) and wanted(c := counts(line)):
            return "".join(out), c
        if time.monotonic() > deadline:
            demo.kill()
            pytest.fail(f"not within {timeout} s:\n" + "".join(out))
    pytest.fail("the demo ended early:\n" + "".join(out) + demo.communicate()[1])


def stop(demo: subprocess.Popen[str], signum: int, so_far: str) -> subprocess.CompletedProcess[str]:
    demo.send_signal(signum)
    rest, err = demo.communicate(timeout=40)
    return subprocess.CompletedProcess(demo.args, demo.returncode, so_far + rest, err)


def growing(c: dict[str, int]) -> bool:
    return c["open"] + c["closed"] > 0 and c["raised"] > 0 and c["acked"] > 0


# ------------------------------------------------------------------------ the counts


def test_counts_follow_each_entity_to_its_latest_state() -> None:
    from cityops.demo import Tally

    tally = Tally()
    seq = iter(range(1, 100))

    def change(entity: str, key: str, payload: dict[str, object] | None, op: str = "upsert"):
        tally.apply({"seq": next(seq), "entity": entity, "entity_id": key, "op": op,
                     "payload": payload})  # fmt: skip

    change("case", "c1", {"state": "reported"})
    change("case", "c2", {"state": "dispatched"})
    change("case", "c1", {"state": "closed"})
    change("case_event", "e1", {"state": "closed"})
    change("alarm", "a1", {"state": "active_unack", "severity": "warning"})
    change("alarm", "a1", {"state": "active_ack", "severity": "critical"})  # escalated
    change("alarm", "a2", {"state": "active_unack", "severity": "major"})
    change("alarm", "a2", {"state": "cleared", "severity": "major"})
    change("device_command", "d1", {"status": "sent"})
    change("device_command", "d1", {"status": "acked"})
    change("device_command", "d2", {"status": "queued"})
    change("metric", "minute:1", {"values": {"readings": 100}})
    change("metric", "minute:2", {"values": {"readings": 50, "alarms_raised": 2}})
    change("metric", "minute:2", {"values": {"readings": 60}})  # a minute told twice counts once
    change("case", "c2", None, op="delete")
    c = counts(tally.line(65))
    assert c == {"open": 0, "closed": 1, "active": 1, "raised": 2, "acked": 1, "commands": 2,
                 "readings": 160, "seq": 15}  # fmt: skip
    assert "(crit 1 maj 0 min 0 warn 0)" in tally.line(65)
    assert tally.line(65).startswith("[01:05] ")
    assert len(tally.line(65, width=60)) == 60


# ------------------------------------------------------------------------ with the real city


@pytest.mark.skipif(not HAS_SIMULATOR, reason="cityops.simulator does not exist yet (issue 4)")
def test_make_demo_shows_the_city_accumulating_and_restarts(tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    args = ["demo", "--rate", "5", "--speed", "30", "--var", str(tmp_path / "var")]
    args += ["--screenshots", str(shots)]
    first = subprocess.run(
        [*CITYOPS, *args, "--duration", "40"],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")},
    )
    # Server, simulator and the workstation client (offscreen here: no display).
    assert_clean_exit(first, children=3)
    assert "logged in as dispatcher (offscreen" in first.stdout
    shot = shots / "workstation.png"
    assert shot.exists(), (tmp_path / "var" / "demo-client.log").read_text()[-3000:]
    assert shot.stat().st_size > 20_000  # a painted window, not an empty image
    lines = summaries(first.stdout)
    assert len(lines) >= 10, first.stdout  # every ~3 s, one line each when not a terminal
    end = lines[-1]  # the final summary
    assert growing(end), first.stdout
    assert end["seq"] > lines[0]["seq"]
    for name in ("seq", "raised", "commands"):  # accumulating, never going back
        assert [c[name] for c in lines] == sorted(c[name] for c in lines), name

    # Again on the same folder (no --fresh): the same database, and the city goes on; Ctrl-C.
    again = start([*CITYOPS, *args])
    so_far, _ = read_until(again, lambda c: c["seq"] > end["seq"], timeout=45)
    result = stop(again, signal.SIGINT, so_far)
    assert_clean_exit(result, children=3)
    assert "continuing its database" in result.stdout
    assert "SIGINT: stopping" in result.stdout
    resumed = summaries(result.stdout)
    assert resumed[0]["open"] + resumed[0]["closed"] >= end["open"] + end["closed"]


# ------------------------------------------------------------------------ with a stand-in city


def stand_in_demo(var: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return start([*STAND_IN, "demo", "--var", str(var), "--interval", "0.5", *args], **env)


def test_ctrl_c_stops_the_simulator_then_the_server(tmp_path: Path) -> None:
    demo = stand_in_demo(tmp_path, "--fresh")
    so_far, _ = read_until(demo, growing, timeout=60)

    second = stand_in_demo(tmp_path, "--fresh")  # the folder is in use: refused, nothing touched
    _, err = second.communicate(timeout=30)
    assert second.returncode == 1
    assert "another cityops demo" in err
    assert "--var DIR" in err

    first = stop(demo, signal.SIGINT, so_far)
    assert_clean_exit(first, children=2)
    assert "SIGINT: stopping" in first.stdout
    assert first.stdout.index("stopping the simulator") < first.stdout.index("stopping the server")
    final = counts(first.stdout[first.stdout.index("final: ") :])
    assert growing(final)
    assert "no client window" in first.stdout  # the stand-in demo runs without one
    assert "demo-server.log" in first.stdout
    assert "demo-simulator.log" in first.stdout


def test_a_server_that_does_not_start_is_reported_with_its_log(tmp_path: Path) -> None:
    demo = stand_in_demo(tmp_path, "--fresh", CITYOPS_STAND_IN_SERVER="fail")
    out, err = demo.communicate(timeout=60)
    assert demo.returncode == 1, out + err
    assert "the server exited with code 3 before it answered" in err
    assert "stand-in server: address already in use" in err  # the log's tail
    assert all(gone(pid) for pid in child_pids(out))


# ------------------------------------------------------------------------ the stand-in cityops


def _stand_in_seed(args: argparse.Namespace) -> int:
    credentials = Path(args.credentials)
    if os.environ.get("CITYOPS_STAND_IN_SERVER") == "fail":  # no database needed
        credentials.write_text(
            json.dumps({"api_key": "x", "users": {"commander": {"password": "x"}}})
        )
        return 0
    from cityops.server import admin
    from cityops.server.db import make_engine

    engine = make_engine(args.db)
    result = admin.seed(engine, demo=True)
    key = admin.new_api_key(engine, f"demo-{time.time_ns()}")
    roles = {name: (role, unit) for name, role, unit, _ in admin.DEMO_USERS}
    users = {
        name: {"password": password, "roles": roles[name][0], "unit": roles[name][1]}
        for name, password in result.demo_passwords.items()
    }
    credentials.write_text(json.dumps({"api_key": key, "users": users}))
    return 0


def _stand_in_simulate(args: argparse.Namespace) -> int:
    import httpx

    from cityops.domain.reference import load_reference

    stop: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda s, _f: stop.append(s))
    creds = json.loads(Path(args.credentials).read_text())
    key = {"X-Api-Key": creds["api_key"]}
    screens = sorted(load_reference().devices.led_screens)
    http = httpx.Client(base_url=args.server, timeout=10)
    login = {"username": "operator", "password": creds["users"]["operator"]["password"]}
    token = http.post("/api/v1/auth/token", data=login).json()["access_token"]
    operator = {"Authorization": f"Bearer {token}"}
    i = 0
    while not stop:
        now = datetime.now(UTC)
        report = {"api_key": creds["api_key"], "service_code": "0702", "lat": "30.2592"}
        report |= {"long": "120.1655", "description": f"湖滨路人行道上有暴露垃圾 {i}"}
        http.post("/open311/v2/requests.json", data=report).raise_for_status()
        reading = {"device_id": f"WL-standin-{i % 7}", "metric": "water_depth", "value": 12.5}
        reading["at"] = now.isoformat()
        http.post("/api/v1/ingest/readings", json={"readings": [reading]}, headers=key)
        order = {"device_ids": [screens[i % len(screens)]], "client_now": now.isoformat()}
        order |= {"payload": {"type": "set_power", "on": True}}
        order["not_after"] = (now + timedelta(minutes=10)).isoformat()
        http.post("/api/v1/devices/commands", json=order, headers=operator).raise_for_status()
        batch = http.get("/api/v1/gateway/commands", headers=key).json()["commands"]
        acks = [{"command_id": c["command_id"], "ok": True, "at": now.isoformat()} for c in batch]
        if acks:
            http.post("/api/v1/gateway/acks", json={"acks": acks}, headers=key)
        print(f"stand-in simulator: round {i}", flush=True)
        i += 1
        time.sleep(0.2)
    return 0


def _stand_in(argv: Sequence[str]) -> int:
    """``cityops`` as the demo calls it, with a stand-in ``seed --credentials`` and
    ``simulate``; ``demo`` runs the real orchestrator on this stand-in."""
    parser = argparse.ArgumentParser(prog="stand-in cityops")
    sub = parser.add_subparsers(dest="command", required=True)
    seed = sub.add_parser("seed")
    seed.add_argument("--db", required=True)
    seed.add_argument("--demo", action="store_true")
    seed.add_argument("--credentials", required=True)
    sim = sub.add_parser("simulate")
    sim.add_argument("--server", required=True)
    sim.add_argument("--credentials", required=True)
    for ignored in ("--seed", "--rate", "--scenario", "--speed"):
        sim.add_argument(ignored)
    demo = sub.add_parser("demo")
    demo.add_argument("--var", required=True)
    demo.add_argument("--fresh", action="store_true")
    demo.add_argument("--duration", type=float)
    demo.add_argument("--interval", type=float, default=3.0)
    if argv[:1] == ["server"]:
        if os.environ.get("CITYOPS_STAND_IN_SERVER") == "fail":
            print("stand-in server: address already in use", file=sys.stderr)
            return 3
        from cityops.cli import main

        return main(list(argv))
    args = parser.parse_args(argv)
    if args.command == "seed":
        return _stand_in_seed(args)
    if args.command == "simulate":
        return _stand_in_simulate(args)
    from cityops import demo as orchestrator

    options = orchestrator.DemoOptions(
        var=Path(args.var),
        fresh=args.fresh,
        duration=args.duration,
        interval=args.interval,
        cli=tuple(STAND_IN),
    )
    return orchestrator.run(options)


if __name__ == "__main__":
    sys.exit(_stand_in(sys.argv[1:]))
