"""Final models of the view models (issue 18): trained once on all pairs from embedding tables,
saved in safe formats, read back, and scoring new molecules whose embeddings are computed again
with the embedder recorded in training.json (here tiny random-init BERT and ESM-2 models of the
official architectures, built from a random_config as the workflow does without weights).

The dataset is made here, seeded: 20 RNAs and 12 proteins whose composition carries a planted
class; a pair interacts when the classes agree (as tests/test_train_views.py)."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from rnainteract.cli import main as cli_main  # noqa: E402
from rnainteract.features.embeddings.cache import write_embeddings  # noqa: E402
from rnainteract.features.embeddings.embedders import load_embedder  # noqa: E402
from rnainteract.features.kmers import write_feature_table  # noqa: E402
from rnainteract.models.inputs import load_pair_inputs  # noqa: E402
from rnainteract.models.persist import FORMATS  # noqa: E402
from rnainteract.models.registry import MODEL_VIEWS, build_model  # noqa: E402
from rnainteract.tasks.external import external_scores  # noqa: E402
from rnainteract.tasks.final import load_final, write_model_card  # noqa: E402
from rnainteract.tasks.final_views import (  # noqa: E402
    EmbedderMismatchError,
    query_pair_inputs,
    score_inputs,
    train_final_view_model,
)

RNA_LETTERS, PROTEIN_LETTERS = "ACGU", "ACDEFGHIKLMNPQRSTVWY"
EMBEDDERS = {
    "rna": {
        "name": "tiny_bert",
        "kind": "biobert",
        "random_config": {
            "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
            "intermediate_size": 32, "max_position_embeddings": 512,
        },
    },
    "protein": {
        "name": "tiny_esm",
        "kind": "esm2",
        "random_config": {
            "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
            "intermediate_size": 32, "max_position_embeddings": 1026,
        },
    },
}  # fmt: skip
OPTIONS = {"length_policy": "truncate", "overlap": 256, "dtype": "float32", "per_token": True}
PARAMS = {
    "rpiembeddor": {"max_length": 32, "max_epochs": 2, "d_model": 16, "n_head_layers": 2,
                    "head_width": 16, "encoder_ff": 32, "warmup_steps": 2},
    "multimodal_mlp": {"max_epochs": 3},
    "esm2_amps": {"max_epochs": 2, "d_model": 16, "n_heads": 2, "n_layers": 1, "ff_width": 32},
    "esm2_amp_cse": {"max_epochs": 2, "d_model": 16, "n_heads": 2, "n_layers": 1, "ff_width": 32},
    "esm2_dpm": {"max_epochs": 3},
    "ae_rf": {"ae_epochs": 3, "n_estimators": 20, "code_size": 4, "hidden": 8},
}  # fmt: skip


def _fasta(path, records):
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in records.items()))
    return path


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("final_views")
    rng = np.random.default_rng(5)

    def biased(letters, rich, n):
        p = np.full(len(letters), 1.0)
        p[[letters.index(c) for c in rich]] = 6.0
        return "".join(rng.choice(list(letters), size=n, p=p / p.sum()))

    rna = {f"r{i}": biased(RNA_LETTERS, "GC" if i % 2 else "AU", 12 + 2 * i) for i in range(20)}
    protein = {
        f"p{j}": biased(PROTEIN_LETTERS, "KR" if j % 2 else "DE", 25 + 3 * j) for j in range(12)
    }
    rows = [
        (r, p, int(int(r[1:]) % 2 == int(p[1:]) % 2))
        for r in rna
        for p in protein
        if rng.random() < 0.6
    ]
    pairs = pd.DataFrame(rows, columns=["rna_id", "protein_id", "label"])
    pairs["label"] = pairs.label.astype(np.int8)
    pairs.to_parquet(tmp / "pairs.parquet")
    fastas = {
        "rna": _fasta(tmp / "rna.fasta", rna),
        "protein": _fasta(tmp / "proteins.fasta", protein),
    }
    tables = {}
    for molecule, spec in EMBEDDERS.items():
        embedder = load_embedder(
            spec["name"], spec["kind"], None, molecule=molecule, allow_random_init=True,
            random_config=spec["random_config"],
        )  # fmt: skip
        tables[molecule] = tmp / f"{molecule}.parquet"
        write_embeddings(
            [fastas[molecule]], embedder, tables[molecule], cache_dir=tmp / "cache",
            progress=False, **OPTIONS,
        )  # fmt: skip
    tabular = tmp / "rna_tabular.parquet"
    write_feature_table(fastas["rna"], "rna_tabular", tabular)
    return {"tmp": tmp, "pairs": pairs, "rna": rna, "protein": protein, "fastas": fastas,
            "tables": tables, "tabular": tabular}  # fmt: skip


def _views(dataset, kind):
    out = {}
    for molecule, views in MODEL_VIEWS[kind].items():
        out[molecule] = {
            v: dataset["tabular"] if v == "rna_tabular" else dataset["tables"][molecule]
            for v in views
        }
    return out


def _train(dataset, kind, folder):
    views = _views(dataset, kind)
    embedders = {m: {**spec, "options": OPTIONS} for m, spec in EMBEDDERS.items()}
    record = train_final_view_model(
        dataset["tmp"] / "pairs.parquet", dataset["fastas"]["rna"], dataset["fastas"]["protein"],
        rna_views=views["rna"], protein_views=views["protein"], embedders=embedders,
        dataset="tiny", model_name=kind, kind=kind, params=PARAMS[kind], seed=3,
        out_model=folder / "model", out_training=folder / "training.json",
        out_rna=folder / "train_rna.fasta", out_proteins=folder / "train_proteins.fasta",
        identity_threshold=0.8,
    )  # fmt: skip
    return record, views


@pytest.mark.parametrize("kind", sorted(PARAMS))
def test_final_view_model_scores_new_molecules_as_the_fitted_model(dataset, kind, tmp_path):
    assert FORMATS[kind] == "torch-state-dict+skops+json"
    folder = tmp_path / kind
    record, views = _train(dataset, kind, folder)
    assert record["pretrained"] is False and record["features"] is None
    assert record["embedders"]["protein"]["name"] == "tiny_esm"
    assert record["embedders"]["protein"]["weights_sha256"]
    assert record["n_pairs"] == len(dataset["pairs"])
    assert set(record["files"]) >= {"weights.pt", "state.json"}
    # the same fit in memory (same seed, params, inputs) scores the training pairs ...
    pairs = dataset["pairs"]
    inputs = load_pair_inputs(
        pairs, dataset["fastas"]["rna"], dataset["fastas"]["protein"],
        rna_views=views["rna"], protein_views=views["protein"],
    )  # fmt: skip
    fitted = build_model(kind, PARAMS[kind], seed=3, inputs=inputs)
    fitted.fit(np.arange(len(pairs))[:, None], pairs.label.to_numpy())
    expected = fitted.predict_proba(np.arange(len(pairs))[:, None])[:, 1]
    # ... as the saved model does after re-embedding the sequences from scratch
    model = load_final(folder)
    assert model.reads_views
    score, decision = model.score_pairs(
        dataset["rna"], dataset["protein"], pairs[["rna_id", "protein_id"]], chunk_pairs=50
    )
    np.testing.assert_allclose(score, expected, rtol=0, atol=1e-6)
    assert np.array_equal(decision, (score > 0.5).astype(np.int8))
    assert len(np.unique(score.round(6))) > 1  # not a constant model
    # new molecules: the loaded model scores exactly as the fitted one on the same views
    rng = np.random.default_rng(11)
    rna = {f"n{i}": "".join(rng.choice(list(RNA_LETTERS), 15 + 4 * i)) for i in range(3)}
    proteins = {f"q{i}": "".join(rng.choice(list(PROTEIN_LETTERS), 30 + 5 * i)) for i in range(2)}
    query = pd.DataFrame([(r, p) for r in rna for p in proteins], columns=["rna_id", "protein_id"])
    new_inputs = query_pair_inputs(model.record, rna, proteins, query)
    fitted.inputs = new_inputs
    expected = fitted.predict_proba(np.arange(len(query))[:, None])[:, 1]
    assert np.array_equal(score_inputs(model.estimator, new_inputs)[0], expected)
    chunked = score_inputs(model.estimator, new_inputs, chunk_pairs=4)[0]  # other batches:
    np.testing.assert_allclose(chunked, expected, rtol=0, atol=1e-6)  # the last bits may move


def test_view_model_predict_cli_warns_and_refuses_other_weights(dataset, tmp_path, capsys):
    if __import__("shutil").which("mmseqs") is None:
        pytest.skip("mmseqs not installed")
    folder = tmp_path / "dpm"
    _train(dataset, "esm2_dpm", folder)
    metrics = tmp_path / "metrics.tsv"
    pd.DataFrame(
        [{"dataset": "tiny", "model": "esm2_dpm", "split": "random", "auroc": 0.7, "n_test": 9}]
    ).to_csv(metrics, sep="\t", index=False)
    card = write_model_card(
        folder / "training.json", metrics, out_json=folder / "card.json", out_md=folder / "card.md"
    )
    assert "random-init embedder weights" in (folder / "card.md").read_text()
    assert card["expected_auroc"]["both_seen"]["auroc"] == 0.7
    # new molecules, gzipped: two RNAs and three proteins (one of them a training protein)
    rng = np.random.default_rng(9)
    rna = {"new1": "".join(rng.choice(list(RNA_LETTERS), 30)), "new2": dataset["rna"]["r3"]}
    proteins = {"q1": "".join(rng.choice(list(PROTEIN_LETTERS), 40)), "q2": "MKKRRKLV",
                "p4": dataset["protein"]["p4"]}  # fmt: skip
    files = {}
    for name, records in (("rna", rna), ("protein", proteins)):
        files[name] = tmp_path / f"{name}.fa.gz"
        with gzip.open(files[name], "wt") as handle:
            handle.write("".join(f">{k}\n{v}\n" for k, v in records.items()))
    out = tmp_path / "out.tsv"
    argv = ["predict", "--model", str(folder), "--rna", str(files["rna"]),
            "--protein", str(files["protein"]), "-o", str(out), "--threads", "1"]  # fmt: skip
    assert cli_main(argv) == 0
    err = capsys.readouterr().err
    assert "random-init weights (pretrained: false)" in err
    text = out.read_text()
    assert "# WARNING: this model's embeddings come from random-init weights" in text
    assert "# protein embedder: tiny_esm (esm2, pretrained: false" in text
    table = pd.read_csv(out, sep="\t", comment="#")
    assert len(table) == 6 and table["rank"].tolist() == list(range(1, 7))
    # the CLI's scores are exactly the library's on the same pairs (all x all, FASTA order)
    model = load_final(folder)
    query = pd.DataFrame([(r, p) for r in rna for p in proteins], columns=["rna_id", "protein_id"])
    score, _ = model.score_pairs(rna, proteins, query)
    merged = query.assign(expected=score).merge(table, on=["rna_id", "protein_id"])
    assert len(merged) == 6 and (merged.score == merged.expected).all()
    seen = table[(table.rna_id == "new2") & (table.protein_id == "p4")].iloc[0]
    assert seen.overlap_class == "both_seen" and seen.expected_auroc == 0.7
    # an external test set (rule external_scores) is scored from its sequences the same way
    overlap = dataset["pairs"].head(20).assign(overlap_class="both_seen")
    overlap.to_parquet(tmp_path / "overlap.parquet")
    scored = external_scores(
        folder, tmp_path / "overlap.parquet", out=tmp_path / "external.parquet",
        rna_fasta=dataset["fastas"]["rna"], protein_fasta=dataset["fastas"]["protein"],
    )  # fmt: skip
    again, pred = model.score_pairs(dataset["rna"], dataset["protein"], overlap)
    assert np.array_equal(scored.score.to_numpy(), again)
    assert np.array_equal(scored.pred.to_numpy(), pred)
    assert (scored.pretrained == False).all()  # noqa: E712  (nullable boolean column)
    # other weights are refused, nothing written
    _tamper(folder)
    other = tmp_path / "other.tsv"
    argv[-3] = str(other)
    assert cli_main(argv) == 1
    assert "differ from the model's training embeddings" in capsys.readouterr().err
    assert not other.exists()


def _tamper(folder):
    """A training record whose RNA embedder digest is another's."""
    record = json.loads((folder / "training.json").read_text())
    record["embedders"]["rna"]["weights_sha256"] = "0" * 64
    (folder / "training.json").write_text(json.dumps(record))


