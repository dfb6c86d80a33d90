"""rnainteract.config: the cross-reference checks and what a config says, on the real default
config (validated against the schema as Snakemake does) and on mutations of it."""

from __future__ import annotations

import copy
import re

import pytest
import yaml
from conftest import REPO
from snakemake.utils import update_config, validate

import rnainteract.config as cfg
from rnainteract.models.registry import EXPLAINED_KINDS, MODEL_FEATURES

SCHEMA = str(REPO / "workflow/schemas/config.schema.yaml")


@pytest.fixture(scope="module")
def default():
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    validate(config, SCHEMA)  # fills the schema defaults, as common.smk does
    return config


@pytest.fixture
def config(default):
    return copy.deepcopy(default)


def test_the_default_and_paper_configs_pass(default):
    cfg.check_config(default)
    paper = copy.deepcopy(default)
    update_config(paper, yaml.safe_load((REPO / "config/paper.yaml").read_text()))
    validate(paper, SCHEMA)
    cfg.check_config(paper)


def _set(config, path, value):
    *parents, last = path.split(".")
    node = config
    for key in parents:
        node = node[key]
    node[last] = value


BAD_REFERENCES = [
    # (key, bad value, the start of the message, which names the key)
    ("datasets.rpi369.inputs.pairs", "nope", "datasets.rpi369.inputs.pairs names unknown source"),
    ("datasets.rpi369_rnainteract.from", "rpi1807_rnainteract", "datasets.rpi369_rnainteract.from"),
    ("annotation.pfam_hmm", "nope", "annotation.pfam_hmm names unknown source 'nope'"),
    ("targets.models", ["rpiseq_rf", "nope"], "targets.models names 'nope', not defined"),
    ("targets.embeddings", ["nope"], "targets.embeddings names 'nope'"),
    ("models.esm2_amps.embedders.rna", "esm2_t6_8m", "models.esm2_amps.embedders.rna names"),
    ("models.esm2_amps.embedders.protein", "nope", "models.esm2_amps.embedders.protein names"),
    ("models.rpiseq_rf.embedders", {"rna": "nope"}, "models.rpiseq_rf.embedders.rna names 'nope'"),
    ("models.rpiseq_rf.embedders", {"dna": "rnafm"}, "models.rpiseq_rf.embedders has key 'dna'"),
    ("rnainter.services.uniprot", {"api_key": "x"}, "rnainter.services.uniprot.api_key is not"),
    ("rnainter.services.ensembl.batch_size", 51, "rnainter.services.ensembl.batch_size is 51"),
    ("models.rpiseq_rf.tune", {"n_trials": 2}, "models.rpiseq_rf.tune applies to neural view"),
    ("models.ae_rf.datasets", ["nope"], "models.ae_rf.datasets names unknown 'nope'"),
    ("ppi.pan.models", ["rpiembeddor"], "ppi.pan.models: 'rpiembeddor' must be a model over"),
    ("ppi.pan.embedder", "rnafm", "ppi.pan.embedder must embed proteins"),
    ("targets.ppi", ["nope"], "targets.ppi names 'nope', not under ppi"),
    ("mirna.models.x_mil", {}, "mirna.models.x_mil: names ending _max/_mil"),
    ("mirna.site_test", ["nope"], "mirna.site_test names unknown source 'nope'"),
    ("rbp.models.cnn_x", {"views": ["rna"]}, "rbp.models.cnn_x: names starting cnn_"),
    ("targets.rbp", ["nope"], "targets.rbp names 'nope', not under rbp.tasks"),
    ("embedders.rnafm.weights", {"model.safetensors": "nope"}, "embedders.rnafm.weights.model"),
    ("targets.final", {"rpi369": ["nope"]}, "targets.final names unknown model 'nope'"),
    ("external.npinter_to_rpi488.test", "nope", "external.npinter_to_rpi488.test names unknown"),
    ("external.npinter_to_rpi488.models", ["ae_rf"],
     "external.npinter_to_rpi488.models: model 'ae_rf' is not trained on 'npinter'"),
    ("datasets.rpi369.sampler", "degree_neutral", "datasets.rpi369.sampler is set but its negat"),
    ("models.degree", {"kind": "rpiseq_rf"}, "models.degree: the name is a shortcut baseline's"),
    ("predict.queries", {"q": {"rna": "a", "protein": "b", "models": ["rpi488/ae_rf"]}},
     "predict.queries.q.models names 'rpi488/ae_rf'; it must be <dataset>/<model> of targets"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "message"), BAD_REFERENCES)
