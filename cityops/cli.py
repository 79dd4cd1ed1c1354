"""The ``cityops`` command: the one entry point installers and operators script.

Offers ``main()`` (the console script) with the public interfaces of DESIGN §3: ``server``,
``seed``, ``users add|disable|set-role``, ``apikey create``, ``audit verify``, plus ``reference``
(validate and summarise the reference data) and ``demo`` (what ``make demo`` runs). Every
command that touches the server database takes ``--db URL`` (default ``CITYOPS_DB``, else the
SQLite file in the user's data folder). Heavy imports happen inside the commands, so
``cityops --version`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

from cityops import __version__


def _summary() -> str:
    from cityops.domain.reference import load_reference

    ref = load_reference()
    tax, units, ev, dev = ref.taxonomy, ref.units, ref.evaluation, ref.devices
    levels = Counter(u.level for u in units.units.values())
    norms = Counter(s.norm for s in tax.subcategories.values() if s.norm)
    lines = [
        f"taxonomy   {tax.name_zh} v{tax.version}: {len(tax.categories)} categories, "
        f"{len(tax.subcategories)} subcategories "
        f"(emergency norms: {', '.join(f'{k}×{v}' for k, v in sorted(norms.items()))})",
        f"units      {len(units.units)} on 4 levels (city {levels['city']}, districts "
        f"{levels['district']}, streets {levels['street']}, communities {levels['community']}), "
        f"{len(units.departments)} professional departments",
        f"evaluation {ev.name_zh}: {len(ev.categories)} categories, {len(ev.items)} items",
        f"devices    {len(dev.led_screens)} LED screens in {len(dev.led_groups)} groups; "
        f"{len(dev.cabinets)} lighting cabinets, {len(dev.circuits)} circuits, "
        f"{dev.lamp_count} lamps",
    ]
    return "\n".join(lines)


def _cmd_reference(_: argparse.Namespace) -> int:
    from cityops.domain.reference import ReferenceDataError

    try:
        print(_summary())
    except ReferenceDataError as exc:
        print(f"cityops: reference data is broken: {exc}", file=sys.stderr)
        return 1
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cityops import demo

    options = demo.DemoOptions(
        var=Path(args.var),
        fresh=args.fresh,
        seed=args.seed,
        rate=args.rate if args.rate is not None else demo.DEMO_RATE,
        scenario=args.scenario,
        speed=args.speed if args.speed is not None else demo.DEMO_SPEED,
        duration=args.duration,
        port=args.port,
        client=not args.no_client,
        screenshots=Path(args.screenshots),
    )
    return demo.run(options)


def _engine(args: argparse.Namespace) -> Any:
    from cityops.server.db import create_schema, make_engine
    from cityops.server.settings import default_db_url

    engine = make_engine(args.db or default_db_url())
    create_schema(engine)
    return engine


def _admin_call(fn: Any, *fn_args: Any) -> int:
    from cityops.server.admin import AdminError

    try:
        result = fn(*fn_args)
    except AdminError as exc:
        print(f"cityops: {exc}", file=sys.stderr)
        return 1
    if isinstance(result, str):
        print(result)
    return 0


def _cmd_server(args: argparse.Namespace) -> int:
    import uvicorn

    from cityops.server.app import create_app, tune_collector
    from cityops.server.settings import ServerSettings

    settings = ServerSettings.from_env(args.db)
    app = create_app(settings)
    tune_collector()
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _cmd_seed(args: argparse.Namespace) -> int:
    from cityops.server.admin import seed

    result = seed(_engine(args), demo=args.demo, credentials=args.credentials)
    print(f"seeded: {result.devices_added} devices added")
    for name, password in result.demo_passwords.items():
        print(f"demo user {name}: password {password}")
    if result.credentials_written is not None:
        print(f"credentials of the demo and simulator users written to {args.credentials}")
    elif result.api_key is not None:
        print(f"simulator API key (shown once): {result.api_key}")
    if args.demo and result.simulator_users_added and result.credentials_written is None:
        print(
            f"{result.simulator_users_added} simulator users added; "
            "seed again with --credentials FILE to keep their passwords"
        )
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\n")


def _cmd_users(args: argparse.Namespace) -> int:
    from cityops.server import admin

    engine = _engine(args)
    if args.users_command == "add":
        return _admin_call(
            admin.add_user,
            engine,
            args.name,
            _read_password(),
            args.role,
            args.unit,
            args.display_name or "",
        )
    if args.users_command == "disable":
        return _admin_call(admin.disable_user, engine, args.name)
    return _admin_call(admin.set_roles, engine, args.name, args.role)


def _cmd_apikey(args: argparse.Namespace) -> int:
    from cityops.server import admin

    return _admin_call(admin.new_api_key, _engine(args), args.name)


#: ``cityops simulate --scenario`` (the simulator's ``scenarios.NAMES``; kept here so building the
#: parser imports nothing heavy).
SCENARIOS = ("normal", "storm", "gas-leak", "flood-of-reports", "blackout")


def _cmd_simulate(args: argparse.Namespace) -> int:
    from cityops.simulator import runner

    return runner.main(args)


def _cmd_audit(args: argparse.Namespace) -> int:
    from cityops.server import admin

    result = admin.verify_audit(_engine(args))
    if result.ok:
        print(f"audit log intact: {result.checked} entries verified")
        return 0
    print(
        f"audit log BROKEN at entry {result.first_bad_id}: {result.problem} "
        f"({result.checked} entries before it verified)",
        file=sys.stderr,
    )
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cityops", description="CityOps Command Hall — city operations command centre"
    )
    parser.add_argument("--version", action="version", version=f"cityops {__version__}")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="open every window offscreen against a throwaway server, write screenshots, "
        "print SMOKE OK",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Listed for --help only: main() hands `desktop` and its options to the desktop unparsed.
    sub.add_parser(
        "desktop", help="the workstation client (login dialog, then the windows of your roles)"
    )
    sub.add_parser("reference", help="validate and summarise the reference data").set_defaults(
        func=_cmd_reference
    )
    demo_p = sub.add_parser(
        "demo",
        help="run the demo (what `make demo` runs)",
        description="Seed a SQLite file under --var, start the server and the simulator, print "
        "a live summary; Ctrl-C stops them.",
    )
    demo_p.add_argument("--var", default="var", help="folder for database, credentials, logs")
    demo_p.add_argument("--fresh", action="store_true", help="start from an empty database")
    demo_p.add_argument("--seed", type=int, help="simulator seed (same seed, same city)")
    demo_p.add_argument("--rate", type=float, help="simulator volume (1 = a real day; default 10)")
    demo_p.add_argument("--scenario", help="simulator scenario (normal, storm, gas-leak, …)")
    demo_p.add_argument("--speed", type=float, help="simulated s per real s (default 60)")
    demo_p.add_argument("--duration", type=float, help="stop after this many seconds")
    demo_p.add_argument("--port", type=int, help="server port (default: a free one)")
    demo_p.add_argument(
        "--no-client", action="store_true", help="do not open the workstation client"
    )
    demo_p.add_argument(
        "--screenshots", default="demo-out", help="with no display: the client's screenshots"
    )
    demo_p.set_defaults(func=_cmd_demo)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", help="database URL (default: $CITYOPS_DB or the local SQLite file)")
        return p

    server = with_db(sub.add_parser("server", help="run the sync server"))
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8700)
    server.add_argument("--log-level", default="info")
    server.set_defaults(func=_cmd_server)

    seed_p = with_db(sub.add_parser("seed", help="create the schema and load reference data"))
    seed_p.add_argument("--demo", action="store_true", help="also create one demo user per role")
    seed_p.add_argument(
        "--credentials",
        metavar="FILE",
        help="with --demo: write the demo and simulator passwords and API key here (mode 600)",
    )
    seed_p.set_defaults(func=_cmd_seed)

    users = sub.add_parser("users", help="manage users (passwords are read from stdin)")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = with_db(users_sub.add_parser("add", help="add a user; password from stdin"))
    add.add_argument("name")
    add.add_argument("--role", required=True, help="role or comma-separated roles")
    add.add_argument("--unit", help="unit or department code the user belongs to")
    add.add_argument("--display-name")
    disable = with_db(users_sub.add_parser("disable", help="disable a user"))
    disable.add_argument("name")
    set_role = with_db(users_sub.add_parser("set-role", help="replace a user's roles"))
    set_role.add_argument("name")
    set_role.add_argument("role", help="role or comma-separated roles")
    users.set_defaults(func=_cmd_users)

    apikey = sub.add_parser("apikey", help="API keys for integrations")
    apikey_sub = apikey.add_subparsers(dest="apikey_command", required=True)
    create = with_db(apikey_sub.add_parser("create", help="create a key (printed once)"))
    create.add_argument("name")
    apikey.set_defaults(func=_cmd_apikey)

    simulate = sub.add_parser(
        "simulate",
        help="play the city around the hall against a server",
        description="IoT platform, citizens, collectors, handling units and the device gateway, "
        "talking to the server's public API; stops on Ctrl-C, SIGTERM or --duration.",
    )
    simulate.add_argument("--server", required=True, help="the server's base URL")
    simulate.add_argument(
        "--credentials",
        required=True,
        metavar="FILE",
        help="accounts file written by `cityops seed --demo --credentials FILE`",
    )
    simulate.add_argument("--seed", type=int, default=1, help="same seed, same city (default 1)")
    simulate.add_argument(
        "--rate", type=float, default=1.0, help="volume: 1 = a real day (~16 readings/s)"
    )
    simulate.add_argument("--scenario", choices=SCENARIOS, default="normal")
    simulate.add_argument(
        "--speed", type=float, default=1.0, help="simulated seconds per real second"
    )
    simulate.add_argument("--duration", type=float, help="stop after this many seconds")
    simulate.add_argument(
        "--no-auto-dispatch",
        action="store_true",
        help="do not play the hall's dispatcher and operator (people at the desktop do)",
    )
    simulate.set_defaults(func=_cmd_simulate)

    audit_p = sub.add_parser("audit", help="audit log")
    audit_sub = audit_p.add_subparsers(dest="audit_command", required=True)
    with_db(audit_sub.add_parser("verify", help="check the hash chain"))
    audit_p.set_defaults(func=_cmd_audit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--smoke"]:  # its own options (--out) follow it
        from cityops.desktop import smoke

        return smoke.main(argv[1:])
    if argv[:1] == ["desktop"]:  # the desktop parses its own options
        from cityops.desktop import app

        return app.main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    result: int = args.func(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
