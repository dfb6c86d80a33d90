"""rnainteract: RNA-protein interaction benchmark data and models as a Snakemake workflow.

The library holds the logic as plain functions on paths and values; the workflow's rule scripts
(``workflow/scripts``) are thin adapters that call one function each, and the rule files
(``workflow/rules``) read the config through :mod:`rnainteract.config`.

The map
-------
The package follows the pipeline's stages (../shared/ARCHITECTURE.md). Each folder is a *layer*;
a layer imports only the layers below it (checked by ``lint-imports``, contracts in
pyproject.toml)::

    config/       what the config says and its checks (the workflow reads it)    top
    tasks/        the branches' steps on files: rpi, ppi, mirna/, rbp/            ↓ imports
    evaluation/   metrics, summary tables, the homology gap, figures              ↓ point
    models/       registry, trainer, inputs, cross-validation, tuning,            ↓ down
                  interpretation; one module per model in classic/ and neural/    ↓
    features/     k-mers, ViennaRNA descriptors, embeddings/ (ESM-2, RNA-FM, ...) ↓
    dataset/      negatives, the dataset table, splits, leakage, cards            ↓
    annotate/     Rfam (cmscan), Pfam (pyhmmer), clusters, pairwise identity      ↓
    sources/      downloads, benchmark parsers, RNAInter, sequence clients        ↓
    io/           atomic files, FASTA, sequence alphabets, predictions, logs      bottom

Beside the layers, reading only io/: ``catalog.py`` writes ``results/catalog.duckdb``, DuckDB
views over the output files of every layer (nothing imports it but its rule script).

Why branches sit where they do: the RNA-protein branch *is* the pipeline, so its pieces live in
the layers (a benchmark parser in sources/, a split in dataset/, a model in models/) and only its
file-to-file training steps are a task (``tasks/rpi.py``). The side branches reuse those layers
and keep in ``tasks/`` what only they need: miRAW parsing and gene windows
(``tasks/mirna/``), AURA multi-label data and MMFA's three views (``tasks/rbp/``), the Pan PPI
data (``tasks/ppi.py``). Their neural models are models like any other (``models/neural/``),
so one trainer and one registry serve every branch; the branches never import each other.

Where to start reading: a rule in ``workflow/rules/<stage>.smk`` names its script; the script
names the one library function it calls. Where the next capabilities belong: final models and
prediction on new sequences are RPI steps (``tasks/rpi.py``) over the registry's estimators and
the prediction files of ``io/predictions.py``; the shortcut baselines (``models/baselines.py``,
named in the registry's ``BASELINES``) write the same prediction files from one job per
dataset × split (``tasks/baselines.py``), and ``evaluation/shortcuts.py`` compares them with the
models; a dataset release packs what ``dataset/``
writes, and its source lock extends ``sources/download.py``.

To add a model
--------------
1. Write ``models/classic/<name>.py`` (a model on feature tables) or ``models/neural/<name>.py``
   (a model on embedding or tabular views): an estimator with ``fit(X, y)`` and
   ``predict_proba(X)`` (``explain(X)`` if it explains itself), and
   ``build_<name>(params, *, seed, threads[, inputs])``. Neural models train with
   :func:`rnainteract.models.trainer.fit`; dataclass estimators inherit
   :class:`~rnainteract.models.trainer.TrainerSettings`.
2. Register it: one :class:`~rnainteract.models.registry.ModelSpec` in
   ``models/registry.py`` (module, builder, the feature sets or views it reads, its
   explanation).

Then use it from the config: an entry ``models.<name>: {kind: <name>, params: ...}`` and the
name in ``targets.models`` (and the kind in the schema's enum,
``workflow/schemas/config.schema.yaml``; a test checks the two agree). The rules, features,
embeddings, splits and metrics need no change.

To add a dataset
----------------
1. In ``config/config.yaml``: a source per file (``sources.<name>``: URL, sha256, path) and a
   dataset (``datasets.<name>``: a parser and its inputs), and its name in ``targets.datasets``.
   A dataset of your own in the ``pairs_tsv`` format (``rna_id protein_id label`` plus two FASTA
   files) needs nothing else; ``from: <dataset>`` with ``negatives: rnainteract`` derives
   RNAInterAct-style negatives from another dataset.
2. Only for a new file format: a parser in ``sources/benchmarks.py`` registered in its
   ``PARSERS`` table (the cleaning, annotation, negatives and splits downstream are shared).
"""

__version__ = "0.1.0"
