"""``cityops demo`` (what ``make demo`` runs): the hall's server under a simulated city.

Offers ``DemoOptions``, ``run(options) -> exit code`` and ``Tally`` (counts kept from the changes
log). ``run`` seeds a SQLite file under ``var/`` (``cityops seed --demo --credentials``), starts
``cityops server`` on a free port and ``cityops simulate`` against it, each as a child process
with its log under ``var/``, then prints a one-line summary every few seconds — read as a client
would: logged in as the demo commander, following ``GET /api/v1/changes`` from its cursor and
keeping the counts in memory. Ctrl-C, SIGTERM or ``--duration`` stop the simulator, then the
server (SIGTERM, SIGKILL after 10 s), and print the final summary. Running it again on the same
folder continues on the same database (``--fresh`` starts from an empty one).

Only the command line is used to start the other rooms, so this module imports neither the
server nor the simulator.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any, Final

import httpx

#: How long the server may take to answer ``/healthz`` and a child to stop after SIGTERM.
SERVER_START_TIMEOUT: Final = 30.0
STOP_TIMEOUT: Final = 10.0
#: The demo's pace: a real day's volume (rate 1) at real speed files its first case only after a
#: minute or more; ten times the volume with handling sixty times faster shows cases, alarms and
#: device acks within seconds, and cases being closed within minutes.
DEMO_RATE: Final = 10.0
DEMO_SPEED: Final = 60.0
#: The user the summary logs in as (its password comes from the credentials file).
VIEWER: Final = "commander"

DB_FILE: Final = "demo.sqlite3"
CREDENTIALS_FILE: Final = "demo-credentials.json"
SERVER_LOG: Final = "demo-server.log"
SIMULATOR_LOG: Final = "demo-simulator.log"
CLIENT_LOG: Final = "demo-client.log"
#: The user the demo's workstation logs in as.
CLIENT_USER: Final = "dispatcher"
LOCK_FILE: Final = "demo.lock"

_CLOSED_CASE_STATES: Final = frozenset({"closed", "invalid", "duplicate"})
_ACTIVE_ALARM_STATES: Final = frozenset({"active_unack", "active_ack"})
_SEVERITIES: Final = (("critical", "crit"), ("major", "maj"), ("minor", "min"), ("warning", "warn"))


class DemoError(Exception):
    """The demo cannot go on; the message says what failed and where to look."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    var: Path = Path("var")
    fresh: bool = False
    seed: int | None = None  # None: the simulator's defaults (seed, scenario)
    rate: float = DEMO_RATE
    scenario: str | None = None
    speed: float = DEMO_SPEED
    duration: float | None = None  # seconds the city runs; None: until Ctrl-C / SIGTERM
    port: int | None = None
    interval: float = 3.0  # seconds between summary lines
    #: How to run ``cityops`` (tests put a stand-in here); None: this interpreter's cityops.
    cli: tuple[str, ...] | None = None
    #: Open the workstation client too, logged in as the demo dispatcher (a child process; with
    #: no display it renders offscreen and writes screenshots to ``screenshots``).
    client: bool = False
    screenshots: Path = Path("demo-out")
    screenshot_every: float = 60.0


# ----------------------------------------------------------------------------- the counts


