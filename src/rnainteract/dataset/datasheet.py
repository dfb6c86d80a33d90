"""The datasheet of a dataset release (``README.md``), after Gebru et al. 2021, "Datasheets for
Datasets" (Commun. ACM 64(12)): motivation, composition, collection, preprocessing, uses,
distribution and maintenance, plus the negatives' known shortcuts measured on the release itself.

The shortcut figures are scores that learn nothing about sequences, fitted on the train part of
each fold of the release's ``random`` split and scored on its test part (AUROC, mean over folds):

* **positive rate per molecule** (Bernett, Blumenthal & List 2024, "node degree"): a pair's score
  is the mean of its RNA's and its protein's smoothed positive rate in the train part (the train
  part's positive rate for a molecule it lacks). An AUROC far from 0.5 means that the identity of
  the partners alone predicts the label (below 0.5: predicts it inverted).
* **positive rate per RNA family × protein clan**: the same over the (family, clan) combination.
  RNAInterAct's negatives (App. B.5) are drawn from combinations that never interact, so this
  score separates them well by construction.

(Leave-one-out rates are not used: leaving a pair out lowers its own molecules' rate exactly
when it is positive, which biases the AUROC towards 0.)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import roc_auc_score

NEGATIVE_METHODS = {
    "given": (
        "the negatives as the source published them (in RPI369, RPI2241 and NPInter10412 RNAs "
        "and proteins of the positive pairs paired at random; in RPI488 and RPI1807 the authors' "
        "own non-interacting pairs; in a dataset rebuilt from a release, the released negatives)"
    ),
    "rnainteract": (
        "generated as in RNAInterAct (App. B.5): for every positive pair, one protein from a "
        "Pfam clan never seen interacting with the RNA's family, and one RNA from a family never "
        "seen interacting with the protein's clan (1 positive : 2 negatives)"
    ),
}


def _train_rate(train: pd.DataFrame, test: pd.DataFrame, keys: list[str]) -> np.ndarray:
    prior = float(train["label"].mean())
    grouped = train.groupby(keys, observed=True)["label"].agg(["sum", "size"])
    rate = (grouped["sum"] + prior) / (grouped["size"] + 1)  # one pseudo-pair at the prior
    index = pd.MultiIndex.from_frame(test[keys]) if len(keys) > 1 else pd.Index(test[keys[0]])
    return rate.reindex(index).fillna(prior).to_numpy(dtype=float)


def shortcut_figures(table: pd.DataFrame, split: pd.DataFrame | None) -> dict:
    """Shortcut AUROCs on a random split and molecule counts of a dataset table.

    Args:
        table: pairs with ``pair_index``, ``rna_id``, ``protein_id``, ``label`` (0/1),
            ``family``, ``clan``.
        split: the random split (``pair_index``, ``fold``, ``partition``), or None.

    Returns:
        ``auroc_molecule_rate`` and ``auroc_family_clan_rate`` (mean over folds, 4 decimals;
        None without a random split or where a test part has one class), ``rna_only_positive``
        / ``rna_only_negative`` / ``rna_total`` / ``rna_single_positive`` and the same for
        proteins (molecules whose pairs all have one label; with exactly one positive pair),
        and ``negatives_in_positive_family_clan`` (negative pairs whose family × clan
        combination also occurs among positives) of ``n_negative``.
    """
    y = table["label"].to_numpy()
    out: dict = {"auroc_molecule_rate": None, "auroc_family_clan_rate": None}
    if split is not None:
        molecule, combo = [], []
        pairs = table.set_index("pair_index")
        for _, fold in split.groupby("fold"):
            train = pairs.loc[fold.pair_index[fold.partition == "train"]]
            test = pairs.loc[fold.pair_index[fold.partition == "test"]]
            if test["label"].nunique() < 2:
                molecule = combo = []
                break
            m = _train_rate(train, test, ["rna_id"]) + _train_rate(train, test, ["protein_id"])
            molecule.append(roc_auc_score(test["label"], m))
            combo.append(roc_auc_score(test["label"], _train_rate(train, test, ["family", "clan"])))
        if molecule:
            out["auroc_molecule_rate"] = round(float(np.mean(molecule)), 4)
            out["auroc_family_clan_rate"] = round(float(np.mean(combo)), 4)
    for side, col in (("rna", "rna_id"), ("protein", "protein_id")):
        rates = table.groupby(col)["label"].mean()
        out[f"{side}_only_positive"] = int((rates == 1).sum())
        out[f"{side}_only_negative"] = int((rates == 0).sum())
        out[f"{side}_total"] = len(rates)
        positives = table.groupby(col)["label"].sum()
        out[f"{side}_single_positive"] = int((positives == 1).sum())
    positive_combos = set(map(tuple, table.loc[y == 1, ["family", "clan"]].to_numpy()))
    negatives = table.loc[y == 0, ["family", "clan"]].to_numpy()
    out["negatives_in_positive_family_clan"] = int(
        sum(tuple(row) in positive_combos for row in negatives)
    )
    out["n_negative"] = int((y == 0).sum())
    return out


def _md_table(rows: list[Mapping], columns: list[str]) -> str:
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    return head + "".join(
        "| " + " | ".join(str(r.get(c, "")) for c in columns) + " |\n" for r in rows
    )


def datasheet(
    dataset: str,
    table: pd.DataFrame,
    card: Mapping,
    pair_stats: Mapping,
    sources: Mapping[str, Mapping],
    config: Mapping,
    splits: Mapping[str, pd.DataFrame],
    *,
    license: str,
    citation: str,
) -> str:
    """The release's ``README.md`` (Markdown).

    Args:
        table: the released pair table; card: the dataset card (``card.json``); pair_stats:
            the parser's cleaning counts; sources: the release's lock records; config: the
            config sections that built it; splits: split name → released split table;
            license, citation: the release's terms and how to cite it (config ``release``).
    """
    stats = card["stats"]
    figures = shortcut_figures(table, splits.get("random"))
    n_pos, n_neg = int((table.label == 1).sum()), int((table.label == 0).sum())
    method = card["negative_method"]
    t7 = card["table7"][0]
    split_rows = []
    for name, split in splits.items():
        test = split[split.partition == "test"]
        split_rows.append(
            {
                "split": name,
                "folds": split.fold.nunique(),
                "test pairs (mean per fold)": round(len(test) / max(split.fold.nunique(), 1), 1),
                "file": f"splits/{name}.tsv",
            }
        )
    source_rows = [
        {
            "source": name,
            "URL": r["url"],
            "resolved from": r["resolved_from"],
            "bytes": r["size"],
            "sha256": r["sha256"],
        }
        for name, r in sources.items()
    ]
    family_clan = (
        f"{figures['negatives_in_positive_family_clan']} of {figures['n_negative']} negative "
        "pairs have an RNA family × protein clan combination that also occurs among the "
        "positives"
    )
    shortcut_note = (
        "By construction (App. B.5) no generated negative shares its family × clan combination "
        "with a positive, so a model can separate the classes by recognising combinations rather "
        "than interactions; on splits that hold out whole families or clans the combinations of "
        "the test part are new, and models trained on these negatives have scored below chance "
        "there (rnainteract's metrics.tsv for rpi369_rnainteract). Compare any result with the "
        "two shortcut scores above."
        if method == "rnainteract"
        else "Negatives formed by pairing molecules of the positive set at random leave each "
        "molecule's share of positive pairs as a cue (Bernett et al. 2024 show such a 'node "
        "degree' baseline rivalling published models on random splits). Compare any result "
        "with the two shortcut scores above, and prefer the cold splits."
    )
    low = figures["auroc_molecule_rate"] is not None and figures["auroc_molecule_rate"] < 0.5
    single_note = (
        " (a test positive then leaves its partners no positive in the train part, while a test "
        "negative's partners keep theirs: this is why the score is below 0.5)"
        if low
        else ""
    )
    negatives_how = "kept as published" if method == "given" else "generated family–clan-aware"
    settings = yaml.safe_dump(
        {k: config[k] for k in ("negatives", "splits") if k in config}, sort_keys=True
    ).rstrip()
    return f"""# {dataset}: a rebuilt RNA–protein interaction dataset