def test_a_bad_reference_is_refused_naming_its_key(config, path, value, message):
    _set(config, path, value)
    with pytest.raises(cfg.ConfigError, match="^config: " + re.escape(message)):
        cfg.check_config(config)


@pytest.mark.parametrize(
    ("path", "value", "allowed"),
    [
        ("targets.models", ["rpiseq_rf", "rpiseq_rff"], "did you mean rpiseq_rf"),
        ("models.ae_rf.datasets", ["rpi36"], "did you mean rpi369?; defined: npinter, rnainter"),
        ("models.rpiembeddor.embedders.rna", "rna_fm", "did you mean rnafm"),
        ("rnainter.services.ensembl", {"tool": "x"}, "allowed: base_url, batch_size, max_req"),
        ("rnainter.services.ensembl.batch_size", 200, "(allowed: 1 to 50)"),
        ("annotation.rfam_cm", "zzz", "; defined: aura_utrs, biobert_config, biobert_model"),
    ],
)
def test_a_config_error_names_the_allowed_values(config, path, value, allowed):
    _set(config, path, value)
    with pytest.raises(cfg.ConfigError) as info:
        cfg.check_config(config)
    assert allowed in str(info.value)


def test_without_the_key_rnainter_excludes_the_documented_categories(config):
    """README and config/config.yaml: mRNA, unknown and unspecified are dropped (App. B.4)."""
    from rnainteract.sources import rnainter_sql as rnainter

    documented = ["mRNA", "unknown", "unspecified"]
    assert config["rnainter"]["exclude_rna_categories"] == documented  # config/config.yaml
    raw = yaml.safe_load((REPO / "config/config.yaml").read_text())
    del raw["rnainter"]["exclude_rna_categories"]
    validate(raw, SCHEMA)  # the schema default
    assert raw["rnainter"]["exclude_rna_categories"] == documented
    del raw["rnainter"]["exclude_rna_categories"]  # and the code default
    steps = dict(cfg.rnainter_row_steps(raw))
    assert steps["categories"]["exclude_rna_categories"] == documented
    assert list(rnainter.EXCLUDED_RNA_CATEGORIES) == documented == list(cfg.EXCLUDED_RNA_CATEGORIES)


def test_targets_mirna_without_a_mirna_section_is_refused(config):
    del config["mirna"]
    with pytest.raises(ValueError, match="targets.mirna is true but there is no `mirna` section"):
        cfg.check_config(config)


def test_a_derived_dataset_uses_its_base(config):
    assert cfg.base_dataset(config, "rpi369_rnainteract") == "rpi369"
    assert cfg.base_dataset(config, "rpi369") == "rpi369"
    assert cfg.negatives_settings(config, "rpi369")["seed"] == 0  # given: seed fixed
    assert cfg.negatives_settings(config, "rpi369_rnainteract") == {
        "method": "rnainteract",
        "seed": config["negatives"]["seed"],
        "fallback": config["negatives"]["fallback"],
        "sampler": "paper",
    }
    # the dataset's own sampler over negatives.sampler
    assert cfg.negatives_settings(config, "rpi369_rnainteract_neutral")["sampler"] == (
        "degree_neutral"
    )
    assert cfg.base_dataset(config, "rpi369_rnainteract_neutral") == "rpi369"


