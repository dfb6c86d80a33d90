"""rnainteract.catalog: results/catalog.duckdb over tiny files laid out as a run writes them
(made here, with the columns and types of a real main job's results/), opened with DuckDB from
the workflow directory; and the catalog's inputs as the config lists them."""

from __future__ import annotations

import copy
import json
import re
import shutil

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO
from snakemake.utils import validate

import rnainteract.config as cfg
from rnainteract.catalog import CATALOG_VIEWS, TABLES, write_catalog

CATALOG = "results/catalog.duckdb"

# Dataset `tiny`: 8 pairs of 4 RNAs x 2 proteins. R1 and R2 are in Rfam family RF00005 (tRNA);
# 69889 (a numeric-looking NCBI gene id) and R4 form cd-hit-est cluster 69889.
RNAS = ["R1", "R1", "R2", "R2", "69889", "69889", "R4", "R4"]
LABELS = [1, 0, 1, 0, 1, 0, 1, 0]
FAMILY = {"R1": "RF00005", "R2": "RF00005", "69889": "69889", "R4": "69889"}
# Scores of model m1 (fold 0 tests pairs 0-3, fold 1 pairs 4-7). RF00005: positives 0.9, 0.4
# against negatives 0.2, 0.4 -> (1 + 1 + 1 + 0.5) / 4 = 0.875; cluster 69889: 0.0.
SCORES = {
    "m1": [0.9, 0.2, 0.4, 0.4, 0.1, 0.8, 0.3, 0.6],
    "m2": [0.7, 0.1, 0.6, 0.5, 0.9, 0.2, 0.8, 0.3],
}
EXPECTED_AUROC = {
    ("m1", "RF00005"): 0.875,
    ("m1", "69889"): 0.0,
    ("m2", "RF00005"): 1.0,
    ("m2", "69889"): 1.0,
}

# The README's first example query, on this fixture: AUROC per family of the test RNAs
# (Mann-Whitney: rank sum of the positives, tied scores at their mean rank).
AUROC_PER_FAMILY = """
WITH test AS (
    SELECT p.model, d.family, p.label, p.score
    FROM predictions AS p JOIN dataset_pairs AS d USING (dataset, pair_index)
    WHERE p.dataset = 'tiny' AND p.split = 'random' AND p.seed = 0
),
ranked AS (
    SELECT *, rank() OVER (PARTITION BY model, family ORDER BY score)
              + (count(*) OVER (PARTITION BY model, family, score) - 1) / 2 AS r
    FROM test
)
SELECT model, family, any_value(h.family_name) AS name,
       (sum(r) FILTER (WHERE label = 1) - sum(label) * (sum(label) + 1) / 2)
           / (sum(label) * sum(1 - label)) AS auroc
FROM ranked LEFT JOIN (SELECT DISTINCT family, family_name FROM rfam_hits) AS h USING (family)
GROUP BY model, family
"""


