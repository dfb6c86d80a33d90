"""Final models: trained once on every pair of a dataset, saved safely, described by a card,
read back to score pairs of sequences never seen (rules ``final_model`` and ``model_card``;
the models over embeddings: rule ``final_view_model``, :mod:`rnainteract.tasks.final_views`).

A final model's folder ``results/final/<dataset>/<model>/`` holds

* ``model/``: the fitted estimator in a safe format (:mod:`rnainteract.models.persist`);
* ``training.json``: what it was trained on and how (dataset, SHA-256 of its pair table,
  positives and negatives, feature sets or views and embedders, params, seed, package
  versions, decision threshold);
* ``train_rna.fasta`` / ``train_proteins.fasta``: the training sequences, so that a query's
  nearest training molecule (applicability domain) can be found without the workflow;
* ``card.json`` / ``card.md``: the model card, with the model's cross-validation results on every
  split regime of ``results/summary/metrics.tsv`` (what to expect on unseen families and clans).

The cross-validation results come from the same params (averaged over every seed of ``seeds``);
the final fit uses the first seed and every pair of the dataset (no test part: its expected
performance is the CV table).
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from rnainteract.features.kmers import feature_frame
from rnainteract.io.fasta import read_fasta, write_fasta
from rnainteract.io.files import atomic_path, sha256_file, write_json
from rnainteract.models.crossval import score_and_decision
from rnainteract.models.persist import FORMATS, load_model, save_model
from rnainteract.models.registry import MODEL_FEATURES, build_model
from rnainteract.tasks.rpi import read_pair_features

log = logging.getLogger(__name__)

#: Overlap class of a new pair with the training set → the cross-validation split that measured
#: the same situation (Park & Marcotte 2012's C1–C4 classes; RNAInterAct's cold splits).
CLASS_SPLITS = {
    "both_seen": "random",
    "rna_unseen": "rna_family",
    "protein_unseen": "protein_cold",
    "both_unseen": "both_cold",
}
CARD_METRICS = ("auroc", "auprc", "mcc", "accuracy", "recall", "n_test", "n_seeds")
PACKAGES = ("rnainteract", "numpy", "pandas", "scikit-learn", "xgboost", "torch", "skops")


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _threshold(model) -> dict:
    """The model's own decision rule on its score, decided as :func:`score_and_decision` does."""
    if hasattr(model, "predict_proba"):
        return {"score": "P(interacting) (predict_proba)", "threshold": 0.5}
    return {"score": "SVM margin (decision_function)", "threshold": 0.0}


def train_final_model(
    pairs: str | os.PathLike,
    rna_features: str | os.PathLike,
    protein_features: str | os.PathLike,
    rna_fasta: str | os.PathLike,
    protein_fasta: str | os.PathLike,
    *,
    dataset: str,
    model_name: str,
    kind: str,
    params: Mapping,
    seed: int,
    out_model: str | os.PathLike,
    out_training: str | os.PathLike,
    out_rna: str | os.PathLike,
    out_proteins: str | os.PathLike,
    threads: int = 1,
    identity_threshold: float | None = None,
) -> dict:
    """Rule ``final_model``: fit the feature model ``kind`` with ``params`` and ``seed`` on every
    pair of the dataset table ``pairs`` and save it.

    Writes ``out_model`` (a folder, replaced as a whole only when complete), ``out_training``
    (JSON, see the module docstring) and the training sequences (FASTA).

    Returns:
        The training record.

    Raises:
        ValueError: a kind without a safe format, or pairs of a single class.
    """
    if kind not in FORMATS:
        raise ValueError(f"{model_name}: kind {kind!r} cannot be a final model ({sorted(FORMATS)})")
    table, X, y = read_pair_features(pairs, rna_features, protein_features)
    if len(np.unique(y)) < 2:
        raise ValueError(f"{pairs}: a single class; cannot fit {model_name}")
    start = time.perf_counter()
    model = build_model(kind, dict(params), seed=seed, threads=threads)
    model.fit(X, y)
    rna_set, protein_set = MODEL_FEATURES[kind]
    return save_final(
        model,
        table,
        pairs=pairs,
        rna_fasta=rna_fasta,
        protein_fasta=protein_fasta,
        out_model=out_model,
        out_training=out_training,
        out_rna=out_rna,
        out_proteins=out_proteins,
        record={
            "model": model_name,
            "kind": kind,
            "dataset": dataset,
            "features": {"rna": rna_set, "protein": protein_set},
            "embedders": None,  # feature models read no embedding: nothing pretrained or not
            "pretrained": None,
            "params": dict(params),
            "seed": int(seed),
            "identity_threshold": identity_threshold,  # splits.identity_threshold: "seen"
            "fit_seconds": round(time.perf_counter() - start, 2),
        },
    )


