"""View models through the training code path of the workflow: embedding tables → PairInputs →
cross-validation → predictions, checkpoints, per-sample importance and Optuna tuning."""

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

torch = pytest.importorskip("torch")

from rnainteract.evaluation.binary import evaluate_file  # noqa: E402
from rnainteract.evaluation.plots import plot_importance  # noqa: E402
from rnainteract.features.embeddings.cache import write_embeddings  # noqa: E402
from rnainteract.features.embeddings.embedders import load_embedder  # noqa: E402
from rnainteract.models.inputs import (  # noqa: E402
    PairInputs,
    load_pair_inputs,
    read_embedding_views,
    validation_split,
)
from rnainteract.models.interpret import INTERPRETATION_COLUMNS  # noqa: E402
from rnainteract.models.registry import build_model, model_views  # noqa: E402
from rnainteract.tasks.rpi import read_tuned, train_view_model, tune_view_model  # noqa: E402

RNA_LETTERS, PROTEIN_LETTERS = "ACGU", "ACDEFGHIKLMNPQRSTVWY"


def _fasta(path, records):
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in records.items()))
    return path


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """24 RNAs and 16 proteins whose composition carries a planted class; a pair interacts when
    the classes agree. One-hot tables (real embedder code path, no weights needed)."""
    tmp = tmp_path_factory.mktemp("views")
    rng = np.random.default_rng(3)

    def biased(letters, rich, n):
        p = np.full(len(letters), 1.0)
        p[[letters.index(c) for c in rich]] = 6.0
        return "".join(rng.choice(list(letters), size=n, p=p / p.sum()))

    rna = {f"r{i}": biased(RNA_LETTERS, "GC" if i % 2 else "AU", 8 + 3 * i) for i in range(24)}
    protein = {
        f"p{j}": biased(PROTEIN_LETTERS, "KR" if j % 2 else "DE", 30 + 5 * j) for j in range(16)
    }
    rows = [
        (r, p, int((int(r[1:]) % 2) == (int(p[1:]) % 2)))
        for r in rna
        for p in protein
        if rng.random() < 0.5
    ]
    pairs = pd.DataFrame(rows, columns=["rna_id", "protein_id", "label"])
    pairs["label"] = pairs.label.astype(np.int8)
    rna_fa, prot_fa = _fasta(tmp / "rna.fasta", rna), _fasta(tmp / "proteins.fasta", protein)
    tables = {}
    for molecule, fasta in (("rna", rna_fa), ("protein", prot_fa)):
        emb = load_embedder(f"onehot_{molecule}", "onehot", None, molecule=molecule)
        tables[molecule] = tmp / f"{molecule}.parquet"
        write_embeddings(
            [fasta], emb, tables[molecule], cache_dir=tmp / "cache", per_token=True, progress=False
        )
    folds = np.arange(len(pairs)) % 3
    split = pd.concat(
        [
            pd.DataFrame(
                {
                    "pair_index": np.arange(len(pairs)),
                    "fold": np.int16(f),
                    "partition": np.where(folds == f, "test", "train"),
                }
            )
            for f in range(3)
        ],
        ignore_index=True,
    )
    paths = {"pairs": tmp / "pairs.parquet", "split": tmp / "split.parquet"}
    pairs.to_parquet(paths["pairs"])
    split.to_parquet(paths["split"])
    return {
        "tmp": tmp,
        "rna": rna,
        "protein": protein,
        "rna_fasta": rna_fa,
        "protein_fasta": prot_fa,
        "tables": tables,
        "table": pairs,
        **paths,
    }