@dataclass
class Tally:
    """Counts read off the changes log, updated change by change (each entity's last bucket is
    kept so a state change moves it between buckets)."""

    seq: int = 0
    cases: Counter[str] = field(default_factory=Counter)  # "open" / "closed"
    alarms_active: Counter[str] = field(default_factory=Counter)  # severity
    commands: Counter[str] = field(default_factory=Counter)  # status
    readings: float = 0.0
    _case: dict[str, str] = field(default_factory=dict)
    _alarm: dict[str, str | None] = field(default_factory=dict)  # severity when active
    _command: dict[str, str] = field(default_factory=dict)
    _minute: dict[str, float] = field(default_factory=dict)

    @property
    def alarms_raised(self) -> int:
        return len(self._alarm)

    def apply(self, change: Mapping[str, Any]) -> None:
        self.seq = max(self.seq, int(change["seq"]))
        entity, key = change["entity"], str(change["entity_id"])
        payload = change.get("payload") if change.get("op") != "delete" else None
        if entity == "case":
            _move(self.cases, self._case, key, _case_group(payload))
        elif entity == "alarm":
            _move(self.alarms_active, self._alarm, key, _alarm_bucket(payload), keep=True)
        elif entity == "device_command":
            status = payload.get("status") if payload else None
            _move(self.commands, self._command, key, str(status) if status else None)
        elif entity == "metric":
            values = (payload or {}).get("values") or {}
            readings = values.get("readings", 0) if isinstance(values, Mapping) else 0
            self.readings += float(readings) - self._minute.get(key, 0.0)
            self._minute[key] = float(readings)

    def line(self, elapsed: float, width: int | None = None) -> str:
        """One line; within ``width`` the severity breakdown goes first, then the tail."""
        hours, rest = divmod(int(elapsed), 3600)
        clock = (
            f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
            if hours
            else f"{rest // 60:02d}:{rest % 60:02d}"
        )
        severities = " ".join(f"{short} {self.alarms_active[s]}" for s, short in _SEVERITIES)
        head = (
            f"[{clock}] cases {self.cases['open']:,} open {self.cases['closed']:,} closed | "
            f"alarms {self.alarms_active.total():,} active"
        )
        tail = (
            f" {self.alarms_raised:,} raised | "
            f"device acks {self.commands['acked']:,}/{sum(self.commands.values()):,} | "
            f"readings {int(self.readings):,} | seq {self.seq:,}"
        )
        full = f"{head} ({severities}){tail}"
        if width is None or len(full) <= width:
            return full
        return (head + tail)[:width]


def _case_group(payload: Mapping[str, Any] | None) -> str | None:
    if not payload:
        return None
    return "closed" if payload.get("state") in _CLOSED_CASE_STATES else "open"


def _alarm_bucket(payload: Mapping[str, Any] | None) -> str | None:
    if not payload or payload.get("state") not in _ACTIVE_ALARM_STATES:
        return None
    return str(payload.get("severity"))


def _move(
    counts: Counter[str],
    last: dict[str, Any],
    key: str,
    bucket: str | None,
    *,
    keep: bool = False,
) -> None:
    """Move ``key`` from its last bucket to ``bucket`` (None: counted nowhere; the key is kept
    with ``keep`` so it still counts as seen, else forgotten)."""
    old = last.get(key)
    if old is not None:
        counts[old] -= 1
    if bucket is not None:
        counts[bucket] += 1
    if bucket is not None or keep:
        last[key] = bucket
    else:
        last.pop(key, None)


# ----------------------------------------------------------------------------- the client


class ChangesReader:
    """Follows ``GET /api/v1/changes`` from its cursor as one logged-in user."""

    PAGE: Final = 5000
    MAX_PAGES: Final = 20  # per read, so a long backlog never holds the summary up

    def __init__(self, base_url: str, user: str, password: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10.0)
        self.user, self.password = user, password
        self.cursor = 0
        self._token: str | None = None

    def close(self) -> None:
        self.http.close()

    def _login(self) -> str:
        r = self.http.post(
            "/api/v1/auth/token", data={"username": self.user, "password": self.password}
        )
        if r.status_code != 200:
            raise DemoError(f"cannot log in as {self.user!r}: HTTP {r.status_code} {r.text[:200]}")
        token: str = r.json()["access_token"]
        self._token = token
        return token

    def _get(self, after: int) -> httpx.Response:
        token = self._token or self._login()
        params = {"after": after, "limit": self.PAGE}
        r = self.http.get(
            "/api/v1/changes", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        if r.status_code == 401:  # the access token expired: log in again
            token = self._login()
            r = self.http.get(
                "/api/v1/changes", params=params, headers={"Authorization": f"Bearer {token}"}
            )
        return r

    def read(self, tally: Tally) -> Tally:
        """Apply every new change to ``tally``; a new ``Tally`` when the server says the cursor
        is too old (its database was replaced): counting starts again from its log."""
        for _ in range(self.MAX_PAGES):
            r = self._get(self.cursor)
            if r.status_code == 410:
                self.cursor, tally = 0, Tally()
                continue
            r.raise_for_status()
            page = r.json()
            for change in page["changes"]:
                tally.apply(change)
            self.cursor = int(page["last_seq"])
            if not page["has_more"]:
                break
        return tally


# ----------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _die_with_parent() -> Any:
    """A ``preexec_fn`` that makes a child get SIGTERM if the demo itself is killed (Linux), so
    an orphaned server never keeps the port and the database."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork
    parent = os.getpid()

    def preexec() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the demo died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def _spawn(argv: Sequence[str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """A child in its own process group: a Ctrl-C at the terminal reaches only the demo, which
    then stops its children in order (simulator first, server last)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if os.name == "posix":
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            process_group=0,
            preexec_fn=_die_with_parent(),
        )
    flags = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    return subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
        creationflags=flags,
    )  # fmt: skip