def save_final(
    model,
    table: pd.DataFrame,
    *,
    pairs: str | os.PathLike,
    rna_fasta: str | os.PathLike,
    protein_fasta: str | os.PathLike,
    out_model: str | os.PathLike,
    out_training: str | os.PathLike,
    out_rna: str | os.PathLike,
    out_proteins: str | os.PathLike,
    record: Mapping,
) -> dict:
    """Save a fitted final model (``record["kind"]``) into the folder ``out_model`` (staged,
    then renamed: replaced as a whole only when complete), the sequences of the pairs ``table``
    (``rna_id``, ``protein_id``, ``label``) as FASTA, and the training record: ``record`` plus
    the format, the model files' SHA-256, the pair table's SHA-256 and counts, the decision
    threshold and the package versions (JSON, ``out_training``, written last).

    Returns:
        The training record.
    """
    kind = record["kind"]
    out_model = Path(out_model)
    out_model.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_model.parent, prefix=f".{out_model.name}."))
    try:
        files = save_model(model, kind, staging)
        shutil.rmtree(out_model, ignore_errors=True)  # Snakemake removed it before the job
        os.replace(staging, out_model)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    rna, proteins = read_fasta(rna_fasta), read_fasta(protein_fasta)
    write_fasta({i: rna[i] for i in sorted(set(table.rna_id))}, out_rna)
    write_fasta({i: proteins[i] for i in sorted(set(table.protein_id))}, out_proteins)
    y = table.label.to_numpy()
    out = {
        **record,
        "format": FORMATS[kind],
        "files": {f: sha256_file(out_model / f) for f in files},
        "pairs_sha256": sha256_file(pairs),
        "n_pairs": int(len(table)),
        "n_positive": int((y == 1).sum()),
        "n_negative": int((y == 0).sum()),
        "n_rna": int(table.rna_id.nunique()),
        "n_proteins": int(table.protein_id.nunique()),
        **_threshold(model),
        "versions": _versions(),
    }
    write_json(out, out_training)
    log.info(
        "%s on %s: fitted on %d pairs in %s s",
        record["model"], record["dataset"], len(table), record.get("fit_seconds"),
    )  # fmt: skip
    return out


def cv_results(metrics: pd.DataFrame, dataset: str, model: str) -> list[dict]:
    """The rows of ``metrics.tsv`` for one dataset × model, one per split (metric columns of
    :data:`CARD_METRICS`; NaN → null)."""
    rows = metrics[(metrics["dataset"] == dataset) & (metrics["model"] == model)]
    out = []
    for _, row in rows.sort_values("split").iterrows():
        item = {"split": row["split"]}
        for column in CARD_METRICS:
            value = row.get(column)
            if value is None or pd.isna(value):
                item[column] = None
            else:
                item[column] = int(value) if column.startswith("n_") else float(value)
        out.append(item)
    return out


def write_model_card(
    training: str | os.PathLike,
    metrics: str | os.PathLike,
    *,
    out_json: str | os.PathLike,
    out_md: str | os.PathLike,
) -> dict:
    """Rule ``model_card``: the training record plus the model's CV results per split, and the
    expected AUROC per overlap class of a new pair (:data:`CLASS_SPLITS`).

    Raises:
        ValueError: ``metrics`` has no row for this dataset and model (the card would promise
            nothing).
    """
    record = json.loads(Path(training).read_text())
    table = pd.read_csv(metrics, sep="\t")
    results = cv_results(table, record["dataset"], record["model"])
    if not results:
        raise ValueError(
            f"{metrics}: no cross-validation row for model {record['model']} on "
            f"{record['dataset']}; add the dataset to the model's targets"
        )
    by_split = {r["split"]: r for r in results}
    expected = {
        cls: {"split": split, "auroc": by_split.get(split, {}).get("auroc")}
        for cls, split in CLASS_SPLITS.items()
    }
    card = {**record, "cross_validation": results, "expected_auroc": expected}
    write_json(card, out_json)
    with atomic_path(out_md) as tmp:
        Path(tmp).write_text(card_markdown(card))
    return card


