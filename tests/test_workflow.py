"""The workflow through the snakemake CLI: lint, dry runs, and a tiny end-to-end run."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, TEST_DATA

from rnainteract.evaluation.binary import SUMMARY_COLUMNS

pytestmark = pytest.mark.workflow


def snakemake(*args, workdir=None, check=True):
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), *args]
    if workdir is not None:
        cmd += ["-d", str(workdir)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
        )
    return proc


def planned_jobs(dry_run_output: str) -> dict[str, int]:
    """Rule -> job count from the 'Job stats' table of a dry run."""
    jobs = {}
    for line in dry_run_output.splitlines():
        words = line.split()
        if len(words) == 2 and words[1].isdigit() and words[0] != "total":
            jobs[words[0]] = int(words[1])
    return jobs


def tiny_config(tmp_path, **changes):
    config = yaml.safe_load((TEST_DATA / "config.yaml").read_text())
    config["mirror_dirs"] = [str(TEST_DATA / "mirror")]
    for key, value in changes.items():
        config[key] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_lint_is_clean():
    proc = snakemake("--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_default_dry_run_plans_every_benchmark(tmp_path, shared_data):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["mirror_dirs"] = [str(shared_data)]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    out = snakemake("-n", "--configfile", str(tmp_path / "config.yaml"), workdir=tmp_path).stdout
    assert "download_source" not in out  # every source is found in the mirror
    for rule, count in (
        ("build_pairs", 5),  # the derived rpi369_rnainteract reuses rpi369's
        ("annotate_rfam", 5),
        ("build_dataset", 6),  # rpi369_rnainteract_neutral is defined, not a default target
        ("pairwise_identity", 10),
        ("make_split", 42),  # 6 datasets x 7 splits
        ("dataset_card", 6),
        # 6 datasets x (7 splits x rpiseq_rf, xrpi + 4 splits x rpiseq_svm, ipminer); each job
        # writes its metrics too
        ("train_model", 132),
        ("train_baselines", 42),  # 6 datasets x 7 splits, all five baselines in each
        ("shortcuts", 1),
        ("plot_ladder", 6),
        ("embed", 3),  # RNA-FM and BioBERT (RNAs), ESM-2 t6_8M (proteins) of rpi369
        ("tune_model", 2),  # ESM2_AMPS on rpi369 x its 2 splits (models.<name>.splits)
        ("train_view_model", 12),  # 6 embedding-based models on rpi369 x 2 splits
        # only the branches: miRNA 2 x (2 site models + 4 seed rules) + 7 gene rows + RBP: 3
        # CNNs + 2 MMFAs (the RPI models and baselines evaluate in their training jobs)
        ("evaluate_model", 24),
        ("plot_importance", 6),  # ESM2_AMPS, ESM2_AMP_CSE, AE_RF x 2 splits
        ("plot_roc", 46),  # 42 + miraw_site cv/heldout + miraw_gene balanced10 + aura_rbp8
        ("mirna_site_data", 1),
        ("mirna_gene_data", 1),
        ("train_mirna_site_model", 4),  # 2 site models x (cv fold 0, heldout)
        ("score_mirna_genes", 2),
        ("train_mirna_mil", 1),  # on the segment-embedding model only
        ("mirna_seed_baselines", 1),
        ("rbp_task", 1),
        ("train_rbp_cnn", 3),  # rna, amino, dipeptide
        ("train_mmfa", 2),  # mmfa, mmfa_ma (paper.yaml adds the three double views)
        ("evaluate_multilabel", 5),
        ("summarize_multilabel", 1),
        ("final_model", 20),  # targets.final: 5 benchmarks x 4 feature models
        ("final_view_model", 6),  # and the 6 embedding-based models on rpi369
        ("model_card", 26),
        ("external_overlap", 2),  # npinter -> rpi488, rpi2241 -> rpi369
        ("external_scores", 8),
    ):
        assert any(line.split() == [rule, str(count)] for line in out.splitlines()), (rule, out)


def test_missing_source_is_planned_as_download(tmp_path):
    config = tiny_config(tmp_path)
    cfg = yaml.safe_load(config.read_text())
    cfg["mirror_dirs"] = [str(tmp_path / "empty")]
    config.write_text(yaml.safe_dump(cfg))
    out = snakemake("-n", "--configfile", str(config), workdir=tmp_path).stdout
    assert "download_source" in out and "resources/sources/tiny/pairs.txt" in out


def test_bad_config_is_refused(tmp_path):
    config = tiny_config(tmp_path, splits={"n_folds": 1, "seed": 0})
    proc = snakemake("-n", "--configfile", str(config), workdir=tmp_path, check=False)
    assert proc.returncode != 0 and "n_folds" in proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One end-to-end run of the tiny fixture dataset, shared by the tests below."""
    workdir = tmp_path_factory.mktemp("tiny")
    config = tiny_config(workdir)
    snakemake("--cores", "2", "--configfile", str(config), workdir=workdir)
    return workdir, config


