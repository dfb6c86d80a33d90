"""The ``rnainteract`` console command (entry point in pyproject.toml).

Subcommands:

* ``rnainteract verify-release <folder or .tar.gz>``: check a dataset release
  (:func:`rnainteract.dataset.release.verify_release`): every file against ``SHA256SUMS``,
  ``datapackage.json`` with frictionless, ``croissant.json`` with mlcroissant, the checksums of
  ``rebuild.yaml``. Exit status 0 when it verifies, 1 with the list of problems otherwise.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence


def _verify_release(args: argparse.Namespace) -> int:
    from rnainteract.dataset.release import ReleaseError, verify_release

    try:
        report = verify_release(args.release)
    except ReleaseError as err:
        print(f"rnainteract verify-release: FAILED\n{err}", file=sys.stderr)
        return 1
    print(
        f"rnainteract verify-release: OK {args.release}: {report['files']} files match "
        f"SHA256SUMS; datapackage.json {report['datapackage']} (frictionless); croissant.json "
        f"{report['croissant']} (mlcroissant, {report['pairs']} pair records)"
    )
    return 0


def parser() -> argparse.ArgumentParser:
    """The command-line parser (``rnainteract --help``)."""
    main_parser = argparse.ArgumentParser(
        prog="rnainteract",
        description="RNA-protein interaction datasets and models: tools around the workflow.",
    )
    sub = main_parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser(
        "verify-release",
        help="check a dataset release (folder or .tar.gz)",
        description=(
            "Check a dataset release written by the workflow (results/release/<dataset>/ or "
            "its .tar.gz): every file against SHA256SUMS, datapackage.json with frictionless "
            "(sizes, hashes, table schemas), croissant.json with mlcroissant, and the "
            "checksums in rebuild.yaml. Exit status 0 if it verifies, 1 otherwise."
        ),
    )
    verify.add_argument("release", help="release folder or .tar.gz")
    verify.set_defaults(func=_verify_release)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("absl").setLevel(logging.ERROR)  # mlcroissant's "recommended" notes
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