Released by the rnainteract workflow. Verify this folder with `rnainteract verify-release
<folder>` (checks `SHA256SUMS`, validates `datapackage.json` with frictionless and
`croissant.json` with mlcroissant).

## Motivation
A benchmark of RNA–protein interaction (RPI) prediction, rebuilt from its public sources the
way the RNAInterAct paper built its data: pairs annotated with Rfam families (Infernal cmscan)
and Pfam clans (HMMER hmmscan), negatives {negatives_how},
and cross-validation splits that are random or homology-cold, each with a leakage report.

## Composition
- {len(table)} pairs: {n_pos} positive (interacting), {n_neg} negative.
- {t7.get("rna", stats.get("n_rna"))} RNAs in {t7.get("rna_groups", "")} RNA families or clusters
  ({t7.get("rna_families", "")} Rfam families); {t7.get("proteins", stats.get("n_proteins"))}
  proteins in {t7.get("protein_groups", "")} clans or clusters ({t7.get("pfam_clans", "")} Pfam
  clans).
- Negatives: {NEGATIVE_METHODS.get(method, method)}.
- One row of `pairs.parquet` / `pairs.tsv.gz` per pair; columns are described in
  `datapackage.json` (Table Schema) and `croissant.json`.

Splits (`splits/<split>.tsv`: `pair_index`, `rna_id`, `protein_id`, `label`, `fold`,
`partition`; the leakage report of each beside it):