def test_tiny_run_outputs_follow_the_contract(tiny_run):
    workdir, _ = tiny_run
    pairs = pd.read_parquet(workdir / "results/pairs/tiny.parquet")
    assert list(pairs.columns) == ["rna_id", "protein_id", "label", "source"]
    assert len(pairs) == 72 and str(pairs.label.dtype) == "int8"
    assert pairs.rna_id.str.match(r"^\dR\dX-R$").all()  # PDB code upper-cased
    families = pd.read_csv(workdir / "results/annotation/tiny/rna_families.tsv", sep="\t")
    assert list(families.columns) == ["rna_id", "family", "family_source"]
    assert families.family.nunique() == 6  # the planted families
    # family 1 is found by the tiny Rfam-style CM, the others are cd-hit-est clusters
    assert families.groupby("family_source").size().to_dict() == {"cluster": 15, "rfam": 3}
    assert set(families.family[families.family_source == "rfam"]) == {"RT90001"}
    clans = pd.read_csv(workdir / "results/annotation/tiny/protein_clans.tsv", sep="\t")
    # clan 1's HMM is in a Pfam clan; clan 2's HMM has none -> its MMseqs2 cluster
    assert clans.groupby("clan_source").size().to_dict() == {"cluster": 15, "pfam": 3}
    assert clans.clan.nunique() == 6
    summary = pd.read_csv(workdir / "results/summary/metrics.tsv", sep="\t")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert len(summary) == 2 * 4 * 4 and set(summary.n_seeds) == {2}
    assert set(summary.model) == {"rpiseq_rf", "rpiseq_svm", "ipminer", "xrpi"}
    assert summary.auroc.notna().all()
    gap = pd.read_csv(workdir / "results/summary/homology_gap.tsv", sep="\t")
    assert len(gap) == 2 * 4 * 2 * 3  # dataset x model x (auroc, mcc) x non-random split
    confusion = pd.read_csv(workdir / "results/summary/confusion.tsv", sep="\t")
    assert len(confusion) == 2 * 2 * 4 * 4  # 2 seeds
    n_test = summary.set_index(["dataset", "split", "model"]).n_test
    sums = confusion[confusion.seed == 0].set_index(["dataset", "split", "model"])
    assert (sums[["tp", "fp", "tn", "fn"]].sum(axis=1) == n_test.loc[sums.index]).all()
    random_split = summary[(summary.split == "random") & (summary.dataset == "tiny")]
    # the planted signal is learnable on a random split by the forests (RPISeq, IPMiner);
    # boosting (XRPI) stays at chance on 57 training pairs (its learning: tests/test_models.py)
    forests = random_split[random_split.model != "xrpi"]
    assert len(forests) == 3 and (forests.auroc > 0.6).all(), forests
    for dataset in ("tiny", "tiny_rnainteract"):
        for split in ("rna_family", "protein_cold", "both_cold"):
            path = workdir / f"results/splits/{dataset}/{split}.leakage.json"
            leakage = json.loads(path.read_text())
            assert leakage["identity_threshold"] == 0.8 and leakage["promised_zero"]
            for fold in leakage["folds"]:
                for key in leakage["promised_zero"]:
                    value = fold
                    for part in key.split("."):
                        value = value[part]
                    assert value == 0, (dataset, split, key)
            identity = pd.read_parquet(path.with_name(f"{split}.identity.parquet"))
            assert set(identity.molecule) == {"rna", "protein"}
    table = pd.read_parquet(workdir / "results/datasets/tiny_rnainteract/pairs.parquet")
    assert (table.label == 1).sum() == 36
    stats = json.loads((workdir / "results/datasets/tiny_rnainteract/stats.json").read_text())
    assert stats["n_negative"] + stats["n_negative_unfilled"] == 72
    network = set(zip(table.family[table.label == 1], table.clan[table.label == 1], strict=True))
    negatives = table[table.label == 0]
    assert not set(zip(negatives.family, negatives.clan, strict=True)) & network
    given = pd.read_parquet(workdir / "results/datasets/tiny/pairs.parquet")
    assert given[["rna_id", "protein_id", "label"]].equals(pairs[["rna_id", "protein_id", "label"]])
    card = json.loads((workdir / "results/datasets/tiny_rnainteract/card.json").read_text())
    assert card["table7"][0]["rna"] == 18 and card["negative_method"] == "rnainteract"
    assert (workdir / "results/figures/tiny/random.roc.png").stat().st_size > 1000
    datasets = pd.read_csv(workdir / "results/summary/datasets.tsv", sep="\t")
    assert datasets.dataset.tolist() == ["tiny", "tiny_rnainteract"]
    assert datasets.negative_method.tolist() == ["given", "rnainteract"]
    row = datasets.iloc[0]
    assert (row.dataset, row.n_rows_read, row.n_pairs, row.n_positive) == ("tiny", 72, 72, 36)
    assert (row.n_rna, row.n_proteins, row.n_rna_families, row.n_protein_clans) == (18, 18, 6, 6)
    assert (row.n_rna_rfam, row.n_proteins_pfam_clan) == (3, 3)


def test_final_models_external_sets_and_predictions(tiny_run, tmp_path):
    """The final models score the external set as the rule wrote it, read back from disk and
    through `rnainteract predict` (gzipped FASTA and pair list) and rule predict_query alike."""
    import gzip

    from rnainteract.cli import main
    from rnainteract.tasks.external import EXTERNAL_COLUMNS
    from rnainteract.tasks.final import load_final

    workdir, config = tiny_run
    external = pd.read_csv(workdir / "results/summary/external_metrics.tsv", sep="\t")
    assert list(external.columns) == EXTERNAL_COLUMNS
    assert set(external.model) == {"rpiseq_rf", "xrpi"}
    # tiny_rnainteract has tiny's molecules: every test pair is of class both_seen
    assert set(external.overlap_class) == {"all", "both_seen"}
    assert (external.n_test == 36 + 72).all() and (external.n_positive == 36).all()
    folder = workdir / "results/final/tiny/rpiseq_rf"
    card = json.loads((folder / "card.json").read_text())
    assert {r["split"] for r in card["cross_validation"]} == {
        "random", "rna_family", "protein_cold", "both_cold"
    }  # fmt: skip
    assert card["n_pairs"] == 72 and card["seed"] == 0 and card["params"] == {"n_estimators": 25}
    scores = pd.read_parquet(workdir / "results/external/tiny_to_rnainteract/rpiseq_rf.parquet")
    model = load_final(folder)
    features = [pd.read_parquet(workdir / f"results/features/tiny/{name}.parquet")
                for name in ("rna_kmer4", "protein_ctriad3")]  # fmt: skip
    again, _ = model.score_features(*features, scores, chunk_pairs=10, threads=2)
    assert np.array_equal(again, scores.score.to_numpy())
    for name in ("rna", "proteins"):
        text = (workdir / f"results/sequences/tiny/{name}.fasta").read_bytes()
        (tmp_path / f"{name}.fa.gz").write_bytes(gzip.compress(text))
    listed = scores[["rna_id", "protein_id"]].to_csv(sep="\t", index=False).encode()
    (tmp_path / "pairs.tsv.gz").write_bytes(gzip.compress(listed))
    query = [str(tmp_path / f) for f in ("rna.fa.gz", "proteins.fa.gz", "pairs.tsv.gz")]
    out = tmp_path / "cli.tsv"
    assert main(["predict", "--model", str(folder), "--rna", query[0], "--protein", query[1],
                 "--pairs", query[2], "-o", str(out)]) == 0  # fmt: skip
    table = pd.read_csv(out, sep="\t", comment="#")
    merged = scores.merge(table, on=["rna_id", "protein_id"], suffixes=("", "_cli"))
    assert len(merged) == len(scores) == len(table)
    assert np.array_equal(merged.score.to_numpy(), merged.score_cli.to_numpy())
    assert set(table.expected_auroc) == {card["expected_auroc"]["both_seen"]["auroc"]}
    cfg = yaml.safe_load(config.read_text())
    cfg["predict"] = {"queries": {"q": {"rna": query[0], "protein": query[1], "pairs": query[2],
                                        "models": ["tiny/rpiseq_rf"]}}}  # fmt: skip
    changed = tmp_path / "predict.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    target = "results/predict/q/tiny.rpiseq_rf.tsv"
    jobs = planned_jobs(snakemake("-n", "--configfile", str(changed), workdir=workdir).stdout)
    assert {rule: n for rule, n in jobs.items() if not rule.endswith(":")} == {
        "predict_query": 1, "all": 1
    }  # fmt: skip
    snakemake("--cores", "2", target, "--configfile", str(changed), workdir=workdir)
    assert (workdir / target).read_bytes() == out.read_bytes()