def test_what_a_model_reads(config):
    features = cfg.model_inputs(config, "xrpi", "rpi369_rnainteract")
    assert features == {
        "rna_features": "results/features/rpi369/rna_kmer1to4.parquet",
        "protein_features": "results/features/rpi369/protein_ctriad1to3.parquet",
    }
    views = cfg.model_inputs(config, "multimodal_mlp", "rpi369")
    rna, protein = (config["models"]["multimodal_mlp"]["embedders"][m] for m in ("rna", "protein"))
    assert views == {
        "rna_fasta": "results/sequences/rpi369/rna.fasta",
        "protein_fasta": "results/sequences/rpi369/proteins.fasta",
        "rna__cls": f"results/embeddings/{rna}/rna.parquet",
        "rna__rna_tabular": "results/features/rpi369/rna_tabular.parquet",
        "protein__mean": f"results/embeddings/{protein}/protein.parquet",
    }
    # the one-hot ablation reads the sequences only
    assert set(cfg.model_inputs(config, "rpiembeddor_onehot", "rpi369")) == {
        "rna_fasta",
        "protein_fasta",
    }
    feature = cfg.model_names(config, feature=True)
    assert set(feature) == {m for m, s in config["models"].items() if s["kind"] in MODEL_FEATURES}
    assert not set(feature) & set(cfg.model_names(config, feature=False))


def test_predictions_of_a_dataset_split_are_those_of_the_models_trained_on_it(config):
    rpi369 = cfg.split_predictions(config, "rpi369", "random")
    assert set(rpi369) == set(config["targets"]["models"])  # the embedding models run on rpi369
    rpi488 = cfg.split_predictions(config, "rpi488", "rna_family")
    assert set(rpi488) == {
        m for m in config["targets"]["models"] if "datasets" not in config["models"][m]
    }
    assert rpi488["xrpi"] == "results/predictions/rpi488/rna_family/xrpi.parquet"
    gene = cfg.split_predictions(config, "miraw_gene", "balanced10")
    assert {m for m in gene if m.startswith("seed_")} and all(
        m.endswith(("_max", "_mil")) or m.startswith("seed_") for m in gene
    )
    rbp = cfg.split_predictions(config, "aura_rbp8", "random")
    assert list(rbp)[:3] == ["cnn_rna", "cnn_amino", "cnn_dipeptide"]


def test_embedding_jobs_ask_for_weights_only_when_they_can_be_had(config, tmp_path):
    inputs = cfg.embed_inputs(config, "rnafm", "rna")
    users = {model for model, _, _ in cfg.embedder_users(config, "rnafm")}
    assert users and inputs["fastas"] == ["results/sequences/rpi369/rna.fasta"]
    assert "weights" not in inputs  # no weight file here and random init allowed
    config["embedding"]["allow_random_init"] = False
    assert cfg.embed_inputs(config, "rnafm", "rna")["weights"] == "resources/weights/rnafm"
    config["targets"]["ppi"] = ["pan"]
    proteins = cfg.embed_inputs(config, "esm2_t6_8m", "protein")["fastas"]
    assert proteins[-1] == "results/ppi/pan/proteins.fasta"
    # per-token tables only for embedders whose users read tokens
    assert cfg.embed_options(config, config["models"]["rpiembeddor"]["embedders"]["rna"])[
        "per_token"
    ]


def test_sources_resolve_to_the_first_mirror_holding_them(config, tmp_path):
    name = "rpi369_pairs"
    path = config["sources"][name]["path"]
    config["mirror_dirs"] = [str(tmp_path / "empty"), str(tmp_path / "mirror")]
    assert cfg.source_path(config, name) == f"resources/sources/{path}"
    (tmp_path / "mirror" / path).parent.mkdir(parents=True)
    (tmp_path / "mirror" / path).write_text("x")
    assert cfg.source_path(config, name) == str(tmp_path / "mirror" / path)
    assert cfg.source_by_path(config, path)["name"] == name
    with pytest.raises(ValueError, match="no source in config has path 'x/y'"):
        cfg.source_by_path(config, "x/y")


