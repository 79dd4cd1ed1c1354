"""The ``cityops`` command: the one entry point installers and operators script.

Offers ``main()`` (the console script). Sub-commands arrive with the rooms that implement them
(DESIGN §3 "Public interfaces"); today: ``--version``, ``reference`` (validate and summarise the
city's reference data) and ``demo`` (what ``make demo`` runs).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence

from cityops import __version__

# What `make demo` will start once the server, simulator and client exist (issues 3–8).
DEMO_PLAN = """\
make demo will, once the server and client land:
  1. cityops seed --db sqlite:///var/demo.sqlite3 --demo   reference data + demo users
  2. cityops server --db sqlite:///var/demo.sqlite3 --host 127.0.0.1 --port <free>
  3. cityops simulate --server http://127.0.0.1:<port> --scenario normal
  4. cityops desktop --server http://127.0.0.1:<port>      (offscreen: screenshots in var/)
Today (foundation only) it validates the city's reference data:"""


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
    print(DEMO_PLAN)
    return _cmd_reference(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cityops", description="CityOps Command Hall — city operations command centre"
    )
    parser.add_argument("--version", action="version", version=f"cityops {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("reference", help="validate and summarise the reference data").set_defaults(
        func=_cmd_reference
    )
    sub.add_parser("demo", help="run the demo (what `make demo` runs)").set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    result: int = args.func(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