def stop_process(proc: subprocess.Popen[bytes] | None, timeout: float = STOP_TIMEOUT) -> int | None:
    """SIGTERM, wait up to ``timeout``, then SIGKILL. Returns the exit code."""
    if proc is None:
        return None
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()
    return proc.returncode


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text.splitlines()[-lines:]) or "    (empty)"


@contextlib.contextmanager
def _exclusive(var: Path) -> Iterator[None]:
    """One demo per folder: a second one would delete or share the first one's database."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        yield
        return
    with open(var / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            pid = handle.read().strip() or "?"
            raise DemoError(
                f"another cityops demo (pid {pid}) is running on {_show(var)}; stop it first "
                "or give this one its own folder with --var DIR"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def _show(path: Path) -> str:
    """``path`` relative to the working folder when it lies inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ----------------------------------------------------------------------------- the run


class _Stop:
    """SIGINT/SIGTERM (and SIGHUP) set a flag the demo's waits watch."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: str | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.signal = self.signal or signal.Signals(signum).name
        self.event.set()

    def __enter__(self) -> _Stop:
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if (signum := getattr(signal, name, None)) is not None:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *_: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)

    def is_set(self) -> bool:
        return self.event.is_set()

    def wait(self, seconds: float) -> bool:
        return self.event.wait(max(0.0, seconds))


class _Printer:
    """Summary lines: rewritten in place on a terminal, one per line otherwise."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.open_line = False

    def width(self) -> int | None:
        """Room on the terminal's line (None: not a terminal, lines are not rewritten)."""
        return shutil.get_terminal_size((120, 24)).columns - 1 if self.tty else None

    def live(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + text + "\x1b[K")
            self.open_line = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def say(self, text: str = "") -> None:
        if self.open_line:
            self.stream.write("\n")
            self.open_line = False
        self.stream.write(text + "\n")
        self.stream.flush()


def _default_cli() -> tuple[str, ...]:
    return (sys.executable, "-m", "cityops.cli")