def test_embedding_views_follow_the_table(dataset):
    seqs = list(dataset["protein"].values())
    views, meta = read_embedding_views(
        dataset["tables"]["protein"], ["mean", "segments", "tokens"], seqs
    )
    assert meta["kind"] == "onehot" and views["mean"].shape == (16, 21)
    assert views["segments"].shape == (16, 10, 21)
    for seq, tokens, mean in zip(seqs, views["tokens"], views["mean"], strict=True):
        assert tokens.shape == (len(seq), 21)
        assert tokens[:, PROTEIN_LETTERS.index(seq[0])][0] == 1.0  # first residue one-hot
        np.testing.assert_allclose(tokens.mean(axis=0), mean, atol=1e-6)
    first = np.array_split(views["tokens"][3], 10)[0]  # 45 residues: parts of 5, then 4
    assert len(first) == 5
    np.testing.assert_allclose(views["segments"][3, 0], first.mean(0), atol=1e-6)
    with pytest.raises(KeyError, match="no embedding"):
        read_embedding_views(dataset["tables"]["protein"], ["mean"], ["MKVLAAGG"])


def test_pair_inputs_rows_and_missing_ids(dataset):
    pairs = dataset["table"]
    inputs = load_pair_inputs(
        pairs,
        dataset["rna_fasta"],
        dataset["protein_fasta"],
        rna_views={"mean": dataset["tables"]["rna"]},
        protein_views={"tokens": dataset["tables"]["protein"]},
    )
    assert inputs.pretrained is True  # one-hot needs no weights
    r, p = inputs.rows(np.arange(len(pairs)))
    assert [inputs.rna_sequences[i] for i in r] == [dataset["rna"][i] for i in pairs.rna_id]
    assert [len(inputs.protein["tokens"][i]) for i in p] == [
        len(dataset["protein"][i]) for i in pairs.protein_id
    ]
    with pytest.raises(IndexError):
        inputs.rows([len(pairs)])
    bad = pd.concat([pairs, pd.DataFrame({"rna_id": ["r99"], "protein_id": ["p0"], "label": [1]})])
    with pytest.raises(KeyError, match="no sequence"):
        load_pair_inputs(
            bad, dataset["rna_fasta"], dataset["protein_fasta"], rna_views={}, protein_views={}
        )


def test_validation_split_is_stratified_and_seeded():
    y = np.array([0] * 60 + [1] * 40)
    train, val = validation_split(y, 0.1, 5)
    assert len(val) == 10 and y[val].sum() == 4 and not set(train) & set(val)
    assert np.array_equal(val, validation_split(y, 0.1, 5)[1])
    assert not np.array_equal(val, validation_split(y, 0.1, 6)[1])