def test_final_targets_follow_the_enabled_branches(config):
    targets = cfg.final_targets(config)
    importance = [t for t in targets if t.endswith(".importance.png")]
    explained = [
        m for m in config["targets"]["models"] if config["models"][m]["kind"] in EXPLAINED_KINDS
    ]
    assert explained and len(importance) == sum(len(cfg.model_splits(config, m)) for m in explained)
    assert len(importance) < len(explained) * len(config["targets"]["splits"])  # models.*.splits
    assert "results/figures/miraw_gene/balanced10.roc.png" in targets
    assert "results/summary/multilabel_metrics.tsv" in targets
    assert "results/summary/ppi_metrics.tsv" not in targets
    config["targets"].update(mirna=False, rbp=[], ppi=["pan"])
    targets = cfg.final_targets(config)
    assert not any("miraw" in t or "multilabel" in t for t in targets)
    assert "results/summary/ppi_metrics.tsv" in targets
    t = config["targets"]
    n_baselines = len(t["datasets"]) * len(t["splits"]) * len(t["baselines"])
    assert len(t["baselines"]) == 5 and len(cfg.metric_files(config)) == n_baselines + sum(
        len(cfg.model_datasets(config, m)) * len(cfg.model_splits(config, m)) for m in t["models"]
    )
    assert cfg.model_splits(config, "rpiseq_rf") == t["splits"]
    assert cfg.model_splits(config, "ipminer") == [
        "random",
        "rna_family",
        "protein_cold",
        "both_cold",
    ]
    on_id_cold = cfg.split_predictions(config, "rpi369", "rna_cold_id")
    assert "rpiseq_rf" in on_id_cold and not on_id_cold.keys() & {"ipminer", "esm2_amps"}
    assert cfg.SHORTCUTS in targets
    assert [p for p in targets if p.endswith("ladder.png")] == [
        f"results/figures/{d}/ladder.png" for d in t["datasets"]
    ]
    inputs = cfg.baseline_inputs(config, "rpi369_rnainteract")  # its base's tables
    assert inputs == {
        "rna_features": "results/features/rpi369/rna_kmer4.parquet",
        "protein_features": "results/features/rpi369/protein_ctriad3.parquet",
        "rna_identity": "results/identity/rpi369/rna.parquet",
        "protein_identity": "results/identity/rpi369/proteins.parquet",
    }
    config["targets"]["baselines"] = ["degree"]
    assert cfg.baseline_inputs(config, "npinter") == {}
    config["targets"]["baselines"] = []
    assert not any("shortcuts" in p or "ladder" in p for p in cfg.final_targets(config))


def test_final_models_external_sets_and_queries_are_targets(config):
    targets = cfg.final_targets(config)
    cards = [t for t in targets if t.startswith("results/final/")]
    assert len(cards) == 5 * 4 + 6 and "results/final/npinter/rpiseq_rf/card.json" in cards
    assert "results/final/rpi369/rpiembeddor/card.json" in cards
    assert cfg.EXTERNAL_METRICS in targets
    assert set(cfg.external_score_files(config)) == {
        (name, model)
        for name in ("npinter_to_rpi488", "rpi2241_to_rpi369")
        for model in ("rpiseq_rf", "rpiseq_svm", "ipminer", "xrpi")
    }
    config["predict"]["queries"] = {
        "mine": {"rna": "r.fa.gz", "protein": "p.fa.gz", "models": ["npinter/rpiseq_rf"]}
    }
    cfg.check_config(config)
    assert "results/predict/mine/npinter.rpiseq_rf.tsv" in cfg.final_targets(config)
    # narrowing the targets narrows the final models and the external sets alike
    config["targets"]["datasets"] = ["rpi369", "rpi488"]
    feature_models = ["rpiseq_rf", "rpiseq_svm", "ipminer", "xrpi"]
    view_models = ["rpiembeddor", "multimodal_mlp", "esm2_amps", "esm2_amp_cse", "esm2_dpm"]
    assert cfg.final_models(config) == [
        *[("rpi369", m) for m in (*feature_models, *view_models, "ae_rf")],
        *[("rpi488", m) for m in feature_models],
    ]
    assert cfg.external_sets(config) == {}
    assert not any("external" in t for t in cfg.final_targets(config))
    config["predict"]["queries"]["mine"]["models"] = ["npinter/rpiseq_rf"]
    with pytest.raises(cfg.ConfigError, match="predict.queries.mine.models names 'npinter/"):
        cfg.check_config(config)