{_md_table(split_rows, ["split", "folds", "test pairs (mean per fold)", "file"])}
## Collection process
Every input file is listed below with the URL it stands for and the SHA-256 of the bytes that
were read (`sources.lock.json`). A rebuild of this dataset alone (`targets.datasets` and
`targets.release` naming it, no side branches) with `--config lock=sources.lock.json` refuses any
other bytes of these files.

{_md_table(source_rows, ["source", "URL", "resolved from", "bytes", "sha256"])}
## Preprocessing, cleaning, labelling
- Parser `{pair_stats.get("parser", "")}`; {pair_stats.get("n_rows_read", "")} rows read,
  {pair_stats.get("n_duplicate_rows_removed", 0)} duplicate rows removed,
  {pair_stats.get("n_label_conflict_pairs_dropped", 0)} pairs listed with both labels dropped,
  {pair_stats.get("n_pairs_missing_sequence_dropped", 0)} pairs without a sequence dropped,
  {pair_stats.get("n_pairs_dropped_unknown_letters", 0)} pairs dropped for unknown letters.
- Sequences: RNA in ACGU (T → U) plus N, protein in the 20 amino acids plus X; the policies
  and Rfam/Pfam settings are in `config.yaml`.
- Negatives: {stats.get("n_negative", n_neg)} ({stats.get("n_negative_unfilled", 0)} requested
  negatives could not be filled).

## Known shortcuts of the negatives
Scores that learn nothing from sequences, fitted on the train part of each fold of the random
split and scored on its test part (AUROC, mean over folds; 0.5 is chance, below 0.5 predicts the
label inverted; none without a random split):

- positive rate of the pair's RNA and protein: **{figures["auroc_molecule_rate"]}**;
  {figures["rna_only_positive"]} of {figures["rna_total"]} RNAs occur only in positive pairs,
  {figures["rna_only_negative"]} only in negative pairs; {figures["protein_only_positive"]} of
  {figures["protein_total"]} proteins only in positive, {figures["protein_only_negative"]} only
  in negative pairs;
  {figures["rna_single_positive"]} RNAs and {figures["protein_single_positive"]} proteins have
  exactly one positive pair{single_note};
- positive rate of the pair's RNA family × protein clan: **{figures["auroc_family_clan_rate"]}**;
  {family_clan}.

{shortcut_note}

## Uses
Training and evaluating RPI predictors on identical, leakage-checked folds; reporting results per
split (random vs cold) next to the shortcut scores above. Not for: claims about unseen RNA
families or protein clans from the random split; proteome-wide screening without a calibration
on a realistic class ratio (this set has {n_neg / max(n_pos, 1):.1f} negatives per positive).

## Distribution and citation
Files: `SHA256SUMS` lists every file; `datapackage.json` (Frictionless Data Package) and
`croissant.json` (Croissant 1.0) describe them; `rebuild.yaml` rebuilds the dataset from this
folder; `provenance.json` names the rnainteract version and git commit, `config.yaml` the
settings. Terms of use: {license}. Cite as: {citation}; and cite the sources' papers.

## Maintenance
Rebuild with the rnainteract workflow (`targets.release`); a newer source release gives a new
lock and new checksums, so two releases are compared by their `SHA256SUMS`.

## Settings (from `config.yaml`)
```yaml
{settings}
```
"""