def card_markdown(card: Mapping) -> str:
    """The model card as Markdown (Mitchell et al. 2019 sections, shortened)."""
    lines = [
        f"# Model card: {card['model']} trained on {card['dataset']}",
        "",
        "## Model",
        f"- kind `{card['kind']}`, stored as {card['format']}; seed {card['seed']}",
        f"- params: `{json.dumps(card['params'], sort_keys=True)}`",
        *_inputs_lines(card),
        f"- score: {card['score']}; predicted interacting when score > {card['threshold']}",
        "",
        "## Training data",
        f"- dataset `{card['dataset']}`: {card['n_pairs']} pairs ({card['n_positive']} positive, "
        f"{card['n_negative']} negative), {card['n_rna']} RNAs, {card['n_proteins']} proteins",
        f"- pair table SHA-256 `{card['pairs_sha256']}`",
        "",
        "## Expected performance (cross-validation: same params, mean over the config's seeds)",
        "",
        "| split | AUROC | AUPRC | MCC | test pairs |",
        "|---|---|---|---|---|",
    ]
    for r in card["cross_validation"]:
        lines.append(
            f"| {r['split']} | {_fmt(r['auroc'])} | {_fmt(r['auprc'])} | {_fmt(r['mcc'])} "
            f"| {r['n_test']} |"
        )
    lines += [
        "",
        "A new pair whose RNA and protein both resemble training molecules (identity >= the "
        "splits' threshold, or the same Rfam family / Pfam clan) is the `random` situation; an "
        "unseen RNA is `rna_family`, an unseen protein `protein_cold`, both unseen `both_cold`. "
        "Expect the cold numbers on new families and clans.",
        "",
        "## Versions",
        *[f"- {k}: {v}" for k, v in card["versions"].items()],
        "",
    ]
    return "\n".join(lines)


