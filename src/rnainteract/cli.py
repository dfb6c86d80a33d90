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


def _predict(args: argparse.Namespace) -> int:
    from rnainteract.io.tools import ToolError
    from rnainteract.tasks.predict import predict

    try:
        table = predict(
            args.model,
            args.rna,
            args.protein,
            args.out,
            pairs=args.pairs,
            max_pairs=args.max_pairs,
            chunk_pairs=args.chunk_pairs,
            identity_threshold=args.identity_threshold,
            threads=args.threads,
            weights=dict(args.weights),
            embedding_cache=args.embedding_cache,
        )
    except (ValueError, ToolError, FileNotFoundError, KeyError) as err:
        # PredictError, SequenceError, TextFileError, ModelFormatError are ValueErrors
        print(f"rnainteract predict: {err}", file=sys.stderr)
        return 1
    n_top = int((table.decision == 1).sum())
    print(
        f"rnainteract predict: {len(table)} pairs scored -> {args.out} "
        f"({n_top} predicted interacting)"
    )
    return 0


PREDICT_HELP = """\
Score RNA-protein pairs with a final model trained by the workflow.

A final model lives in results/final/<dataset>/<model>/ (written by `snakemake`, config
targets.final): for example results/final/npinter/rpiseq_rf. Give it your RNAs and proteins as
FASTA files (plain or gzipped, .gz). Without --pairs every RNA is paired with every protein
(refused above --max-pairs); with --pairs only the listed pairs are scored (a tab-separated file
rna_id<TAB>protein_id, plain or gzipped, header optional; ids as in the FASTA headers).

The output (tab-separated, best pairs first) has one row per pair:
  score, rank            the model's score (higher = more likely interacting) and its rank
  decision               1 if the score passes the model's own threshold
  nearest_train_rna/protein and rna/protein_identity
                         the most similar training molecule (MMseqs2) and its identity
  overlap_class          both_seen / rna_unseen / protein_unseen / both_unseen: whether each
                         partner resembles a training molecule (identity >= threshold)
  cold_split, expected_auroc
                         the cross-validation split that matches that class and the model's
                         AUROC there: how far to trust the score. A pair of unseen molecules
                         gets the both_cold AUROC, often far below the random one.
Lines starting with # name the model, its training data and any warning.
Needs MMseqs2 (`mmseqs`) on PATH for the nearest training molecules; install.sh installs it.

Models over embeddings (rpiembeddor, multimodal_mlp, esm2_amps, esm2_amp_cse, esm2_dpm, ae_rf)
embed your sequences with the embedder they were trained with (named in the model's card.md).
Give its weights with --weights rna=<folder> / --weights protein=<folder> (the workflow keeps
them in resources/weights/<embedder>); a model trained on an embedder built at random (card:
pretrained: false) rebuilds it without --weights and says so in a WARNING line (a random-init
weights folder written by save_random_init must be given with --weights like real weights).
Weights other than those of training are refused (their SHA-256 is in the card).
"""


def _weights(text: str) -> tuple[str, str]:
    molecule, sep, path = text.partition("=")
    if not sep or molecule not in ("rna", "protein") or not path:
        raise argparse.ArgumentTypeError(f"expected rna=<folder> or protein=<folder>, got {text!r}")
    return molecule, path


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
    pred = sub.add_parser(
        "predict",
        help="score new RNA-protein pairs with a final model",
        description=PREDICT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pred.add_argument(
        "--model", required=True, help="final model folder: results/final/<dataset>/<model>"
    )
    pred.add_argument("--rna", required=True, help="RNA FASTA file (plain or .gz)")
    pred.add_argument("--protein", required=True, help="protein FASTA file (plain or .gz)")
    pred.add_argument("--pairs", help="pairs to score: rna_id<TAB>protein_id (default: all x all)")
    pred.add_argument("-o", "--out", required=True, help="output table (TSV)")
    pred.add_argument(
        "--max-pairs",
        type=int,
        default=1_000_000,
        help="refuse more pairs than this (default: %(default)s)",
    )
    pred.add_argument(
        "--chunk-pairs",
        type=int,
        default=100_000,
        help="pairs scored at a time; lower it to save memory (default: %(default)s)",
    )
    pred.add_argument(
        "--identity-threshold",
        type=float,
        help="identity from which a molecule counts as seen in training (default: the "
        "splits.identity_threshold the model was built with, 0.8 if that was null)",
    )
    pred.add_argument(
        "--threads",
        type=int,
        default=2,
        help="threads scoring the pairs (feature models; the scores do not depend on it) or "
        "embedding the molecules (models over embeddings) (default: %(default)s)",
    )
    pred.add_argument(
        "--weights",
        type=_weights,
        action="append",
        default=[],
        metavar="MOLECULE=FOLDER",
        help="a view model's embedder weights for rna or protein (repeat for both)",
    )
    pred.add_argument(
        "--embedding-cache",
        help="a view model's embedding cache folder, kept between runs (default: a temporary "
        "one; the workflow's is resources/embedding_cache)",
    )
    pred.set_defaults(func=_predict)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("absl").setLevel(logging.ERROR)  # mlcroissant's "recommended" notes
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