def test_rerun_plans_nothing(tiny_run):
    workdir, config = tiny_run
    out = snakemake("-n", "--configfile", str(config), workdir=workdir).stdout
    assert "Nothing to be done" in out


def test_hyperparameter_change_reruns_only_that_model(tiny_run, tmp_path):
    workdir, config = tiny_run
    cfg = yaml.safe_load(config.read_text())
    cfg["models"]["rpiseq_rf"]["params"]["n_estimators"] = 30
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    out = snakemake("-n", "--configfile", str(changed), workdir=workdir).stdout
    jobs = {
        line.split()[0]: int(line.split()[1])
        for line in out.splitlines()
        if len(line.split()) == 2 and line.split()[1].isdigit()
    }
    # its metrics are written by its training job; nothing else is evaluated again
    assert jobs.get("train_model") == 8 and "evaluate_model" not in jobs
    assert jobs.get("summarize_metrics") == 1
    assert "model=rpiseq_svm" not in out
    for rule in ("build_pairs", "cluster_rna", "make_split", "rna_features"):
        assert rule not in jobs


def test_split_seed_change_reruns_splits_and_downstream_only(tiny_run, tmp_path):
    workdir, config = tiny_run
    cfg = yaml.safe_load(config.read_text())
    cfg["splits"]["seed"] += 1
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    jobs = planned_jobs(snakemake("-n", "--configfile", str(changed), workdir=workdir).stdout)
    # 2 datasets x 4 splits; x 4 models
    assert jobs["make_split"] == 8 and jobs["train_model"] == 32 and "evaluate_model" not in jobs
    for rule in (
        "build_pairs",
        "build_dataset",
        "pairwise_identity",
        "cluster_rna",
        "cluster_proteins",
        "rna_features",
        "annotate_families",
    ):
        assert rule not in jobs


def test_negative_seed_change_reruns_the_derived_dataset_only(tiny_run, tmp_path):
    workdir, config = tiny_run
    cfg = yaml.safe_load(config.read_text())
    cfg["negatives"] = {"seed": 43}
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    out = snakemake("-n", "--configfile", str(changed), workdir=workdir).stdout
    jobs = planned_jobs(out)
    # the given-negatives dataset does not depend on the seed
    assert jobs["build_dataset"] == 1 and jobs["make_split"] == 4
    assert jobs["train_model"] == 4 * 4 and "dataset=tiny_rnainteract" in out
    for rule in ("build_pairs", "annotate_rfam", "pairwise_identity", "rna_features"):
        assert rule not in jobs