def _inputs_lines(card: Mapping) -> list[str]:
    """What the model reads: feature sets, or views and the embedders with ``pretrained``."""
    if card.get("features"):
        features = card["features"]
        return [
            f"- features: RNA `{features['rna']}`, protein `{features['protein']}` (no "
            "embeddings; `pretrained` does not apply)"
        ]
    lines = []
    for molecule, views in card.get("views", {}).items():
        spec = (card.get("embedders") or {}).get(molecule)
        source = "" if spec is None else (
            f" from embedder `{spec['name']}` ({spec['kind']}, {spec['dim']}-d, pretrained: "
            f"{str(spec['pretrained']).lower()}, weights SHA-256 "
            f"`{spec['weights_sha256'] or 'none'}`)"
        )  # fmt: skip
        lines.append(f"- {molecule} views {', '.join(f'`{v}`' for v in views) or 'none'}{source}")
    if card.get("pretrained") is False:
        lines.append(
            "- **WARNING: random-init embedder weights (pretrained: false)**: these scores are "
            "not those of the published model"
        )
    if card.get("tuning"):
        t = card["tuning"]
        lines.append(
            f"- learning rate and weight decay tuned on the {t['split']} split (seed {t['seed']}, "
            f"fold {t['fold']}): {t['lr']:.3g}, {t['weight_decay']:.3g}"
        )
    return lines


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@dataclass
class FinalModel:
    """A final model read back from its folder (:func:`load_final`).

    Attributes:
        folder: its folder; estimator: the fitted model; record: ``training.json``;
        card: ``card.json`` (``None`` if absent).
    """

    folder: Path
    estimator: object
    record: dict
    card: dict | None

    @property
    def feature_sets(self) -> tuple[str, str]:
        return self.record["features"]["rna"], self.record["features"]["protein"]

    @property
    def reads_views(self) -> bool:
        """Whether this is a view model (embeddings computed per query molecule)."""
        return "views" in self.record

    def score_pairs(
        self,
        rna: Mapping[str, str],
        proteins: Mapping[str, str],
        pairs: pd.DataFrame,
        *,
        chunk_pairs: int = 100_000,
        threads: int = 1,
        weights: Mapping[str, str | os.PathLike] | None = None,
        embedding_cache: str | os.PathLike | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Score ``pairs`` (``rna_id``, ``protein_id``) from canonical sequences: features (or a
        view model's embeddings and feature views) once per molecule, then the pairs in chunks.

        Args:
            weights, embedding_cache: a view model's embedder weights per molecule and an
                embedding cache folder (:func:`rnainteract.tasks.final_views.
                query_pair_inputs`); feature models ignore them.

        Returns:
            ``(score float64, decision int8)``, one per pair, in order.

        Raises:
            KeyError: a pair names a molecule without a sequence.
            EmbedderMismatchError: a view model's embedder cannot be loaded as it was trained.
        """
        if self.reads_views:
            from rnainteract.tasks.final_views import query_pair_inputs, score_inputs

            inputs = query_pair_inputs(
                self.record, rna, proteins, pairs, weights=weights, cache_dir=embedding_cache,
                threads=threads,
            )  # fmt: skip
            return score_inputs(self.estimator, inputs, chunk_pairs=chunk_pairs)
        rna_set, protein_set = self.feature_sets
        rna_table = feature_frame({i: rna[i] for i in dict.fromkeys(pairs.rna_id)}, rna_set)
        protein_ids = dict.fromkeys(pairs.protein_id)
        protein_table = feature_frame({i: proteins[i] for i in protein_ids}, protein_set)
        return self.score_features(
            rna_table, protein_table, pairs, chunk_pairs=chunk_pairs, threads=threads
        )

    def score_features(
        self,
        rna_features: pd.DataFrame,
        protein_features: pd.DataFrame,
        pairs: pd.DataFrame,
        *,
        chunk_pairs: int = 100_000,
        threads: int = 1,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Score ``pairs`` from feature tables (``id`` + feature columns).

        Pairs go in chunks of ``chunk_pairs`` through one reused ``(chunk_pairs, n_features)``
        float32 buffer (4 bytes x 599 features x 100,000 pairs = 240 MB for RPISeq); each chunk
        is cut into ``threads`` row blocks scored in parallel threads (the models release the
        GIL). Rows are scored independently by the model loaded with one thread
        (:func:`rnainteract.models.persist.load_model`), so a forest's, SVM's or booster's score
        does not depend on ``threads`` or ``chunk_pairs``; IPMiner's torch layers may differ in
        the last bits between batch sizes.

        Raises:
            KeyError: a pair's RNA or protein has no feature row.
        """
        from concurrent.futures import ThreadPoolExecutor

        rna_pos = pd.Index(rna_features["id"]).get_indexer(pairs.rna_id)
        protein_pos = pd.Index(protein_features["id"]).get_indexer(pairs.protein_id)
        for name, pos, ids in (
            ("RNA", rna_pos, pairs.rna_id),
            ("protein", protein_pos, pairs.protein_id),
        ):
            if (pos < 0).any():
                missing = sorted(set(ids[pos < 0]))[:5]
                raise KeyError(f"{name} id(s) without features, e.g. {missing}")
        rna_matrix = rna_features.drop(columns="id").to_numpy(np.float32)
        protein_matrix = protein_features.drop(columns="id").to_numpy(np.float32)
        n_rna = rna_matrix.shape[1]
        n = len(pairs)
        size = max(1, min(chunk_pairs, n))
        buffer = np.empty((size, n_rna + protein_matrix.shape[1]), dtype=np.float32)
        scores = np.empty(n, dtype=np.float64)
        decisions = np.empty(n, dtype=np.int8)

        def score_rows(lo: int, hi: int, offset: int) -> None:
            scores[offset + lo : offset + hi], decisions[offset + lo : offset + hi] = (
                score_and_decision(self.estimator, buffer[lo:hi])
            )

        with ThreadPoolExecutor(max(1, threads)) as pool:
            for start in range(0, n, size):
                stop = min(start + size, n)
                rows = stop - start
                buffer[:rows, :n_rna] = rna_matrix[rna_pos[start:stop]]
                buffer[:rows, n_rna:] = protein_matrix[protein_pos[start:stop]]
                bounds = np.linspace(0, rows, max(1, threads) + 1).astype(int)
                jobs = [
                    pool.submit(score_rows, lo, hi, start)
                    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
                    if hi > lo
                ]
                for job in jobs:
                    job.result()
        return scores, decisions


def load_final(folder: str | os.PathLike) -> FinalModel:
    """Read a final model's folder (``training.json``, ``model/``, ``card.json`` if present).

    Raises:
        FileNotFoundError: not a final model's folder (names what is missing).
        ValueError: a model file whose SHA-256 differs from ``training.json``'s.
    """
    folder = Path(folder)
    training = folder / "training.json"
    if not training.is_file():
        raise FileNotFoundError(
            f"{folder}: not a final model (no training.json); final models are written by the "
            "workflow under results/final/<dataset>/<model>/"
        )
    record = json.loads(training.read_text())
    for name, digest in record["files"].items():
        if sha256_file(folder / "model" / name) != digest:
            raise ValueError(f"{folder / 'model' / name}: SHA-256 differs from training.json")
    estimator = load_model(folder / "model", record["kind"], record["params"], seed=record["seed"])
    card_path = folder / "card.json"
    card = json.loads(card_path.read_text()) if card_path.is_file() else None
    return FinalModel(folder, estimator, record, card)


def training_sequences(folder: str | os.PathLike) -> tuple[Path, Path]:
    """The training FASTA files of a final model (RNA, proteins)."""
    folder = Path(folder)
    return folder / "train_rna.fasta", folder / "train_proteins.fasta"