def _pairwise_auroc(labels, scores) -> float:
    """AUROC as the share of (positive, negative) pairs ranked right, ties counting 1/2."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def _tsv(path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, sep="\t", index=False)


def _parquet(path, table: pd.DataFrame | pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    pq.write_table(table, path)


@pytest.fixture
def run_dir(tmp_path):
    """A workflow directory with one file (or a few) of every catalog table."""
    root = tmp_path / "run"
    r = root / "results"
    pairs = pd.DataFrame(
        {
            "rna_id": RNAS,
            "protein_id": ["P1", "P2"] * 4,
            "label": np.array(LABELS, np.int8),
            "source": "tiny_pairs",
        }
    )
    _parquet(r / "pairs/tiny.parquet", pairs)
    dataset = pairs.assign(
        family=[FAMILY[x] for x in RNAS],
        family_source=["rfam"] * 4 + ["cluster"] * 4,
        clan=["CL0221", "P2"] * 4,
        clan_source=["pfam", "cluster"] * 4,
    )
    _parquet(r / "datasets/tiny/pairs.parquet", dataset)
    annotation = r / "annotation/tiny"
    _tsv(
        annotation / "rna_families.tsv",
        [{"rna_id": x, "family": f, "family_source": "cluster" if x == f else "rfam"}
         for x, f in FAMILY.items()],
    )  # fmt: skip
    _tsv(
        annotation / "rfam_hits.tsv",
        [{"rna_id": x, "family": "RF00005", "family_name": "tRNA", "evalue": 1e-10, "score": 50.1}
         for x in ("R1", "R2")],
    )  # fmt: skip
    _tsv(
        annotation / "protein_clans.tsv",
        [{"protein_id": "P1", "clan": "CL0221", "clan_source": "pfam"},
         {"protein_id": "P2", "clan": "P2", "clan_source": "cluster"}],
    )  # fmt: skip
    _tsv(
        annotation / "pfam_hits.tsv",
        [{"protein_id": "P1", "pfam_family": "PF00076", "pfam_name": "RRM_1", "clan": "CL0221",
          "evalue": 1e-15, "score": 46.9}],
    )  # fmt: skip
    fold = np.array([0] * 4 + [1] * 4, np.int16)
    split = pd.DataFrame(
        {
            "pair_index": np.tile(np.arange(8, dtype=np.int64), 2),
            "fold": np.repeat(np.array([0, 1], np.int16), 8),
            "partition": ["test"] * 4 + ["train"] * 8 + ["test"] * 4,
        }
    )
    _parquet(r / "splits/tiny/random.parquet", split)
    identity = pd.DataFrame(
        {
            "fold": np.array([0, 1], np.int16),
            "molecule": "rna",
            "id": ["R1", "R4"],
            "max_identity": np.array([0.5, 0.9], np.float32),
            "nearest_train_id": ["R4", "R1"],
        }
    )
    _parquet(r / "splits/tiny/random.identity.parquet", identity)
    for model, scores in SCORES.items():
        predictions = pd.DataFrame(
            {
                "pair_index": np.arange(8, dtype=np.int64),
                # m2 as the miRNA/RBP branches write it: int64 folds and seeds
                "fold": fold if model == "m1" else fold.astype(np.int64),
                "seed": np.zeros(8, np.int32 if model == "m1" else np.int64),
                "label": np.array(LABELS, np.int8),
                "score": scores,
                "pred": (np.array(scores) > 0.5).astype(np.int8),
            }
        )
        _parquet(r / f"predictions/tiny/random/{model}.parquet", predictions)
    _tsv(
        r / "summary/metrics.tsv",
        [{"dataset": "tiny", "split": "random", "model": m, "n_test": 8, "auroc": a,
          "auroc_sd": None, "pretrained": None} for m, a in (("m1", 0.5), ("m2", 1.0))],
    )  # fmt: skip
    _tsv(r / "summary/datasets.tsv", [{"dataset": "tiny", "n_pairs": 8, "n_positive": 4}])
    meta = {"dim": 4, "embedder": "e1", "kind": "onehot", "molecule": "rna", "pretrained": False,
            "length_policy": "truncate", "n_truncated": 1, "n_windowed": 0}  # fmt: skip
    embedding = pa.table(
        {
            "sha256": ["a" * 64, "b" * 64, "c" * 64],
            "length": pa.array([10, 20, 30], pa.int32()),
            "n_windows": pa.array([1, 1, 2], pa.int16()),
            "mean": pa.array([[0.1, 0.2, 0.3, 0.4]] * 3, pa.list_(pa.float32())),
        }
    ).replace_schema_metadata({b"rnainteract": json.dumps(meta).encode()})
    _parquet(r / "embeddings/e1/rna.parquet", embedding)
    steps = r / "rnainter/steps"
    counts = {
        "mapped": [
            {"step": "rna_protein", "rows_in": 10, "rows_out": 9, "dropped": 1,
             "reasons": {"no protein interactor": 1}, "reoriented": 2, "seconds": 0.1},
            {"step": "species", "rows_in": 9, "rows_out": 6, "dropped": 3,
             "reasons": {"rna species Mus musculus": 2, "protein species Mus musculus": 1},
             "seconds": 0.1},
        ],
        "capped": [{"step": "cap", "rows_in": 6, "rows_out": 6, "dropped": 0, "reasons": {},
                    "seconds": 0.0}],
    }  # fmt: skip
    steps.mkdir(parents=True)
    raw = pd.DataFrame(
        {
            "RNAInterID": [f"RP{i}" for i in range(10)],
            "Category1": ["lncRNA", "RBP"] * 5,
            "Category2": ["RBP", "snoRNA"] * 5,
        }
    )
    _parquet(r / "rnainter/raw.parquet", raw)  # the ingested table (3 of its 13 columns)
    for stage, records in counts.items():
        (steps / f"{stage}.counts.json").write_text(json.dumps(records, indent=2))
        rows = pairs.iloc[: records[-1]["rows_out"]][["rna_id", "protein_id"]]
        rows.insert(0, "row", np.arange(len(rows), dtype=np.int64) + 2)  # rows 2..7 of raw
        rows.insert(1, "reoriented", rows.row % 2 == 1)  # as raw's RBP-first rows
        _parquet(steps / f"{stage}.parquet", rows.assign(score=0.5))
    return root


def tables_of(root, rnainter: bool = True) -> dict[str, list[str]]:
    """Table name -> files, as rule catalog passes them (relative to the workflow directory)."""
    out = {name: [] for name in TABLES}
    for path in sorted((root / "results").rglob("*")):
        rel = path.relative_to(root).as_posix()
        for name, table in TABLES.items():
            if path.is_file() and re.search(table.regex, rel):
                out[name].append(rel)
    out["splits"] = [f for f in out["splits"] if not f.endswith(".identity.parquet")]
    stages = ("mapped", "capped") if rnainter else ()
    out["rnainter_raw"] = ["results/rnainter/raw.parquet"] if rnainter else []
    out["rnainter_rows"] = [f"results/rnainter/steps/{s}.parquet" for s in stages]
    out["rnainter_steps"] = [f"results/rnainter/steps/{s}.counts.json" for s in stages]
    return out


@pytest.fixture
def built(run_dir, monkeypatch):
    """The catalog of ``run_dir``, written and opened from there (the workflow directory)."""
    monkeypatch.chdir(run_dir)
    views = write_catalog(CATALOG, tables_of(run_dir))
    con = duckdb.connect(CATALOG, read_only=True)
    yield views, con
    con.close()


def test_the_fixture_gives_each_table_its_own_files(run_dir):
    tables = tables_of(run_dir)
    assert tables["splits"] == ["results/splits/tiny/random.parquet"]
    assert tables["split_identity"] == ["results/splits/tiny/random.identity.parquet"]
    assert len(tables["predictions"]) == 2 and tables["pairs"] == ["results/pairs/tiny.parquet"]
    assert tables["ppi_metrics"] == tables["external_predictions"] == []


def test_every_view_opens_from_the_workflow_directory(built):
    views, con = built
    absent = {"homology_gap", "confusion", "multilabel_metrics", "ppi_metrics",
              "external_metrics", "external_predictions", "shortcuts"}  # fmt: skip
    assert views == [v for v in CATALOG_VIEWS if v not in absent]
    rows = {v: con.execute(f"SELECT count(*) FROM {v}").fetchall()[0][0] for v in views}
    assert rows == {
        "pairs": 8, "dataset_pairs": 8, "rna_families": 4, "rfam_hits": 2, "protein_clans": 2,
        "pfam_hits": 1, "splits": 16, "split_identity": 2, "predictions": 16, "datasets": 1,
        "metrics": 2, "embeddings": 1, "embedding_sequences": 3, "rnainter_raw": 10,
        "rnainter_rows": 6 + 6, "rnainter_steps": 3, "rnainter_step_reasons": 3,
    }  # fmt: skip
    catalog = con.execute("SELECT name, present, n_files, pattern FROM catalog").fetchall()
    assert [row[0] for row in catalog] == CATALOG_VIEWS
    assert {row[0] for row in catalog if row[1]} == set(views)
    listed = {row[0]: row[2:] for row in catalog}
    assert listed["predictions"] == (2, "results/predictions/{dataset}/{split}/{model}.parquet")
    assert listed["ppi_metrics"] == (0, "results/summary/ppi_metrics.tsv")
    comments = dict(con.execute("SELECT view_name, comment FROM duckdb_views()").fetchall())
    assert "pair_index" in comments["dataset_pairs"]


def test_predictions_join_the_pair_annotation(built):
    _, con = built
    labels = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE p.label = d.label) FROM predictions AS p"
        " JOIN dataset_pairs AS d USING (dataset, pair_index)"
    ).fetchall()
    assert labels == [(16, 16)]
    result = con.execute(AUROC_PER_FAMILY).fetchall()
    auroc = {(model, family): value for model, family, _, value in result}
    assert auroc == pytest.approx(EXPECTED_AUROC)
    for model, scores in SCORES.items():  # the SQL agrees with a pairwise count
        for family in ("RF00005", "69889"):
            keep = [FAMILY[x] == family for x in RNAS]
            pick = [v for v, k in zip(scores, keep, strict=True) if k]
            truth = [v for v, k in zip(LABELS, keep, strict=True) if k]
            assert auroc[(model, family)] == pytest.approx(_pairwise_auroc(truth, pick))
    names = {family: name for _, family, name, _ in result}
    assert names == {"RF00005": "tRNA", "69889": None}
    # a numeric-looking RNA id stays text and joins its family
    (row,) = con.execute(
        "SELECT d.rna_id, f.family FROM dataset_pairs AS d"
        " JOIN rna_families AS f USING (dataset, rna_id) WHERE d.pair_index = 4"
    ).fetchall()
    assert row == ("69889", "69889")
    test_pairs = con.execute(
        "SELECT count(*) FROM predictions AS p JOIN splits AS s"
        " ON s.dataset = p.dataset AND s.split = p.split AND s.pair_index = p.pair_index"
        " AND s.fold = p.fold AND s.partition = 'test'"
    ).fetchall()
    assert test_pairs == [(16,)]


def test_keys_and_metadata_come_from_the_paths_and_files(built):
    _, con = built
    keys = con.execute("SELECT DISTINCT dataset, split, model FROM predictions ORDER BY model")
    assert keys.fetchall() == [("tiny", "random", "m1"), ("tiny", "random", "m2")]
    types = dict(
        con.execute("SELECT column_name, column_type FROM (DESCRIBE predictions)").fetchall()
    )
    assert types["fold"] == "BIGINT" and types["score"] == "DOUBLE"
    (embedding,) = con.execute(
        "SELECT embedder, molecule, n_sequences, kind, dim, pretrained, n_truncated FROM embeddings"
    ).fetchall()
    assert embedding == ("e1", "rna", 3, "onehot", 4, False, 1)
    columns = [c[0] for c in con.execute("DESCRIBE embedding_sequences").fetchall()]
    assert columns == ["embedder", "molecule", "sha256", "length", "n_windows"]  # no vectors
    assert con.execute("SELECT DISTINCT stage FROM rnainter_rows ORDER BY 1").fetchall() == [
        ("capped",),
        ("mapped",),
    ]
    metrics = con.execute("SELECT model, auroc FROM metrics ORDER BY model").fetchall()
    assert metrics == [("m1", 0.5), ("m2", 1.0)]


def test_rnainter_rows_join_the_ingested_table_by_row(built):
    """The stage files carry the row number and orientation; categories come from the raw row."""
    _, con = built
    per_stage = con.execute(
        "SELECT stage, if(reoriented, Category2, Category1) AS rna_category, count(*), "
        "min(RNAInterID) FROM rnainter_rows JOIN rnainter_raw USING (row) GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert per_stage == [
        ("capped", "lncRNA", 3, "RP2"), ("capped", "snoRNA", 3, "RP3"),
        ("mapped", "lncRNA", 3, "RP2"), ("mapped", "snoRNA", 3, "RP3"),
    ]  # fmt: skip


def test_rnainter_steps_keep_their_order_and_reasons(built):
    _, con = built
    steps = con.execute(
        "SELECT stage, step_order, step, rows_in, rows_out, dropped, reasons, "
        "CAST(record ->> 'reoriented' AS INTEGER) FROM rnainter_steps ORDER BY step_order"
    ).fetchall()
    assert steps == [
        ("mapped", 1, "rna_protein", 10, 9, 1, {"no protein interactor": 1}, 2),
        ("mapped", 2, "species", 9, 6, 3,
         {"rna species Mus musculus": 2, "protein species Mus musculus": 1}, None),
        ("capped", 3, "cap", 6, 6, 0, {}, None),
    ]  # fmt: skip
    reasons = con.execute(
        "SELECT step, reason, dropped FROM rnainter_step_reasons ORDER BY step_order, dropped"
    ).fetchall()
    assert reasons == [
        ("rna_protein", "no protein interactor", 1),
        ("species", "protein species Mus musculus", 1),
        ("species", "rna species Mus musculus", 2),
    ]


def test_a_table_without_files_gets_no_view(run_dir, monkeypatch):
    monkeypatch.chdir(run_dir)
    tables = tables_of(run_dir, rnainter=False)
    del tables["confusion"]  # left out and given no file alike
    views = write_catalog(CATALOG, tables)
    assert not any(v.startswith("rnainter") for v in views)
    with duckdb.connect(CATALOG, read_only=True) as con:
        absent = con.execute("SELECT name FROM catalog WHERE NOT present").fetchall()
        assert {
            "rnainter_raw",
            "rnainter_rows",
            "rnainter_steps",
            "rnainter_step_reasons",
            "confusion",
        } <= {name for (name,) in absent}
        with pytest.raises(duckdb.CatalogException, match="rnainter_steps"):
            con.execute("SELECT * FROM rnainter_steps")


def test_the_catalog_moves_with_the_workflow_folder(run_dir, tmp_path, monkeypatch):
    """Paths are relative to the workflow directory: the folder moves as a whole; opened from
    elsewhere, the views find their files through DuckDB's file_search_path only."""
    monkeypatch.chdir(run_dir)
    write_catalog(CATALOG, tables_of(run_dir))
    moved = tmp_path / "moved"
    shutil.move(run_dir, moved)
    monkeypatch.chdir(moved)
    with duckdb.connect(CATALOG, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM predictions").fetchall() == [(16,)]
    monkeypatch.chdir(tmp_path)
    with duckdb.connect(str(moved / CATALOG), read_only=True) as con:
        with pytest.raises(duckdb.IOException, match="results/predictions/tiny/random/m1"):
            con.execute("SELECT count(*) FROM predictions").fetchall()
        con.execute(f"SET file_search_path = '{moved}'")
        assert con.execute("SELECT count(*) FROM dataset_pairs").fetchall() == [(8,)]


def test_the_catalog_is_built_from_any_working_directory_with_root(run_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    absolute = {n: [str(run_dir / f) for f in files] for n, files in tables_of(run_dir).items()}
    write_catalog(run_dir / CATALOG, absolute, root=run_dir)
    monkeypatch.chdir(run_dir)
    with duckdb.connect(CATALOG, read_only=True) as con:
        (sql,) = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'splits'").fetchone()
        assert "'results/splits/tiny/random.parquet'" in sql and str(run_dir) not in sql
        assert con.execute("SELECT count(*) FROM splits").fetchall() == [(16,)]


def _leftovers(run_dir) -> list[str]:
    return sorted(p.name for p in (run_dir / "results").iterdir() if p.is_file())


def test_a_missing_file_is_named_and_the_catalog_is_left_as_it_was(run_dir, monkeypatch):
    monkeypatch.chdir(run_dir)
    write_catalog(CATALOG, tables_of(run_dir))
    before = (run_dir / CATALOG).read_bytes()
    tables = tables_of(run_dir)
    tables["predictions"].append("results/predictions/tiny/random/m3.parquet")
    with pytest.raises(FileNotFoundError, match="predictions: results/predictions/tiny/random/m3"):
        write_catalog(CATALOG, tables)
    assert (run_dir / CATALOG).read_bytes() == before
    assert _leftovers(run_dir) == ["catalog.duckdb"]


def test_a_file_duckdb_cannot_read_leaves_no_half_catalog(run_dir, monkeypatch):
    monkeypatch.chdir(run_dir)
    (run_dir / "results/predictions/tiny/random/m2.parquet").write_bytes(b"not parquet")
    with pytest.raises(ValueError, match="catalog view predictions"):
        write_catalog(CATALOG, tables_of(run_dir))
    assert _leftovers(run_dir) == []  # neither the catalog nor a temporary file or WAL


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"no_such_table": ["results/x.tsv"]}, "unknown catalog tables \\['no_such_table'\\]"),
        (
            {"splits": ["results/splits/tiny/random.identity.parquet"]},
            "splits: results/splits/tiny/random.identity.parquet does not fit "
            "results/splits/{dataset}/{split}.parquet",
        ),
        ({"metrics": ["/elsewhere/metrics.tsv"]}, "outside the workflow directory"),
        ({"metrics": ["../results/summary/metrics.tsv"]}, "outside the workflow directory"),
    ],
)
def test_inputs_that_do_not_fit_are_refused(run_dir, monkeypatch, change, message):
    monkeypatch.chdir(run_dir)
    with pytest.raises(ValueError, match=message):
        write_catalog(CATALOG, {**tables_of(run_dir), **change})
    assert not (run_dir / CATALOG).exists()