def _read_credentials(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class _Demo:
    def __init__(self, options: DemoOptions, out: IO[str]) -> None:
        self.o = options
        self.var = options.var
        self.db = (options.var / DB_FILE).resolve()
        self.db_url = f"sqlite:///{self.db}"
        self.credentials = (options.var / CREDENTIALS_FILE).resolve()
        self.server_log = options.var / SERVER_LOG
        self.simulator_log = options.var / SIMULATOR_LOG
        self.cli = options.cli or _default_cli()
        self.print = _Printer(out)
        self.server: subprocess.Popen[bytes] | None = None
        self.simulator: subprocess.Popen[bytes] | None = None
        self.client: subprocess.Popen[bytes] | None = None
        self.client_log = options.var / CLIENT_LOG
        self.tally = Tally()
        self.reader: ChangesReader | None = None
        self.started = time.monotonic()  # of the summary: when the city started

    # -- steps

    def prepare(self) -> None:
        if self.o.fresh:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.db}{suffix}").unlink(missing_ok=True)
            self.credentials.unlink(missing_ok=True)
        mode = "wb" if self.o.fresh else "ab"
        for log in (self.server_log, self.simulator_log):
            with open(log, mode) as handle:
                handle.write(f"--- cityops demo {time.strftime('%F %T')}\n".encode())

    def seed(self, stop: _Stop) -> None:
        argv = [*self.cli, "seed", "--db", self.db_url, "--demo"]
        argv += ["--credentials", str(self.credentials)]
        self.print.say(f"  1. seed       {_show(self.db)} (reference data, demo users, API key)")
        with open(self.server_log, "ab") as log:
            proc = _spawn(argv, log)
            while proc.poll() is None:
                if stop.wait(0.1):
                    stop_process(proc)
                    return
        if proc.returncode != 0:
            raise DemoError(
                f"cityops seed failed (exit {proc.returncode}); the end of "
                f"{_show(self.server_log)}:\n{tail(self.server_log)}"
            )
        if not self._password_of(VIEWER):
            raise DemoError(
                f"{_show(self.credentials)} has no password for {VIEWER!r}; start afresh with "
                "--fresh"
            )

    def start_server(self, stop: _Stop) -> str:
        port = self.o.port or free_port()
        url = f"http://127.0.0.1:{port}"
        argv = [*self.cli, "server", "--db", self.db_url, "--host", "127.0.0.1"]
        argv += ["--port", str(port), "--log-level", "warning"]
        with open(self.server_log, "ab") as log:
            self.server = _spawn(argv, log)
        self.print.say(
            f"  2. server     {url} (pid {self.server.pid}), log {_show(self.server_log)}"
        )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        with httpx.Client(timeout=2.0) as http:
            while not stop.is_set():
                if self.server.poll() is not None:
                    raise DemoError(
                        f"the server exited with code {self.server.returncode} before it "
                        f"answered; the end of {_show(self.server_log)}:\n{tail(self.server_log)}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if http.get(f"{url}/healthz").status_code == 200:
                        return url
                if time.monotonic() > deadline:
                    raise DemoError(
                        f"the server did not answer {url}/healthz within "
                        f"{SERVER_START_TIMEOUT:.0f} s; the end of {_show(self.server_log)}:\n"
                        f"{tail(self.server_log)}"
                    )
                stop.wait(0.2)
        return url

    def start_simulator(self, url: str) -> None:
        if self.o.cli is None and importlib.util.find_spec("cityops.simulator") is None:
            self.print.say(
                "  3. simulator  !!! NOT STARTED: cityops.simulator does not exist yet (issue 4);"
                " the city stays quiet and the counts stay at zero !!!"
            )
            return
        argv = [*self.cli, "simulate", "--server", url, "--credentials", str(self.credentials)]
        for flag, value in (
            ("--seed", self.o.seed),
            ("--rate", self.o.rate),
            ("--scenario", self.o.scenario),
            ("--speed", self.o.speed),
        ):
            if value is not None:
                argv += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
        with open(self.simulator_log, "ab") as log:
            self.simulator = _spawn(argv, log)
        shown = " ".join(argv[argv.index("simulate") :])
        self.print.say(
            f"  3. simulator  pid {self.simulator.pid}, log {_show(self.simulator_log)}\n"
            f"                cityops {shown}"
        )

    def start_client(self, url: str) -> None:
        argv = [*self.cli, "desktop", "--server", url, "--user", CLIENT_USER]
        argv += ["--credentials", str(self.credentials)]
        argv += ["--screenshots", str(self.o.screenshots.resolve())]
        argv += ["--screenshot-every", f"{self.o.screenshot_every:g}"]
        with open(self.client_log, "ab") as log:
            self.client = _spawn(argv, log)
        headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        where = (
            f"offscreen, screenshots every {self.o.screenshot_every:g} s in "
            f"{_show(self.o.screenshots.resolve())}/"
            if headless
            else "on this display"
        )
        self.print.say(
            f"  4. client     pid {self.client.pid}, logged in as {CLIENT_USER} ({where}), "
            f"log {_show(self.client_log)}"
        )

    def follow(self, url: str, stop: _Stop) -> None:
        password = self._password_of(VIEWER)
        self.reader = ChangesReader(url, VIEWER, password)
        self.print.say(
            f"  5. summary    read as {VIEWER!r} from /api/v1/changes"
            + ("" if self.o.client else " (no client window: --no-client)")
        )
        until = "" if self.o.duration is None else f"after {self.o.duration:g} s or "
        self.print.say(
            f"The client, simulator and server stop {until}on Ctrl-C. Every {self.o.interval:g} s:"
        )
        self.started = started = time.monotonic()
        while True:
            elapsed = time.monotonic() - started
            self._check_children()
            self._read()
            self.print.live(self.tally.line(elapsed, self.print.width()))
            if stop.is_set():
                return
            left = None if self.o.duration is None else self.o.duration - elapsed
            if left is not None and left <= 0:
                return
            wait = self.o.interval if left is None else min(self.o.interval, left)
            stop.wait(wait)

    def _password_of(self, user: str) -> str:
        entry = (_read_credentials(self.credentials).get("users") or {}).get(user) or {}
        return str(entry.get("password") or "")

    def _read(self) -> None:
        if self.reader is None:
            return
        try:
            self.tally = self.reader.read(self.tally)
        except httpx.HTTPError as exc:  # busy or restarting: say so on the line, try again
            self.print.say(f"  (reading changes failed: {exc}; retrying)")

    def _check_children(self) -> None:
        if self.server is not None and self.server.poll() is not None:
            raise DemoError(
                f"the server stopped (exit {self.server.returncode}); the end of "
                f"{_show(self.server_log)}:\n{tail(self.server_log)}"
            )
        if self.simulator is not None and self.simulator.poll() is not None:
            code = self.simulator.returncode
            if code != 0:
                raise DemoError(
                    f"the simulator stopped (exit {code}); the end of "
                    f"{_show(self.simulator_log)}:\n{tail(self.simulator_log)}"
                )
            self.print.say("  (the simulator finished; the server keeps running)")
            self.simulator = None

    def steps(self, stop: _Stop) -> None:
        self.prepare()
        self.seed(stop)
        if stop.is_set():
            return
        url = self.start_server(stop)
        if stop.is_set():
            return
        self.start_simulator(url)
        if self.o.client:
            self.start_client(url)
        self.follow(url, stop)

    def shutdown(self) -> None:
        """Client and simulator first (their last requests still reach the server), then the
        final read, then the server."""
        if self.client is not None:
            self.print.say(f"stopping the client (pid {self.client.pid}) …")
            code = stop_process(self.client)
            if code not in (0, None, -signal.SIGTERM):
                self.print.say(
                    f"  the client exited with code {code}; see {_show(self.client_log)}"
                )
        if self.simulator is not None:
            self.print.say(f"stopping the simulator (pid {self.simulator.pid}) …")
            code = stop_process(self.simulator)
            if code not in (0, None, -signal.SIGTERM):
                self.print.say(f"  the simulator exited with code {code}")
        if self.server is not None and self.server.poll() is None and self.reader is not None:
            self._read()
        if self.reader is not None:
            self.reader.close()
        if self.server is not None:
            self.print.say(f"stopping the server (pid {self.server.pid}) …")
            stop_process(self.server)
        if self.reader is not None:
            self.print.say("final: " + self.tally.line(time.monotonic() - self.started))
        self.print.say(
            f"logs: {_show(self.server_log)}, {_show(self.simulator_log)}; database "
            f"{_show(self.db)}; credentials {_show(self.credentials)}"
        )


def run(options: DemoOptions, out: IO[str] | None = None) -> int:
    """Run the demo until Ctrl-C, SIGTERM or ``options.duration``; 0 when it stopped as asked,
    1 when a step failed (the message, on stderr, names it and shows the end of its log)."""
    options.var.mkdir(parents=True, exist_ok=True)
    demo = _Demo(options, out or sys.stdout)
    with _Stop() as stop:
        try:
            with _exclusive(options.var):
                state = "fresh database" if options.fresh else "continuing its database"
                demo.print.say(f"CityOps demo in {_show(options.var)}/ ({state})")
                try:
                    demo.steps(stop)
                finally:
                    if stop.signal:
                        demo.print.say(f"{stop.signal}: stopping")
                    demo.shutdown()
        except DemoError as exc:
            demo.print.say()
            print(f"cityops demo: {exc}", file=sys.stderr, flush=True)
            return 1
    return 0