def test_embedding_tables(tiny_run, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    workdir, config = tiny_run
    tables = [
        "results/embeddings/tiny_esm/protein.parquet",
        "results/embeddings/onehot_rna/rna.parquet",
    ]
    # no weights anywhere: without allow_random_init the run would download them
    out = snakemake("-n", *tables, "--configfile", str(config), workdir=workdir).stdout
    assert "download_source" in out and "weights/tiny_esm/model.safetensors" in out
    cfg = yaml.safe_load(config.read_text())
    cfg["embedding"] = {"allow_random_init": True, "shard_size": 4}
    changed = tmp_path / "embed.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    snakemake("--cores", "2", *tables, "--configfile", str(changed), workdir=workdir)
    import pyarrow.parquet as pq

    protein = pq.read_table(workdir / tables[0])
    meta = json.loads(protein.schema.metadata[b"rnainteract"])
    assert meta["pretrained"] is False and meta["kind"] == "esm2" and meta["dim"] == 16
    assert protein.num_rows == 18 and meta["n_embedded"] == 18  # the distinct tiny proteins
    rna = pq.read_table(workdir / tables[1])
    assert rna.num_rows == 18 and len(rna.column("mean")[0]) == 5  # A C G U N composition
    log = (workdir / "logs/embed/tiny_esm/protein.log").read_text()
    assert "pretrained': False" in log
    # the cache is shared: a second table from the same sequences embeds nothing new
    (workdir / tables[0]).unlink()
    snakemake("--cores", "2", tables[0], "--configfile", str(changed), workdir=workdir)
    meta = json.loads(pq.read_table(workdir / tables[0]).schema.metadata[b"rnainteract"])
    assert meta["n_cached_before"] == 18 and meta["n_embedded"] == 0


def test_report(tiny_run):
    workdir, config = tiny_run
    snakemake(
        "--report", str(workdir / "report.html"), "--configfile", str(config), workdir=workdir
    )
    html = (workdir / "report.html").read_text(errors="replace")
    assert len(html) > 10_000 and "metrics.tsv" in html and "random.roc.png" in html
    assert "card.html" in html and "heatmap.png" in html


def test_view_models_through_the_workflow(tiny_run, tmp_path):
    """Embedding-based models as rules: random-init embedders (pretrained False in the summary),
    per-token tables only where a model reads tokens, Optuna tuning before training,
    checkpoints, per-sample importance figures, and nothing left to do afterwards."""
    pytest.importorskip("torch")
    pytest.importorskip("optuna")
    pytest.importorskip("shap")
    workdir, config = tiny_run
    cfg = yaml.safe_load(config.read_text())
    cfg["embedding"] = {"allow_random_init": True}
    cfg["targets"]["splits"] = ["random", "rna_family"]
    cfg["targets"]["models"] += ["tiny_amps", "tiny_rpiembeddor", "tiny_aerf"]
    # final view models (issue 18), an external set and a query scored by one of them
    cfg["targets"]["final"]["tiny"] += ["tiny_amps", "tiny_rpiembeddor", "tiny_aerf"]
    cfg["external"]["tiny_to_rnainteract"]["models"] += ["tiny_aerf"]
    rna_fa, protein_fa = (str(TEST_DATA / "mirror/tiny" / f) for f in ("rna.fa", "proteins.fa"))
    cfg["predict"] = {"queries": {"v": {"rna": rna_fa, "protein": protein_fa,
                                        "models": ["tiny/tiny_rpiembeddor"]}}}  # fmt: skip
    changed = tmp_path / "views.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    jobs = planned_jobs(snakemake("-n", "--configfile", str(changed), workdir=workdir).stdout)
    assert jobs["tune_model"] == 2  # tiny_amps on tiny x 2 splits
    assert jobs["train_view_model"] == 6 and jobs["embed"] == 2
    assert jobs["final_view_model"] == 3 and jobs["predict_query"] == 1
    assert jobs["external_scores"] == 1  # tiny_aerf; the feature models' scores stand
    assert "train_model" not in jobs and "final_model" not in jobs  # their results stand
    snakemake("--cores", "2", "--configfile", str(changed), workdir=workdir)
    from rnainteract.cli import main

    card = json.loads((workdir / "results/final/tiny/tiny_amps/card.json").read_text())
    assert card["pretrained"] is False and card["embedders"]["protein"]["name"] == "tiny_esm"
    assert card["tuning"]["split"] == "random"  # its first split's tuned lr and weight decay
    assert {r["split"] for r in card["cross_validation"]} == {"random", "rna_family"}
    predicted = workdir / "results/predict/v/tiny.tiny_rpiembeddor.tsv"
    assert "# WARNING: this model's embeddings come from random-init" in predicted.read_text()
    out = tmp_path / "cli_views.tsv"
    folder = str(workdir / "results/final/tiny/tiny_rpiembeddor")
    cache = str(workdir / "resources/embedding_cache")  # the rule's cache: the same vectors
    assert main(["predict", "--model", folder, "--rna", rna_fa, "--protein", protein_fa,
                 "-o", str(out), "--embedding-cache", cache]) == 0  # fmt: skip
    assert out.read_bytes() == predicted.read_bytes()
    external = pd.read_csv(workdir / "results/summary/external_metrics.tsv", sep="\t")
    aerf = external[(external.model == "tiny_aerf") & (external.overlap_class == "all")]
    assert len(aerf) == 1 and 0 <= aerf.auroc.iloc[0] <= 1
    assert not aerf.pretrained.iloc[0]  # random-init tiny_esm, noted in the summary too
    assert external[external.model == "rpiseq_rf"].pretrained.isna().all()
    summary = pd.read_csv(workdir / "results/summary/metrics.tsv", sep="\t")
    views = summary[summary.model.str.startswith("tiny_")]
    assert len(views) == 6 and set(views.dataset) == {"tiny"}
    assert (views.pretrained == False).all()  # noqa: E712  (random-init tiny_esm)
    assert summary[summary.model == "rpiseq_rf"].pretrained.isna().all()
    assert (views.n_test < 72).all()  # fold 0 only
    import pyarrow.parquet as pq
    import torch

    protein = pq.read_schema(workdir / "results/embeddings/tiny_esm/protein.parquet")
    assert "tokens" in protein.names  # tiny_rpiembeddor reads per-token matrices
    saved = torch.load(
        workdir / "results/models/tiny/random/tiny_rpiembeddor.pt", weights_only=True
    )
    assert saved["pretrained"] is False and saved["runs"][0]["fold"] == 0
    assert any(k.startswith("model.encoder") for k in saved["runs"][0]["state_dict"])
    tuned = json.loads((workdir / "results/tuning/tiny/random/tiny_amps.json").read_text())
    assert tuned["runs"][0]["n_trials"] == 2
    amps = torch.load(workdir / "results/models/tiny/random/tiny_amps.pt", weights_only=True)
    assert amps["runs"][0]["params"]["lr"] == tuned["runs"][0]["lr"]
    attention = pd.read_parquet(workdir / "results/interpretation/tiny/random/tiny_amps.parquet")
    assert set(attention.method) == {"attention"}
    shap = pd.read_parquet(workdir / "results/interpretation/tiny/random/tiny_aerf.parquet")
    assert {"rna:mean", "protein:mean"} <= set(shap.feature)
    for model in ("tiny_amps", "tiny_aerf"):
        png = workdir / f"results/figures/tiny/rna_family.{model}.importance.png"
        assert png.read_bytes()[:4] == b"\x89PNG"
    out = snakemake("-n", "--configfile", str(changed), workdir=workdir).stdout
    assert "Nothing to be done" in out


def test_renamed_weight_file_gives_a_warning_and_a_report_banner(tmp_path):
    """A weight file that is not where its source says (here renamed) makes the embedder
    random-init: the embed job logs a WARNING naming the file, the run ends with one summary
    line, and the report opens with a banner naming the model. Put back, none of the three."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from rnainteract.features.embeddings.embedders import RANDOM_INIT_MARKER, save_random_init

    base = yaml.safe_load((TEST_DATA / "config.yaml").read_text())
    weights = tmp_path / "weights_mirror" / "weights" / "tiny_esm"
    save_random_init("esm2", base["embedders"]["tiny_esm"]["random_config"], weights)
    (weights / RANDOM_INIT_MARKER).unlink()  # stands in for real downloaded weights
    (weights / "model.safetensors").rename(weights / "model.safetensors.bak")
    workdir = tmp_path / "run"
    workdir.mkdir()
    config = tiny_config(
        workdir,
        seeds=[0],
        embedding={"allow_random_init": True},
        targets={"datasets": ["tiny"], "splits": ["random"], "models": ["tiny_aerf"]},
    )
    cfg = yaml.safe_load(config.read_text())
    cfg["mirror_dirs"].append(str(tmp_path / "weights_mirror"))
    config.write_text(yaml.safe_dump(cfg))
    report = workdir / "report.html"

    out = snakemake("--cores", "2", "--configfile", str(config), workdir=workdir).stdout
    log = (workdir / "logs/embed/tiny_esm/protein.log").read_text()
    assert "WARNING" in log and "RANDOM-INIT" in log
    assert "resources/sources/weights/tiny_esm/model.safetensors" in log
    assert "config.json" not in log.split("not found:")[1].split("\n")[0]  # only the missing one
    line = [x for x in out.splitlines() if x.startswith("rnainteract:")]
    assert len(line) == 1 and "RANDOM-INIT" in line[0] and "tiny_aerf" in line[0], out[-2000:]
    intro = (workdir / "results/summary/report_intro.rst").read_text()
    assert intro.startswith(".. warning::") and "``tiny_aerf`` on tiny" in intro
    snakemake("--report", str(report), "--configfile", str(config), workdir=workdir)
    assert "ran on random-init embeddings" in report.read_text(errors="replace")

    (weights / "model.safetensors.bak").rename(weights / "model.safetensors")
    out = snakemake("--cores", "2", "--configfile", str(config), workdir=workdir).stdout
    assert "rnainteract: no target model uses random-init embeddings" in out
    summary = pd.read_csv(workdir / "results/summary/metrics.tsv", sep="\t")
    assert summary.pretrained.tolist() == [True]
    assert "RANDOM-INIT" not in (workdir / "logs/embed/tiny_esm/protein.log").read_text()
    assert not (workdir / "results/summary/report_intro.rst").read_text().startswith(".. warn")
    snakemake("--report", str(report), "--configfile", str(config), workdir=workdir)
    assert "ran on random-init embeddings" not in report.read_text(errors="replace")


def test_ppi_branch_through_the_workflow(tiny_run, tmp_path, shared_data):
    """ESM2_AMP's own protein-protein data: a subsample of the real Pan dataset → split →
    an ESM2_AMP model over one-hot protein embeddings → results/summary/ppi_metrics.tsv."""
    pytest.importorskip("torch")
    workdir, config = tiny_run
    cfg = yaml.safe_load(config.read_text())
    default = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    for name in ("esm2amp_pan_positives", "esm2amp_pan_negatives", "esm2amp_pan_proteins"):
        cfg["sources"][name] = default["sources"][name]
    cfg["mirror_dirs"].append(str(shared_data))
    cfg["embedders"]["onehot_protein"] = {"kind": "onehot", "molecule": "protein"}
    cfg["ppi"] = {
        "pan": {
            **default["ppi"]["pan"],
            "max_pairs": 90,
            "n_folds": 3,
            "embedder": "onehot_protein",
            "models": ["tiny_amps"],
        }
    }
    cfg["targets"]["ppi"] = ["pan"]
    changed = tmp_path / "ppi.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    target = "results/summary/ppi_metrics.tsv"
    jobs = planned_jobs(
        snakemake("-n", target, "--configfile", str(changed), workdir=workdir).stdout
    )
    assert jobs["ppi_dataset"] == 1 and jobs["train_ppi_model"] == 1 and jobs["embed"] == 1
    snakemake("--cores", "2", target, "--configfile", str(changed), workdir=workdir)
    summary = pd.read_csv(workdir / target, sep="\t")
    assert list(summary.columns) == SUMMARY_COLUMNS
    (row,) = summary.itertuples()
    assert (row.dataset, row.split, row.model, row.n_test) == ("ppi_pan", "random", "tiny_amps", 30)
    stats = json.loads((workdir / "results/ppi/pan/stats.json").read_text())
    assert stats["n_rows_read"] == 72_184 and stats["n_pairs_kept"] == 90


def test_mirna_branch_through_the_workflow(tiny_run, tmp_path, shared_data):
    """The miRNA-target branch on the real miRAW files with a tiny model: site-level rows (CV
    fold 0 and the held-out file), gene-level rows (ten splits as folds: max, MIL, seed rules)
    in the summary table, ROC figures, and the data statistics."""
    pytest.importorskip("torch")
    workdir, config = tiny_run
    cfg = yaml.safe_load(config.read_text())
    default = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    mirna = default["mirna"]
    for name in mirna["site_train"] + mirna["site_test"] + mirna["gene_splits"]:
        cfg["sources"][name] = default["sources"][name]
    cfg["mirror_dirs"].append(str(shared_data))
    tiny = {"d_model": 8, "channels": 8, "n_heads": 2, "n_layers": 1, "dim_feedforward": 16}
    cfg["mirna"] = {
        **mirna,
        "max_train_sites": 300,
        "params": {**tiny, "max_epochs": 1, "batch_size": 32},
        "mil": {"n_splits": 3, "max_instances": 8, "params": {"max_epochs": 2}},
        "baselines": ["8mer", "6mer"],
    }
    cfg["targets"]["mirna"] = True
    changed = tmp_path / "mirna.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    target = "results/summary/metrics.tsv"
    figures = [
        "results/figures/miraw_site/cv.roc.png",
        "results/figures/miraw_site/heldout.roc.png",
        "results/figures/miraw_gene/balanced10.roc.png",
    ]
    snakemake("--cores", "2", target, *figures, "--configfile", str(changed), workdir=workdir)
    summary = pd.read_csv(workdir / target, sep="\t")
    rows = summary[summary.dataset.str.startswith("miraw")].set_index(["dataset", "split", "model"])
    site_models = ["mirna_cnn_transformer", "mirna_cnn_transformer_seg", "seed_6mer", "seed_8mer"]
    expected = [("miraw_site", split, m) for split in ("cv", "heldout") for m in site_models] + [
        ("miraw_gene", "balanced10", m)
        for m in (
            "mirna_cnn_transformer_max",
            "mirna_cnn_transformer_seg_max",
            "mirna_cnn_transformer_seg_mil",
            "seed_6mer",
            "seed_8mer",
        )
    ]
    assert sorted(rows.index) == sorted(expected)
    # fold 0 of 10 over the 50,120 training sites; the held-out file; 10 x 1,096 gene pairs
    assert rows.loc[("miraw_site", "cv", "seed_6mer"), "n_test"] == 5012
    assert rows.loc[("miraw_site", "heldout", "mirna_cnn_transformer"), "n_test"] == 12_532
    gene = rows.loc["miraw_gene"]
    assert (gene.n_test == 10_960).all() and gene.auroc_sd.notna().all()  # sd over 10 splits
    # the seed rules are deterministic and far better than chance at site level
    assert rows.loc[("miraw_site", "heldout", "seed_6mer"), "auroc"] > 0.8
    for figure in figures:
        assert (workdir / figure).stat().st_size > 0
    stats = json.loads((workdir / "results/mirna/sites.stats.json").read_text())
    assert stats["n_train"] == 50_120 and stats["n_test"] == 12_532
    assert stats["orientation"]["6mer_rate_as_read_label1"] > 0.7
    genes = json.loads((workdir / "results/mirna/gene_pairs.stats.json").read_text())
    assert genes["n_pairs"] == 5928 and genes["pairs_in_every_split"] == {
        "label0": 548,
        "label1": 0,
    }


def test_rbp_branch_through_the_workflow(tiny_run, tmp_path, shared_data):
    """The RBP multi-label branch on a subsample of the real 8-RBP AURA task with tiny CNNs:
    single-view CNNs, MMFA and its ablations → multilabel_metrics.tsv and label-pooled rows in
    metrics.tsv."""
    pytest.importorskip("torch")
    workdir, config = tiny_run
    cfg = yaml.safe_load(config.read_text())
    default = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    task = default["rbp"]["tasks"]["aura_rbp8"]
    for name in list(task["positives"].values()) + task["negatives"]:
        cfg["sources"][name] = default["sources"][name]
    cfg["mirror_dirs"].append(str(shared_data))
    cfg["rbp"] = {
        "tasks": {"aura_rbp8": {**task, "max_rnas": 60}},
        "cnn": {"kernels": 4, "hidden": 8, "max_epochs": 1, "batch_size": 16},
        "mmfa": {"k": 4, "max_epochs": 1, "batch_size": 16},
        "models": {
            "mmfa": {"views": ["rna", "amino", "dipeptide"]},
            "mmfa_ma": {"views": ["rna", "amino", "dipeptide"], "params": {"attention": False}},
        },
    }
    # the full-data parser through the same rules: RNAcommender-format files at the paths of
    # the configured sources (a tiny hand-made stand-in for interactions_HT.txt, utrs.fa and
    # AURA's UTR_hg19.fasta)
    mirror = tmp_path / "mirror"
    rng = np.random.default_rng(0)
    utrs = {f"uc{i:03d}.1_3UTR": "".join(rng.choice(list("ACGU"), 120 + 7 * i)) for i in range(24)}
    lines = [f"RBP{(i * 7) % 3} {u}" for i, u in enumerate(list(utrs)[:16])]
    lines += [f"RBP2 {u}" for u in list(utrs)[:4]] + ["RBP1 uc999.1_3UTR"]  # one unknown UTR
    for name, text in (
        ("rnacommender_interactions", "\n".join(lines) + "\n"),
        ("rnacommender_utrs", "".join(f">{u}\n{seq}\n" for u, seq in list(utrs.items())[:16])),
        ("aura_utrs", "".join(f">{u}\n{seq}\n" for u, seq in utrs.items())),
    ):
        cfg["sources"][name] = default["sources"][name]
        path = mirror / default["sources"][name]["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    cfg["mirror_dirs"].append(str(mirror))
    cfg["rbp"]["tasks"]["aura_rbp67"] = {
        **default["rbp"]["tasks"]["aura_rbp67"],
        "test_fraction": 0.25,
    }
    cfg["targets"]["rbp"] = ["aura_rbp8", "aura_rbp67"]
    changed = tmp_path / "rbp.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    targets = ["results/summary/multilabel_metrics.tsv", "results/summary/metrics.tsv"]
    snakemake("--cores", "2", *targets, "--configfile", str(changed), workdir=workdir)
    table = pd.read_csv(workdir / targets[0], sep="\t")
    multilabel = table[table.dataset == "aura_rbp8"].set_index("model")
    models = ["cnn_amino", "cnn_dipeptide", "cnn_rna", "mmfa", "mmfa_ma"]
    assert sorted(multilabel.index) == models
    full = json.loads((workdir / "results/rbp/aura_rbp67/stats.json").read_text())
    # 16 bound UTRs + as many unbound AURA UTRs as the largest RBP has targets (RBP2: 8)
    assert full["labels"] == ["RBP0", "RBP1", "RBP2", "negative"] and full["missing_utrs"] == 1
    assert full["n_rnas"] == 24 and full["label_counts_kept"]["negative"] == 8
    assert set(table[table.dataset == "aura_rbp67"].model) == set(models)
    assert (multilabel.n_test == 12).all()  # 20 % of 60 RNAs
    # the paper's one-error is 1 - exact match; the standard one-error is its own number
    assert np.allclose(multilabel.one_error_paper, 1 - multilabel.exact_match, atol=1e-4)
    assert multilabel.weighted_auc.between(0, 1).all()
    summary = pd.read_csv(workdir / targets[1], sep="\t")
    rows = summary[summary.dataset == "aura_rbp8"]
    assert sorted(rows.model) == models and set(rows.split) == {"random"}
    assert (rows.n_test == 12 * 9).all()  # (RNA, label) rows: 8 RBPs + negative
    stats = json.loads((workdir / "results/rbp/aura_rbp8/stats.json").read_text())
    assert stats["n_rnas"] == 60 and stats["labels"][-1] == "negative"


def rnainter_fixture_rows(data) -> list[str]:
    """A small RNAInter-format table over the fake services' ids (real sequences behind them).

    Kept pairs: gene RNAs (NCBI) x UniProt proteins and NCBI protein genes, Ensembl RNAs,
    miRBase miRNAs by name and accession; dropped on purpose: mRNA, an unknown category, a
    mouse row, an RNA-RNA row, an unknown prefix, a gene without RefSeq RNA, an unknown miRNA,
    Ensembl RNAs with N; one row lists its protein first; one pair is listed twice; one protein
    has more interactions than the cap (5)."""
    genes = sorted(data.gene_truth["rna"])
    accessions = sorted(data.uniprot)
    ensembl = sorted(data.ensembl)
    rows = []

    def add(rna, rna_cat, protein, protein_cat, rna_raw, protein_raw, score=0.5, sp="Homo sapiens"):
        rid = f"RP{len(rows) + 1:08d}"
        fields = [rid, rna, rna_cat, sp, protein, protein_cat, sp, rna_raw, protein_raw]
        rows.append("\t".join([*fields, f"{score:.4f}", "N/A", "HITS-CLIP", "N/A"]))

    for i, gene in enumerate(genes[:12]):  # lncRNA genes x UniProt proteins
        add(f"LNC{gene}", "lncRNA", f"PR{i % 4}", "RBP", f"NCBI:{gene}",
            f"UniProt:{accessions[i % 4]}", 0.2 + i / 100)  # fmt: skip
    for i, gene in enumerate(genes[12:20]):  # snoRNAs x NCBI protein genes
        add(f"SNO{gene}", "snoRNA", f"TF{gene}", "TF", f"NCBI:{gene}",
            f"NCBI:{genes[30 + i % 3]}")  # fmt: skip
    with_n = [e for e in ensembl if "N" in data.ensembl[e]][:3]
    clean = [e for e in ensembl if set(data.ensembl[e]) <= set("ACGTU")][:3]
    for i, stable in enumerate(with_n + clean):  # 3 with N (invalid letters), then 3 clean
        add(f"ENS{i}", "ncRNA", "PR0", "RBP", f"Ensembl:{stable}", f"UniProt:{accessions[0]}")
    for gene in genes[40:47]:  # PR1 gets more interactions than the cap (5)
        add(f"LNC{gene}", "lncRNA", "PR1", "RBP", f"NCBI:{gene}", f"UniProt:{accessions[1]}")
    add("hsa-let-7a-5p", "miRNA", "PR1", "RBP", "miRBase:hsa-let-7a-5p", f"UniProt:{accessions[1]}")
    add("let-7a", "miRNA", "PR2", "RBP", "miRBase:MIMAT0000062", f"UniProt:{accessions[2]}")
    add("hsa-miR-x", "miRNA", "PR2", "RBP", "miRBase:hsa-miR-99999-5p", f"UniProt:{accessions[2]}")
    add("PR3", "RBP", "LNCX", "lncRNA", f"UniProt:{accessions[3]}", f"NCBI:{genes[25]}")  # reversed
    add("MRNA1", "mRNA", "PR0", "RBP", f"NCBI:{genes[26]}", f"UniProt:{accessions[0]}")
    add("UNK1", "unknown", "PR0", "RBP", f"NCBI:{genes[27]}", f"UniProt:{accessions[0]}")
    add("MOUSE1", "lncRNA", "PR0", "RBP", f"NCBI:{genes[28]}", f"UniProt:{accessions[0]}",
        sp="Mus musculus")  # fmt: skip
    add("RNU4", "snRNA", "ACTG1", "mRNA", "NCBI:26834", "NCBI:71")  # RNA-RNA
    add("FB1", "lncRNA", "PR0", "RBP", "FlyBase:FBgn0000001", f"UniProt:{accessions[0]}")
    add("NOREF", "lncRNA", "PR0", "RBP", "NCBI:79999", f"UniProt:{accessions[0]}")
    add(f"LNC{genes[0]}", "lncRNA", "PR0", "RBP", f"NCBI:{genes[0]}",
        f"UniProt:{accessions[0]}", 0.99)  # the same pair again, higher score  # fmt: skip
    return ["\t".join(R_COLUMNS)] + rows


R_COLUMNS = ["RNAInterID", "Interactor1.Symbol", "Category1", "Species1", "Interactor2.Symbol",
             "Category2", "Species2", "Raw_ID1", "Raw_ID2", "score", "strong", "weak",
             "predict"]  # fmt: skip


def test_rnainter_branch_through_the_workflow(tmp_path, shared_data):
    """RNAInter end to end on a mirror fixture: a small RNAInter-format tar.gz in a mirror and
    the three web services answered by a local fake (real sequences, real response formats) →
    the pair contract, the report tables; a second fetch is answered by the per-id cache; with
    the dataset `rnainter` targeted, the downstream rules take its pairs unchanged."""
    import tarfile

    from seqservices import FakeServices, load_real_data

    data = load_real_data(shared_data)
    mirror = tmp_path / "mirror"
    table = mirror / "fixture_rnainter.txt"
    table.parent.mkdir(parents=True)
    table.write_text("\n".join(rnainter_fixture_rows(data)) + "\n")
    with tarfile.open(mirror / "Download_data_RP.tar.gz", "w:gz") as archive:
        archive.add(table, arcname="Download_data_RP.txt")
    default = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    workdir = tmp_path / "run"
    config = tiny_config(tmp_path)
    cfg = yaml.safe_load(config.read_text())
    cfg["mirror_dirs"] = [str(mirror), str(shared_data)]
    cfg["sources"]["rnainter_rp"] = {"url": "https://example.org/rp.tar.gz",
                                     "path": "Download_data_RP.tar.gz"}  # fmt: skip
    cfg["sources"]["mirbase_mature"] = default["sources"]["mirbase_mature"]
    with FakeServices(**data.services()) as fake:
        urls = fake.base_urls
        rnainter = {**default["rnainter"], "species": ["Homo sapiens"], "max_per_interactor": 5}
        rnainter["databases"] = {"rna": ["ncbi", "ensembl", "mirbase"],
                                 "protein": ["ncbi", "uniprot"]}  # fmt: skip
        rnainter["local_fasta"] = {"mirbase": "mirbase_mature"}
        rnainter["services"] = {
            "ncbi": {"base_url": urls["ncbi"], "batch_size": 5, "max_requests_per_s": 50},
            "uniprot": {"base_url": urls["uniprot"], "batch_size": 3},
            "ensembl": {"base_url": urls["ensembl"], "batch_size": 4},
            "timeout_s": 10, "retries": 2, "backoff_s": 0.01,
        }  # fmt: skip
        cfg["rnainter"] = rnainter
        cfg["targets"]["rnainter"] = True
        config.write_text(yaml.safe_dump(cfg))
        target = "results/pairs/rnainter.parquet"
        # an interrupted fetch: UniProt answers the first batch, then fails for good
        fake.fail("/uniprotkb", "ok", "500", "500", "500")  # 3 attempts: retries 2
        failed = snakemake("--cores", "2", target, "--configfile", str(config),
                           workdir=workdir, check=False)  # fmt: skip
        assert failed.returncode != 0 and fake.pending_faults() == 0
        log = (workdir / "logs/rnainter_fetch/uniprot.log").read_text()
        assert "SequenceFetchError" in log and "uniprot" in log
        # the same command again resumes: batch 1 comes from the cache
        snakemake("--cores", "2", target, "--configfile", str(config), workdir=workdir)
        answered = [r for r in fake.requests_to("accessions") if r["status"] == 200]
        asked = [a for r in answered for a in r["params"]["accessions"][0].split(",")]
        assert sorted(asked) == sorted(set(asked)) and len(asked) == 4  # none lost, none twice
        n_requests = len(fake.requests)
        assert n_requests > 0
        # the NCBI clamp: 50/s asked, 3/s allowed without an API key (logged)
        log = (workdir / "logs/rnainter_fetch/ncbi.log").read_text()
        assert "exceeds the E-utilities limit of 3.0/s without an API key" in log
        # a forced refetch is answered by the per-id cache: no new request reaches the services
        snakemake("--cores", "2", target, "--configfile", str(config), "--forcerun",
                  "rnainter_fetch", workdir=workdir)  # fmt: skip
        assert len(fake.requests) == n_requests

    pairs = pd.read_parquet(workdir / target)
    rna = read_fasta_file(workdir / "results/sequences/rnainter/rna.fasta")
    proteins = read_fasta_file(workdir / "results/sequences/rnainter/proteins.fasta")
    assert set(pairs.rna_id) == set(rna) and set(pairs.protein_id) == set(proteins)
    assert (pairs.label == 1).all() and not pairs.duplicated(["rna_id", "protein_id"]).any()
    assert pairs.rna_id.value_counts().max() <= 5 and pairs.protein_id.value_counts().max() <= 5
    genes = sorted(data.gene_truth["rna"])
    # NCBI gene -> its RefSeq RNA (the first accession in sorted order), sequence as served
    accession, sequence = data.gene_truth["rna"][genes[3]]
    assert rna[f"ncbi:{genes[3]}"] == sequence.upper().replace("T", "U")
    assert rna["mirbase:MIMAT0000062"] == rna["mirbase:hsa-let-7a-5p"] == "UGAGGUAGUAGGUUGUAUAGUU"
    assert proteins[f"uniprot:{sorted(data.uniprot)[1]}"] == data.proteins[sorted(data.uniprot)[1]]
    reversed_row = pairs[pairs.rna_id == f"ncbi:{genes[25]}"]
    assert reversed_row.protein_symbol.tolist() == ["PR3"]
    assert reversed_row.rna_symbol.tolist() == ["LNCX"]
    twice = pairs[(pairs.rna_id == f"ncbi:{genes[0]}")]
    assert twice.score.tolist() == [0.99]

    filtering = pd.read_csv(workdir / "results/rnainter/filtering.tsv", sep="\t")
    steps = ["ingest", "rna_protein", "categories", "species", "map_ids", "sequences", "length",
             "dedupe", "cap"]  # fmt: skip
    assert filtering.step.tolist() == steps
    assert (filtering.rows_in.iloc[1:].values == filtering.rows_out.iloc[:-1].values).all()
    assert filtering.rows_in.iloc[0] == 44 and filtering.rows_out.iloc[-1] == len(pairs)
    reasons = " ".join(filtering.reasons.fillna(""))
    for reason in ("no protein interactor: 1", "rna category mRNA: 1", "rna category unknown: 1",
                   "rna species Mus musculus: 1", "rna prefix FlyBase: 1",
                   "rna ncbi not found: 1", "rna mirbase not found: 1",
                   "rna ensembl invalid letters: 3", "duplicate pair: 1",
                   "more than 5 interactions of the protein"):  # fmt: skip
        assert reason in reasons, (reason, reasons)
    extraction = pd.read_csv(workdir / "results/rnainter/extraction.tsv", sep="\t")
    by_db = extraction.set_index(["molecule", "database"])
    assert by_db.loc[("rna", "mirbase"), ["unique_ids", "obtained"]].tolist() == [3, 2]
    assert by_db.loc[("protein", "uniprot"), "extraction_rate"] == 1.0
    assert by_db.loc[("rna", "ncbi"), "requests"] == 0  # the forced refetch: all from cache
    assert by_db.loc[("rna", "ncbi"), "from_cache"] == by_db.loc[("rna", "ncbi"), "unique_ids"]
    categories = pd.read_csv(workdir / "results/rnainter/categories.tsv", sep="\t")
    assert abs(categories[categories.molecule == "rna"].share.sum() - 1) < 1e-3

    # downstream: the dataset `rnainter` is built from these pairs by the usual rules
    cfg["datasets"]["rnainter"] = default["datasets"]["rnainter"]
    cfg["targets"]["datasets"] = ["rnainter"]
    config.write_text(yaml.safe_dump(cfg))
    out = snakemake("-n", "--configfile", str(config), "--quiet", "rules",
                    workdir=workdir).stdout  # fmt: skip
    jobs = planned_jobs(out)
    assert jobs.get("build_dataset") == 1 and "build_pairs" not in jobs
    assert "rnainter_fetch" not in jobs  # nothing upstream of the pairs is redone


def test_shortcut_baselines_and_ladder_through_the_workflow(tiny_run, tmp_path):
    """The baselines as one job per dataset x split (their metrics in the same job), the
    id-cold splits, shortcuts.tsv over models and baselines, a ladder figure per dataset, and
    the feature models' earlier results untouched."""
    workdir, config = tiny_run
    cfg = yaml.safe_load(config.read_text())
    cfg["targets"]["splits"] = ["random", "rna_family", "rna_cold_id"]
    cfg["targets"]["baselines"] = ["degree", "degree_propagation", "rna_only", "protein_only",
                                   "nearest_neighbour"]  # fmt: skip
    changed = tmp_path / "shortcuts.yaml"
    changed.write_text(yaml.safe_dump(cfg))
    jobs = planned_jobs(snakemake("-n", "--configfile", str(changed), workdir=workdir).stdout)
    assert jobs["train_baselines"] == 2 * 3 and jobs["make_split"] == 2  # rna_cold_id x 2
    assert jobs["train_model"] == 2 * 4  # only on the new split, each evaluating itself
    assert "evaluate_model" not in jobs
    assert jobs["shortcuts"] == 1 and jobs["plot_ladder"] == 2
    snakemake("--cores", "2", "--configfile", str(changed), workdir=workdir)
    summary = pd.read_csv(workdir / "results/summary/metrics.tsv", sep="\t")
    baselines = summary[summary.model.isin(cfg["targets"]["baselines"])]
    assert len(baselines) == 2 * 3 * 5 and (baselines.n_folds == 3).all()
    forests = baselines.model.isin(["rna_only", "protein_only"])
    assert (baselines.n_runs[forests] == 3 * 2).all()  # 3 folds x 2 seeds
    assert (baselines.n_runs[~forests] == 3).all() and (baselines.n_seeds[~forests] == 1).all()
    groups = pd.read_parquet(workdir / "results/splits/tiny/rna_cold_id.groups.parquet")
    assert list(groups.columns) == ["pair_index", "rna_group"] and len(groups) == 72
    shortcuts = pd.read_csv(workdir / "results/summary/shortcuts.tsv", sep="\t")
    assert len(shortcuts) == 2 * 3
    assert set(shortcuts.best_baseline) <= set(cfg["targets"]["baselines"])
    assert set(shortcuts.best_model) <= {"rpiseq_rf", "rpiseq_svm", "ipminer", "xrpi"}
    assert shortcuts.q.between(0, 1).all() and shortcuts.shortcut.dtype == bool
    for dataset in ("tiny", "tiny_rnainteract"):
        png = workdir / f"results/figures/{dataset}/ladder.png"
        assert png.read_bytes()[:4] == b"\x89PNG"
    out = snakemake("-n", "--configfile", str(changed), workdir=workdir).stdout
    assert "Nothing to be done" in out


def read_fasta_file(path) -> dict[str, str]:
    from rnainteract.io.fasta import read_fasta

    return read_fasta(path)