def test_rnainter_steps_and_services(config):
    steps = dict(cfg.rnainter_row_steps(config))
    assert steps["categories"]["exclude_rna_categories"] == ["mRNA", "unknown", "unspecified"]
    config["rnainter"]["services"] = {"retries": 7, "uniprot": {"batch_size": 50, "base_url": None}}
    assert cfg.rnainter_service(config, "uniprot") == {"retries": 7, "batch_size": 50}
    assert cfg.rnainter_service(config, "mirbase") == {}
    lists = cfg.rnainter_id_lists(config)
    assert len(lists) == 2 * len(cfg.rnainter_databases(config))


def test_the_config_names_agree_with_the_layers_they_name():
    """The names the workflow plans with are the ones the library uses (kept apart so that
    planning imports no scikit-learn or torch)."""
    from rnainteract.dataset.splits import SPLITS
    from rnainteract.models.neural.mirna_target import MIRNA_LENGTH, SITE_LENGTH
    from rnainteract.sources.download import CACHE_DIR
    from rnainteract.tasks.mirna import data, train
    from rnainteract.tasks.rbp.views import VIEW_NAMES

    assert cfg.SPLIT_NAMES == list(SPLITS)
    assert cfg.MIRNA_SPLITS == {
        "miraw_site": list(train.SITE_SPLITS),
        "miraw_gene": [train.GENE_SPLIT],
    }
    assert cfg.RBP_VIEWS == list(VIEW_NAMES)
    assert cfg.SOURCE_CACHE == CACHE_DIR
    from rnainteract.config.checks import ENSEMBL_MAX_BATCH, FINAL_KINDS, SERVICE_OPTIONS
    from rnainteract.models.persist import FORMATS

    assert set(FINAL_KINDS) == set(FORMATS)
    from rnainteract.sources.seqclients import http

    assert ENSEMBL_MAX_BATCH == http.ENSEMBL_MAX_POST_IDS
    for service, allowed in SERVICE_OPTIONS.items():
        http.resolve_options(service, dict.fromkeys(allowed))  # every option is accepted
        with pytest.raises(ValueError, match="unknown option"):
            http.resolve_options(service, {"not_an_option": 1})
        client = set(http.DEFAULT_OPTIONS[service]) | set(
            http.NCBI_ONLY_OPTIONS if service == "ncbi" else ()
        )
        assert set(allowed) == client
    assert (MIRNA_LENGTH, SITE_LENGTH) == (data.MIRNA_LENGTH, data.SITE_LENGTH)


def test_embedder_weights_are_read_by_embedding_and_scoring_rules_alike(config):
    """cfg.embed_weights decides for rule embed and for the final models' scoring rules: the
    weights are read when the embedder has weight files and they are on disk or a random init
    is not allowed (then downloaded first); an embedder without weight files is random-init."""
    missing = cfg.missing_weights(config, "esm2_t6_8m")
    assert missing and not cfg.embed_weights(config, "esm2_t6_8m")  # random-init here
    assert "weights" not in cfg.embed_inputs(config, "esm2_t6_8m", "protein")
    config["embedding"]["allow_random_init"] = False
    assert cfg.embed_weights(config, "esm2_t6_8m")  # to be downloaded, then read
    assert cfg.embed_inputs(config, "esm2_t6_8m", "protein")["weights"].endswith("esm2_t6_8m")
    config["embedders"]["esm2_t6_8m"].pop("weights")
    assert not cfg.embed_weights(config, "esm2_t6_8m")


def test_a_model_without_target_splits_gets_no_final_model(config):
    config["models"]["esm2_amps"]["splits"] = ["protein_cold"]  # tuned; not a target split
    config["targets"]["splits"] = ["random", "rna_family"]
    assert ("rpi369", "esm2_amps") not in cfg.final_models(config)
    assert ("rpi369", "esm2_dpm") in cfg.final_models(config)
