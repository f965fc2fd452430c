"""The ``evaluation`` command.

Examples
--------
``evaluation data list`` lists the registry; ``evaluation data verify`` checks
every file that is present against its sha256 and exits 1 on a mismatch;
``evaluation data fetch NAME ...`` downloads and verifies files into the cache.
``evaluation new-review NAME --design its`` writes ``NAME.md``, a review
notebook that runs as generated on a simulated example (see
:mod:`evaluation.guide.scaffold`); ``evaluation new-review --list-designs`` lists the
designs with their Maryland level and the columns each needs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from evaluation import __version__
from evaluation.data import registry
from evaluation.guide import scaffold


def _print_table(frame: pd.DataFrame) -> None:
    with pd.option_context(
        "display.max_rows", None, "display.width", 200, "display.max_colwidth", 60
    ):
        print(frame.to_string(index=False))


def _data_list(args: argparse.Namespace) -> int:
    cat = registry.catalog()
    if args.sector:
        cat = cat.loc[cat["sector"] == args.sector]
    years = (
        cat["year_first"].astype("string").fillna("")
        + "-"
        + cat["year_last"].astype("string").fillna("")
    )
    shown = cat.assign(years=years.str.strip("-"))[["name", "sector", "years", "title"]]
    _print_table(shown)
    print(f"\n{len(shown)} datasets. `evaluation data verify` checks the files you have.")
    return 0


def _report(result: pd.DataFrame, verb: str) -> int:
    marks = {"ok": "ok      ", "missing": "missing ", "mismatch": "MISMATCH"}
    for record in result.to_dict("records"):
        status, location = str(record["status"]), str(record["location"])
        print(f"{marks[status]} {record['name']}" + (f"  {location}" if location else ""))
        if status == "mismatch" or (status == "missing" and verb == "fetch"):
            print(f"         {record['detail']}")
    counts = result["status"].value_counts()
    ok, missing, bad = (int(counts.get(k, 0)) for k in ("ok", "missing", "mismatch"))
    print(f"\n{ok} verified, {missing} missing, {bad} mismatched.")
    if bad:
        return 1
    if verb == "verify" and not ok:
        first = str(result["detail"].iloc[0]) if len(result) else "no datasets were named."
        print(f"Nothing was verified: {first}", file=sys.stderr)
        return 2
    if verb == "fetch" and missing:
        return 2
    return 0


def _names(args: argparse.Namespace) -> list[str] | None:
    if not args.names:
        return None
    for name in args.names:
        registry.info(name)  # fails with close matches before any work is done
    return list(args.names)


def _data_verify(args: argparse.Namespace) -> int:
    return _report(registry.verify(_names(args)), "verify")


def _data_fetch(args: argparse.Namespace) -> int:
    return _report(registry.fetch(_names(args)), "fetch")


def _column_pairs(args: argparse.Namespace) -> dict[str, str | list[str]]:
    """Column names by role from ``--outcome`` and ``--column ROLE=NAME``."""
    columns: dict[str, str | list[str]] = {}
    if args.outcome:
        columns["outcome"] = args.outcome
    for pair in args.column or []:
        role, sep, name = pair.partition("=")
        if not sep or not role or not name:
            raise ValueError(f"--column takes ROLE=NAME (e.g. unit=council); got {pair!r}.")
        columns[role] = [n for n in name.split(",") if n] if "," in name else name
    return columns


def _new_review(args: argparse.Namespace) -> int:
    if args.list_designs:
        table = scaffold.designs_table()[["design", "level", "function", "columns", "diagnostics"]]
        _print_table(table)
        print("\nlevel: the Maryland Scientific Methods Scale level the design reaches at best.")
        return 0
    if not args.name or not args.design:
        print("evaluation new-review: give NAME and --design (or --list-designs).", file=sys.stderr)
        return 2
    try:
        if args.data is not None and not Path(args.data).is_file():
            raise ValueError(f"--data {args.data!r} is not a file.")
        path = scaffold.new_review(
            args.name, args.design, args.dir, data=args.data, columns=_column_pairs(args)
        )
    except (ValueError, FileExistsError) as exc:
        print(f"evaluation new-review: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {path}")
    notebook = path.with_suffix(".ipynb")
    print(f"Run it:  jupytext --to ipynb {path} && jupyter-execute --inplace {notebook}")
    print("         (or open it in JupyterLab, where jupytext opens .md files as notebooks)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``evaluation`` command."""
    parser = argparse.ArgumentParser(
        prog="evaluation",
        description="Data and tools for evaluating public service markets.",
    )
    parser.add_argument("--version", action="version", version=f"evaluation {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="list, verify and fetch the registered datasets")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    listing = data_commands.add_parser("list", help="list the registered datasets")
    listing.add_argument(
        "--sector", choices=["care", "employment", "geography", "probation", "schools"]
    )
    listing.set_defaults(func=_data_list)
    verify = data_commands.add_parser(
        "verify", help="check each file present against its sha256 (exit 1 on a mismatch)"
    )
    verify.add_argument("names", nargs="*", help="dataset names (default: all)")
    verify.set_defaults(func=_data_verify)
    fetch = data_commands.add_parser(
        "fetch", help="download and verify files into the cache (exit 2 if any is missing)"
    )
    fetch.add_argument("names", nargs="*", help="dataset names (default: all)")
    fetch.set_defaults(func=_data_fetch)

    new_review = commands.add_parser(
        "new-review",
        help="write a review notebook for one design (runs as generated on a simulated example)",
    )
    new_review.add_argument("name", nargs="?", help="review name; the file is NAME.md")
    new_review.add_argument("--design", choices=list(scaffold.TEMPLATES), help="evaluation design")
    new_review.add_argument("--dir", default=".", help="existing folder to write into (default .)")
    new_review.add_argument("--data", help="your CSV file (default: the simulated example)")
    new_review.add_argument("--outcome", help="outcome column of your file")
    new_review.add_argument(
        "--column",
        action="append",
        metavar="ROLE=NAME",
        help="column for a role of the design, e.g. unit=council (repeatable; "
        "several names comma-separated for covariates)",
    )
    new_review.add_argument(
        "--list-designs", action="store_true", help="list the designs, levels and columns"
    )
    new_review.set_defaults(func=_new_review)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (registry.UnknownDatasetError, registry.DataNotFoundError) as exc:
        print(f"evaluation: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:  # bad input or an unreadable file: say so, no traceback
        print(f"evaluation: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