def test_a_glob_reads_every_file_it_matches(run_dir, monkeypatch):
    monkeypatch.chdir(run_dir)
    write_catalog(CATALOG, {"predictions": ["results/predictions/*/*/*.parquet"]})
    with duckdb.connect(CATALOG, read_only=True) as con:
        models = con.execute("SELECT DISTINCT model FROM predictions ORDER BY 1").fetchall()
        assert models == [("m1",), ("m2",)]
    write_catalog(CATALOG, {"metrics": "results/summary/metrics.tsv"})  # one path, not a list
    with duckdb.connect(CATALOG, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM metrics").fetchall() == [(2,)]
    with pytest.raises(FileNotFoundError, match="results/nothing/\\*.parquet matches no file"):
        write_catalog(CATALOG, {"predictions": ["results/nothing/*.parquet"]})


# --------------------------------------------------------------------------------------------
# what the workflow gives rule catalog


@pytest.fixture(scope="module")
def default():
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    validate(config, str(REPO / "workflow/schemas/config.schema.yaml"))
    return config


def test_the_catalog_reads_what_the_run_writes(default):
    config = copy.deepcopy(default)
    inputs = cfg.catalog_inputs(config)
    assert set(inputs) <= set(TABLES)
    assert cfg.CATALOG == CATALOG and CATALOG in cfg.final_targets(config)
    # one predictions file per metrics file (the rows of metrics.tsv)
    metrics = cfg.metric_files(config)
    assert sorted(inputs["predictions"]) == sorted(
        m.replace("results/metrics/", "results/predictions/").replace(".json", ".parquet")
        for m in metrics
    )
    assert len(inputs["dataset_pairs"]) == len(config["targets"]["datasets"])
    assert "results/pairs/rpi369_rnainteract.parquet" not in inputs["pairs"]  # derived: its base's
    assert inputs["embeddings"] == [  # those of rpi369's view models (config order)
        "results/embeddings/esm2_t6_8m/protein.parquet",
        "results/embeddings/rnafm/rna.parquet",
        "results/embeddings/biobert/rna.parquet",
    ]
    assert not {"rnainter_raw", "rnainter_rows", "rnainter_steps", "ppi_metrics"} & set(inputs)
    for name, files in inputs.items():
        for path in files:
            assert re.search(TABLES[name].regex, path), (name, path)
    config["targets"].update(rnainter=True, ppi=["pan"], rbp=[], mirna=False)
    inputs = cfg.catalog_inputs(config)
    assert inputs["rnainter_steps"] == [
        f"results/rnainter/steps/{s}.counts.json" for s in cfg.RNAINTER_STAGES
    ]
    assert inputs["rnainter_raw"] == ["results/rnainter/raw.parquet"]
    assert "results/pairs/rnainter.parquet" in inputs["pairs"]
    assert "ppi_metrics" in inputs and "multilabel_metrics" not in inputs
    assert not any("miraw" in p or "aura" in p for p in inputs["predictions"])


def test_the_rnainter_stages_are_those_rnainter_smk_writes():
    text = (REPO / "workflow/rules/rnainter.smk").read_text()
    written = re.findall(r'counts="results/rnainter/steps/(\w+)\.counts\.json"', text)
    assert written == list(cfg.RNAINTER_STAGES)
    for stage in written:
        assert f'table="results/rnainter/steps/{stage}.parquet"' in text


def test_catalog_view_names_are_unique_and_valid_sql_names():
    assert len(CATALOG_VIEWS) == len(set(CATALOG_VIEWS))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", v) for v in CATALOG_VIEWS)
