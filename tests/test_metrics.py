import json

import numpy as np
import pandas as pd
import pytest

from rnainteract.evaluation.binary import (
    SUMMARY_COLUMNS,
    binary_metrics,
    evaluate_predictions,
    summarize,
)


def test_binary_metrics_hand_computed():
    y = [1, 1, 0, 0]
    score = [0.9, 0.4, 0.6, 0.1]
    pred = [1, 0, 1, 0]
    m = binary_metrics(y, score, pred)
    # TP=1 FN=1 FP=1 TN=1
    assert m["accuracy"] == pytest.approx(0.5)
    assert m["precision"] == pytest.approx(0.5)
    assert m["recall"] == pytest.approx(0.5)
    assert m["f1"] == pytest.approx(0.5)
    assert m["mcc"] == pytest.approx(0.0)
    # 3 of 4 positive-negative pairs ranked correctly
    assert m["auroc"] == pytest.approx(0.75)
    # ranking 1,0,1,0: AP = (1/1 + 2/3) / 2
    assert m["auprc"] == pytest.approx((1 + 2 / 3) / 2)


def test_binary_metrics_perfect_and_mcc():
    m = binary_metrics([1, 0, 1, 0, 0], [3, 1, 2, 0, -1], [1, 0, 1, 0, 0])
    assert m["auroc"] == 1.0 and m["mcc"] == pytest.approx(1.0) and m["f1"] == 1.0
    # TP=2 FN=0 FP=1 TN=2: MCC = (2*2 - 1*0) / sqrt(3*2*3*2)
    m = binary_metrics([1, 1, 0, 0, 0], [1, 1, 1, 0, 0], [1, 1, 1, 0, 0])
    assert m["mcc"] == pytest.approx(4 / np.sqrt(3 * 2 * 3 * 2))


def test_single_class_gives_nan_auc():
    m = binary_metrics([1, 1], [0.2, 0.8], [0, 1])
    assert np.isnan(m["auroc"]) and np.isnan(m["auprc"])
    assert m["recall"] == 0.5


def test_binary_metrics_length_mismatch():
    with pytest.raises(ValueError, match="equal"):
        binary_metrics([1, 0], [0.1], [1, 0])


def _predictions():
    # fold 0: perfect; fold 1: all wrong
    return pd.DataFrame(
        {
            "pair_index": [0, 1, 2, 3],
            "fold": [0, 0, 1, 1],
            "seed": [0, 0, 0, 0],
            "label": [1, 0, 1, 0],
            "score": [0.9, 0.1, 0.1, 0.9],
            "pred": [1, 0, 0, 1],
        }
    )


def test_evaluate_predictions_mean_and_sd_over_folds():
    result = evaluate_predictions(_predictions(), dataset="d", split="random", model="m")
    assert result["n_test"] == 4 and result["n_seeds"] == 1 and result["n_folds"] == 2
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["accuracy_sd"] == pytest.approx(np.std([1.0, 0.0], ddof=1))
    assert result["auroc"] == pytest.approx(0.5)
    assert result["runs"][1]["confusion"] == {"tp": 0, "fp": 1, "tn": 0, "fn": 1}


def test_a_fold_with_undefined_auroc_is_counted_not_hidden(tmp_path):
    """A fold whose test part has one class has no AUROC: the mean is over the other folds,
    and the row says so (n_runs 3, n_runs_undefined 1); a fold-0-only model says n_folds 1."""
    one_class = pd.DataFrame(
        {"pair_index": [4, 5], "fold": [2, 2], "seed": [0, 0], "label": [1, 1]}
    ).assign(score=[0.8, 0.7], pred=[1, 1])
    table = pd.concat([_predictions(), one_class], ignore_index=True)
    result = evaluate_predictions(table, dataset="d", split="rna_family", model="m")
    assert (result["n_folds"], result["n_runs"], result["n_runs_undefined"]) == (3, 3, 1)
    assert result["auroc"] == pytest.approx(0.5) and result["auroc_n_runs"] == 2
    fold0 = evaluate_predictions(
        _predictions()[lambda t: t.fold == 0], dataset="d", split="random", model="m"
    )
    path = tmp_path / "m.json"
    path.write_text(json.dumps(result))
    path0 = tmp_path / "m0.json"
    path0.write_text(json.dumps(fold0 | {"model": "m0"}))
    summary = summarize([path, path0], tmp_path / "summary.tsv")
    assert summary[["split", "n_folds", "n_runs", "n_runs_undefined"]].values.tolist() == [
        ["random", 1, 1, 0],
        ["rna_family", 3, 3, 1],
    ]


def test_summarize_has_exactly_the_contract_columns(tmp_path):
    result = evaluate_predictions(_predictions(), dataset="d", split="random", model="m")
    path = tmp_path / "m.json"
    path.write_text(json.dumps(result))
    table = summarize([path], tmp_path / "summary.tsv")
    header = (tmp_path / "summary.tsv").read_text().splitlines()[0].split("\t")
    assert header == SUMMARY_COLUMNS
    assert header[:5] == ["dataset", "split", "model", "n_test", "n_seeds"]
    assert table.loc[0, "mcc"] == pytest.approx(0.0)


def test_homology_gap_and_confusion_tables(tmp_path):
    """Random split perfect, rna_family split all wrong: the gap table shows the drop, the
    confusion table sums the folds of each seed."""
    good = _predictions().assign(score=[0.9, 0.1, 0.9, 0.1], pred=[1, 0, 1, 0])
    two_seeds = pd.concat([_predictions(), _predictions().assign(seed=1)], ignore_index=True)
    files = []
    for split, table in (("random", good), ("rna_family", two_seeds)):
        path = tmp_path / f"{split}.json"
        result = evaluate_predictions(table, dataset="d", split=split, model="m")
        path.write_text(json.dumps(result))
        files.append(path)
    summarize(
        files,
        tmp_path / "summary.tsv",
        out_gap=tmp_path / "gap.tsv",
        out_confusion=tmp_path / "confusion.tsv",
    )
    gap = pd.read_csv(tmp_path / "gap.tsv", sep="\t")
    auroc = gap[gap.metric == "auroc"].iloc[0]
    assert (auroc.random, auroc.split, auroc.value, auroc["drop"]) == (1.0, "rna_family", 0.5, 0.5)
    mcc = gap[gap.metric == "mcc"].iloc[0]
    assert mcc["drop"] == pytest.approx(1.0)  # MCC 1 on random, mean of +1 and -1 folds = 0
    confusion = pd.read_csv(tmp_path / "confusion.tsv", sep="\t")
    assert confusion.columns.tolist() == [
        "dataset",
        "split",
        "model",
        "seed",
        "tp",
        "fp",
        "tn",
        "fn",
    ]
    family = confusion[confusion.split == "rna_family"]
    assert family.seed.tolist() == [0, 1]
    # per seed: fold 0 TP 1 TN 1, fold 1 FP 1 FN 1
    assert family[["tp", "fp", "tn", "fn"]].values.tolist() == [[1, 1, 1, 1], [1, 1, 1, 1]]
    random = confusion[confusion.split == "random"].iloc[0]
    assert (random.tp, random.fp, random.tn, random.fn) == (2, 0, 2, 0)