@pytest.mark.parametrize("ablation", ["none", "one_hot"])
def test_rpiembeddor_estimator_learns_the_planted_classes(dataset, ablation):
    inputs = load_pair_inputs(
        dataset["table"],
        dataset["rna_fasta"],
        dataset["protein_fasta"],
        rna_views={"tokens": dataset["tables"]["rna"]},
        protein_views={"tokens": dataset["tables"]["protein"]},
    )
    if ablation == "one_hot":  # reads the sequences only
        inputs.rna, inputs.protein = {}, {}
        assert model_views("rpiembeddor", {"ablation": "one_hot"}) == {"rna": (), "protein": ()}
    params = dict(
        ablation=ablation,
        d_model=32,
        encoder_ff=64,
        head_width=32,
        n_head_layers=4,
        head_dropout=0.0,
        dropout=0.0,
        lr=3e-3,
        weight_decay=0.01,
        warmup_steps=5,
        max_epochs=40,
        patience=None,
        validation_fraction=0.0,
    )
    y = dataset["table"].label.to_numpy()
    X = np.arange(len(y))[:, None]
    model = build_model("rpiembeddor", params, seed=0, inputs=inputs)
    model.fit(X[: len(y) * 2 // 3], y[: len(y) * 2 // 3])
    from sklearn.metrics import roc_auc_score

    test = slice(len(y) * 2 // 3, None)
    assert roc_auc_score(y[test], model.predict_proba(X[test])[:, 1]) > 0.9
    with pytest.raises(ValueError, match="unknown parameter"):
        build_model("rpiembeddor", {"lr_max": 1}, seed=0, inputs=inputs)


def test_train_view_model_writes_predictions_checkpoint_and_attention(dataset, tmp_path):
    views = {"segments": dataset["tables"]["rna"]}
    out = tmp_path / "pred.parquet"
    predictions = train_view_model(
        dataset["pairs"],
        dataset["split"],
        dataset["rna_fasta"],
        dataset["protein_fasta"],
        rna_views=views,
        protein_views={"segments": dataset["tables"]["protein"]},
        kind="esm2_amps",
        params={"d_model": 16, "n_heads": 2, "max_epochs": 40, "lr": 3e-3},
        seeds=[0],
        out=out,
        checkpoint=tmp_path / "model.pt",
        interpretation=tmp_path / "importance.parquet",
        folds=[0, 2],
    )
    assert sorted(predictions.fold.unique()) == [0, 2]
    assert len(predictions) == (np.arange(len(dataset["table"])) % 3 != 1).sum()
    metrics = evaluate_file(out, tmp_path / "m.json", dataset="d", split="s", model="m")
    assert metrics["pretrained"] is True and metrics["auroc"] > 0.9
    saved = torch.load(tmp_path / "model.pt", weights_only=True)
    assert saved["kind"] == "esm2_amps" and [r["fold"] for r in saved["runs"]] == [0, 2]
    run = saved["runs"][0]
    assert "module.encoder.0.attention.in_proj_weight" in run["state_dict"] or run["state_dict"]
    assert run["metrics"]["auroc"] > 0.9 and run["history"]
    importance = pd.read_parquet(tmp_path / "importance.parquet")
    assert list(importance.columns) == INTERPRETATION_COLUMNS
    assert set(importance.method) == {"attention"}
    per_pair = importance.groupby(["fold", "pair_index"]).value.sum()
    np.testing.assert_allclose(per_pair.to_numpy(), 1.0, atol=1e-5)
    assert set(importance.pair_index) == set(predictions.pair_index)
    plot_importance(importance, tmp_path / "imp.png", title="t")
    assert (tmp_path / "imp.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="no per-sample importance"):
        plot_importance(importance.iloc[:0], tmp_path / "none.png")


def test_tuning_uses_each_folds_train_part_and_feeds_training(dataset, tmp_path):
    common = dict(
        rna_views={"mean": dataset["tables"]["rna"]},
        protein_views={"mean": dataset["tables"]["protein"]},
        kind="esm2_dpm",
        params={"max_epochs": 3},
        seeds=[1],
        folds=[1],
    )
    tuned = tune_view_model(
        dataset["pairs"],
        dataset["split"],
        dataset["rna_fasta"],
        dataset["protein_fasta"],
        n_trials=2,
        out=tmp_path / "tuned.json",
        **common,
    )
    (run,) = tuned["runs"]
    assert (run["seed"], run["fold"], run["n_trials"]) == (1, 1, 2)
    assert 1e-4 <= run["lr"] <= 1e-2 and 1e-4 <= run["weight_decay"] <= 1e-1
    assert json.loads((tmp_path / "tuned.json").read_text()) == tuned
    assert read_tuned(tmp_path / "tuned.json") == {
        (1, 1): {"lr": run["lr"], "weight_decay": run["weight_decay"]}
    }
    train_view_model(
        dataset["pairs"],
        dataset["split"],
        dataset["rna_fasta"],
        dataset["protein_fasta"],
        out=tmp_path / "p.parquet",
        checkpoint=tmp_path / "c.pt",
        interpretation=tmp_path / "i.parquet",
        tuned=tmp_path / "tuned.json",
        **common,
    )
    saved = torch.load(tmp_path / "c.pt", weights_only=True)
    assert saved["runs"][0]["params"]["lr"] == run["lr"]
    assert pq.read_table(tmp_path / "i.parquet").num_rows == 0  # DPM: no attention


def test_pair_inputs_rejects_unequal_row_maps():
    with pytest.raises(ValueError, match="equally long"):
        PairInputs(np.zeros(3), np.zeros(2), {}, {})