def test_other_embedder_weights_are_refused(dataset, tmp_path):
    folder = tmp_path / "dpm"
    _train(dataset, "esm2_dpm", folder)
    query = dataset["pairs"][["rna_id", "protein_id"]].head(5)
    load_final(folder).score_pairs(dataset["rna"], dataset["protein"], query)  # as trained
    digest = json.loads((folder / "training.json").read_text())["embedders"]["rna"]
    digest = digest["weights_sha256"]
    _tamper(folder)
    with pytest.raises(EmbedderMismatchError, match="tiny_bert: weights SHA-256"):
        load_final(folder).score_pairs(dataset["rna"], dataset["protein"], query)
    # a record of pretrained weights needs them
    record = json.loads((folder / "training.json").read_text())
    record["embedders"]["rna"]["weights_sha256"] = digest
    record["embedders"]["protein"]["pretrained"] = True
    (folder / "training.json").write_text(json.dumps(record))
    with pytest.raises(EmbedderMismatchError, match="--weights protein=<folder>"):
        load_final(folder).score_pairs(dataset["rna"], dataset["protein"], query)
    with pytest.raises(KeyError, match="RNA id|rna id"):
        load_final(folder).score_pairs({}, dataset["protein"], query)


def test_weights_folder_is_needed_and_used(dataset, tmp_path):
    """An embedder with weights on disk (written like downloaded ones: save_random_init without
    its random-init marker, so pretrained: true) must be given again to score new molecules;
    then the scores are the fitted model's. The RNA side is one-hot (no weights at all)."""
    from rnainteract.features.embeddings.embedders import RANDOM_INIT_MARKER, save_random_init

    weights = save_random_init("esm2", EMBEDDERS["protein"]["random_config"], tmp_path / "w", 4)
    (weights / RANDOM_INIT_MARKER).unlink()
    tables = {}
    for molecule, name, kind, path in (
        ("rna", "onehot_rna", "onehot", None),
        ("protein", "esm_local", "esm2", weights),
    ):
        embedder = load_embedder(name, kind, path, molecule=molecule)
        tables[molecule] = tmp_path / f"{molecule}.parquet"
        write_embeddings(
            [dataset["fastas"][molecule]], embedder, tables[molecule],
            cache_dir=tmp_path / "cache", progress=False, **OPTIONS,
        )  # fmt: skip
    embedders = {
        "rna": {"name": "onehot_rna", "kind": "onehot", "options": OPTIONS},
        "protein": {"name": "esm_local", "kind": "esm2", "options": OPTIONS},
    }
    folder = tmp_path / "dpm"
    record = train_final_view_model(
        dataset["tmp"] / "pairs.parquet", dataset["fastas"]["rna"], dataset["fastas"]["protein"],
        rna_views={"mean": tables["rna"]}, protein_views={"mean": tables["protein"]},
        embedders=embedders, dataset="tiny", model_name="dpm", kind="esm2_dpm",
        params=PARAMS["esm2_dpm"], seed=1, out_model=folder / "model",
        out_training=folder / "training.json", out_rna=folder / "train_rna.fasta",
        out_proteins=folder / "train_proteins.fasta",
    )  # fmt: skip
    assert record["pretrained"] is True and record["embedders"]["rna"]["weights_sha256"] is None
    pairs = dataset["pairs"]
    query = pairs[["rna_id", "protein_id"]]
    model = load_final(folder)
    with pytest.raises(EmbedderMismatchError, match="--weights protein=<folder>"):
        model.score_pairs(dataset["rna"], dataset["protein"], query)
    score, _ = model.score_pairs(
        dataset["rna"], dataset["protein"], query, weights={"protein": weights}
    )
    inputs = load_pair_inputs(
        pairs, dataset["fastas"]["rna"], dataset["fastas"]["protein"],
        rna_views={"mean": tables["rna"]}, protein_views={"mean": tables["protein"]},
    )  # fmt: skip
    fitted = build_model("esm2_dpm", PARAMS["esm2_dpm"], seed=1, inputs=inputs)
    fitted.fit(np.arange(len(pairs))[:, None], pairs.label.to_numpy())
    expected = fitted.predict_proba(np.arange(len(pairs))[:, None])[:, 1]
    np.testing.assert_allclose(score, expected, rtol=0, atol=1e-6)
    other = save_random_init("esm2", EMBEDDERS["protein"]["random_config"], tmp_path / "o", 5)
    (other / RANDOM_INIT_MARKER).unlink()
    with pytest.raises(EmbedderMismatchError, match="esm_local: weights SHA-256"):
        model.score_pairs(dataset["rna"], dataset["protein"], query, weights={"protein": other})


def test_cli_weights_option():
    from rnainteract.cli import parser

    base = ["predict", "--model", "m", "--rna", "r.fa", "--protein", "p.fa", "-o", "o.tsv"]
    args = parser().parse_args([*base, "--weights", "protein=w/esm", "--weights", "rna=w/fm"])
    assert dict(args.weights) == {"protein": "w/esm", "rna": "w/fm"}
    assert parser().parse_args(base).weights == []
    for bad in ("dna=w", "protein", "protein="):
        with pytest.raises(SystemExit):
            parser().parse_args([*base, "--weights", bad])
