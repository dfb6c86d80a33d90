"""A dataset release: a citable, checksummed folder (and ``.tar.gz``) that others can verify.

Rule ``release`` writes ``results/release/{dataset}/`` (layout in README, "Publishing a rebuilt
dataset"):

=========================  ======================================================================
``pairs.parquet``          the dataset table with ``pair_index`` (annotation, negatives,
                           categories, clusters)
``pairs.tsv.gz``           the same as gzipped TSV (gzip header without a time stamp)
``rna.fasta``              the RNA sequences of the pairs (as normalized by the pipeline)
``proteins.fasta``         the protein sequences of the pairs
``splits/<split>.tsv``     every split: ``pair_index``, ``rna_id``, ``protein_id``, ``label``,
                           ``fold``, ``partition``
``splits/<split>.leakage.json``  the split's leakage report
``card.html/.json``, ``heatmap.png``  the dataset card (RNAInterAct Tables 1, 5-7, Figs 5-6)
``README.md``              the datasheet (Gebru et al. 2021, "Datasheets for Datasets")
``sources.lock.json``      the source lock restricted to the sources this dataset used
``config.yaml``            the configuration sections that built it
``provenance.json``        rnainteract version, git commit (and whether the tree was clean)
``rebuild.yaml``           a config snippet that rebuilds the dataset from this folder
``datapackage.json``       Frictionless Data Package (every file with bytes and SHA-256)
``croissant.json``         Croissant 1.0 JSON-LD (mlcroissant)
``SHA256SUMS``             ``sha256sum -c`` format, every other file
=========================  ======================================================================

Nothing in a release depends on the time of the build or the machine's paths (the lock part
records when a *downloaded* source was fetched), so two builds from the same sources give the same
bytes, tarball included. :func:`verify_release` (``rnainteract verify-release``)
checks a folder or tarball.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import yaml

from rnainteract.dataset.datasheet import datasheet
from rnainteract.dataset.descriptors import croissant, datapackage
from rnainteract.io.fasta import read_fasta, write_fasta
from rnainteract.io.files import _current_umask, atomic_path, sha256_file, write_json
from rnainteract.sources.lock import source_record, write_lock

log = logging.getLogger(__name__)

SUMS = "SHA256SUMS"
SPLIT_COLUMNS = ["pair_index", "rna_id", "protein_id", "label", "fold", "partition"]


class ReleaseError(ValueError):
    """A release folder fails verification (checksums, descriptors), or cannot be built."""


def git_state(directory: str | os.PathLike) -> dict:
    """``{"commit": <sha or None>, "clean": <bool or None>}`` of the git work tree holding
    ``directory`` (``None`` outside git or without the git binary)."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(directory), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "clean": None}
    return {"commit": commit, "clean": not status.strip()}


def _write_tsv_gz(table: pd.DataFrame, path: Path) -> None:
    text = table.to_csv(sep="\t", index=False, lineterminator="\n")
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as handle,
    ):
        handle.write(text.encode())


def _split_table(table: pd.DataFrame, split: pd.DataFrame, path: str) -> pd.DataFrame:
    unknown = ~split.pair_index.isin(table.pair_index)
    if unknown.any():
        raise ReleaseError(
            f"{path}: pair_index {int(split.pair_index[unknown].iloc[0])} is not a row of the "
            "dataset table (split of another dataset?)"
        )
    named = split.merge(
        table[["pair_index", "rna_id", "protein_id", "label"]], on="pair_index", how="left"
    )
    return named[SPLIT_COLUMNS]


def build_release(
    dataset: str,
    *,
    pairs: str | os.PathLike,
    rna_fasta: str | os.PathLike,
    protein_fasta: str | os.PathLike,
    splits: Mapping[str, tuple[str, str]],
    card: Mapping[str, str],
    pair_stats: str | os.PathLike,
    sources: Mapping[str, Mapping],
    mirror_dirs: Sequence[str],
    cache_dir: str,
    config: Mapping,
    info: Mapping,
    version: str,
    workflow_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    out_tarball: str | os.PathLike,
) -> dict:
    """Rule ``release``: write the release folder of a dataset, then its ``.tar.gz``.

    Args:
        pairs: the dataset table (``results/datasets/{dataset}/pairs.parquet``).
        rna_fasta, protein_fasta: the sequences of its base dataset.
        splits: split name → (split table Parquet, leakage report JSON).
        card: ``html``, ``json``, ``heatmap`` → the dataset card's files.
        pair_stats: the parser's stats (cleaning counts) of the base dataset.
        sources: the config entries of the dataset's sources; ``mirror_dirs``, ``cache_dir``:
            where they are. Their lock records (without the local mirror path) are the
            release's ``sources.lock.json``, the same as in the run's lock.
        config: the config sections that built it (written as ``config.yaml``).
        info: ``homepage``, ``citation``, ``license`` of the release (config ``release``; each
            may be None: no homepage, a generic citation, "the sources' own terms").
        version: rnainteract's version; ``workflow_dir``: the checkout (for the git commit).
        out_dir: the release folder (written in a temporary folder beside it, then renamed).
        out_tarball: the ``.tar.gz`` (atomic; entries sorted, owner and time stamps zeroed).

    Returns:
        ``{"files": {relative path: size}, "sha256sums": sha256 of SHA256SUMS}``.

    Raises:
        ReleaseError: a split refers to a pair the table lacks, or a pair's sequence is missing.
        LockError: a source of the dataset is on no disk.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        summary = _write_folder(
            tmp,
            dataset,
            pairs=pairs,
            rna_fasta=rna_fasta,
            protein_fasta=protein_fasta,
            splits=splits,
            card=card,
            pair_stats=pair_stats,
            sources=sources,
            mirror_dirs=mirror_dirs,
            cache_dir=cache_dir,
            config=config,
            info=info,
            version=version,
            workflow_dir=workflow_dir,
        )
        os.chmod(tmp, 0o777 & ~_current_umask())  # mkdtemp makes 0700
        os.replace(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    write_tarball(out_dir, out_tarball)
    return summary


def _write_folder(root: Path, dataset: str, **kw) -> dict:
    table = pd.read_parquet(kw["pairs"])
    table.insert(0, "pair_index", table.index.to_numpy().astype("int64"))
    table = table.reset_index(drop=True)
    table.to_parquet(root / "pairs.parquet", index=False)
    _write_tsv_gz(table, root / "pairs.tsv.gz")
    for molecule, source, id_col in (
        ("rna", kw["rna_fasta"], "rna_id"),
        ("proteins", kw["protein_fasta"], "protein_id"),
    ):
        sequences = read_fasta(source)
        ids = list(dict.fromkeys(table[id_col]))
        missing = [i for i in ids if i not in sequences]
        if missing:
            raise ReleaseError(f"{source}: no sequence for {len(missing)} id(s), e.g. {missing[0]}")
        write_fasta(((i, sequences[i]) for i in ids), root / f"{molecule}.fasta")
    (root / "splits").mkdir()
    split_tables = {}
    for name, (split_path, leakage_path) in sorted(kw["splits"].items()):
        split = _split_table(table, pd.read_parquet(split_path), str(split_path))
        split.to_csv(root / f"splits/{name}.tsv", sep="\t", index=False, lineterminator="\n")
        shutil.copyfile(leakage_path, root / f"splits/{name}.leakage.json")
        split_tables[name] = split
    for key, rel in (("html", "card.html"), ("json", "card.json"), ("heatmap", "heatmap.png")):
        shutil.copyfile(kw["card"][key], root / rel)
    records = [
        source_record(name, entry, mirror_dirs=kw["mirror_dirs"], cache_dir=kw["cache_dir"])
        for name, entry in kw["sources"].items()
    ]
    for record in records:  # where the mirror was on the building machine is no provenance
        record.pop("mirror")
    lock = write_lock(records, root / "sources.lock.json")
    (root / "config.yaml").write_text(
        f"# The configuration sections that built {dataset} (rnainteract {kw['version']}).\n"
        + yaml.safe_dump(dict(kw["config"]), sort_keys=True)
    )
    write_json(
        {"package": "rnainteract", "version": kw["version"], "dataset": dataset}
        | {f"git_{k}": v for k, v in git_state(kw["workflow_dir"]).items()},
        root / "provenance.json",
    )
    (root / "rebuild.yaml").write_text(rebuild_config(root, dataset, sorted(split_tables)))
    card = json.loads(Path(kw["card"]["json"]).read_text())
    pair_stats = json.loads(Path(kw["pair_stats"]).read_text())
    info = {k: v for k, v in kw["info"].items() if v}
    info.setdefault("citation", f"{dataset}, rebuilt by rnainteract {kw['version']}")
    info.setdefault("license", "the sources' own terms apply (see Collection process)")
    (root / "README.md").write_text(
        datasheet(
            dataset,
            table,
            card,
            pair_stats,
            lock["sources"],
            kw["config"],
            split_tables,
            license=info["license"],
            citation=info["citation"],
        )
    )
    description = (
        f"{dataset}: {len(table)} RNA-protein pairs ({int((table.label == 1).sum())} positive, "
        f"{int((table.label == 0).sum())} negative; negatives: {card['negative_method']}), "
        f"annotated with Rfam families and Pfam clans, with {len(split_tables)} cross-validation "
        "splits and their leakage reports, rebuilt by the rnainteract workflow."
    )
    tables = {"pairs": ("pairs.tsv.gz", table, "pair_index")} | {
        f"split_{name}": (f"splits/{name}.tsv", split, None) for name, split in split_tables.items()
    }
    other = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and str(p.relative_to(root)) not in {rel for rel, _, _ in tables.values()}
    )
    record_sets = {"pairs": ("pairs.parquet", table)} | {
        f"split_{name}": (f"splits/{name}.tsv", split) for name, split in split_tables.items()
    }
    jsonld = croissant(  # first: datapackage.json describes croissant.json too
        root,
        name=f"rnainteract-{dataset}",
        description=description,
        version=kw["version"],
        url=info.get("homepage"),
        cite_as=info["citation"],
        license_text=info["license"],
        record_sets=record_sets,
        files=[*other, "pairs.tsv.gz"],
    )
    write_json(jsonld, root / "croissant.json")
    sources = [{"title": name, "path": record["url"]} for name, record in lock["sources"].items()]
    package = datapackage(
        root,
        name=f"rnainteract-{dataset}".replace("_", "-"),
        title=f"{dataset} (rebuilt by rnainteract {kw['version']})",
        description=description,
        version=kw["version"],
        tables=tables,
        files=[*other, "croissant.json"],
        sources=sources,
        homepage=info.get("homepage"),
        license_text=info["license"],
        citation=info["citation"],
    )
    write_json(package, root / "datapackage.json")
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    lines = [f"{sha256_file(root / rel)}  {rel}\n" for rel in files]
    (root / SUMS).write_text("".join(lines))
    log.info("%s: release of %d files", dataset, len(files) + 1)
    return {
        "files": {rel: (root / rel).stat().st_size for rel in [*files, SUMS]},
        "sha256sums": sha256_file(root / SUMS),
    }


def rebuild_config(root: Path, dataset: str, split_names: Sequence[str]) -> str:
    """The config snippet that rebuilds ``dataset`` from a release folder (``rebuild.yaml``):
    sources for the pair table, the FASTA files and the split tables (at ``<dataset>/...``
    under a mirror directory, with their SHA-256), and a dataset ``<dataset>_release`` that
    reads them with parser ``pairs_tsv``, keeps the given negatives and uses the release's
    splits (``given_splits``). The sources' URLs are ``file:///path/to/<dataset>/<file>``
    placeholders: a release is published as one archive, so a mirror directory must hold the
    unpacked folder."""
    name = f"{dataset}_release"
    files = {"pairs": "pairs.tsv.gz", "rna_fasta": "rna.fasta", "protein_fasta": "proteins.fasta"}
    files |= {f"split_{s}": f"splits/{s}.tsv" for s in split_names}
    sources = {
        f"{name}_{role}": {
            "url": f"file:///path/to/{dataset}/{rel}",
            "path": f"{dataset}/{rel}",
            "sha256": sha256_file(root / rel),
        }
        for role, rel in files.items()
    }
    entry = {
        "parser": "pairs_tsv",
        "inputs": {r: f"{name}_{r}" for r in ("pairs", "rna_fasta", "protein_fasta")},
        "negatives": "given",
        "given_splits": {s: f"{name}_split_{s}" for s in split_names},
    }
    snippet = {"sources": sources, "datasets": {name: entry}}
    return (
        f"# Rebuild {dataset} from this release (dataset {name}): merge this file into your\n"
        "# config and put the folder that holds this release folder first in mirror_dirs (the\n"
        "# sources' `path` is relative to it), from the rnainteract checkout, e.g.\n"
        f"#   snakemake --cores 2 --configfile /path/to/{dataset}/rebuild.yaml \\\n"
        f'#     --config \'mirror_dirs=["/path/to", "../shared/data"]\' \\\n'
        f"#     results/predictions/{name}/random/rpiseq_rf.parquet\n"
        "# The Rfam/Pfam files named in sources.lock.json must be reachable as usual. The\n"
        "# negatives are the released ones (negatives: given); columns of generated negatives\n"
        "# (negative_side, negative_tier) are not rebuilt.\n"
        + yaml.safe_dump(snippet, sort_keys=True)
    )


def write_tarball(folder: str | os.PathLike, out: str | os.PathLike) -> None:
    """Write ``folder`` as a reproducible ``.tar.gz`` (atomic): entries under the folder's name
    in sorted order, owner root, time stamp 0, mode 644/755, gzip header without a time."""
    folder = Path(folder)

    def add(tar: tarfile.TarFile, path: Path) -> None:
        info = tar.gettarinfo(str(path), arcname=str(Path(folder.name) / path.relative_to(folder)))
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        info.mode = 0o755 if path.is_dir() else 0o644
        if path.is_dir():
            tar.addfile(info)
        else:
            with open(path, "rb") as handle:
                tar.addfile(info, handle)

    with atomic_path(out) as tmp, open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                add(tar, folder)
                for path in sorted(folder.rglob("*")):
                    add(tar, path)


def verify_release(path: str | os.PathLike) -> dict:
    """Check a release folder or ``.tar.gz`` (``rnainteract verify-release``).

    Checks: every file listed in ``SHA256SUMS`` exists with that SHA-256 and nothing else is
    in the folder; ``datapackage.json`` passes ``frictionless`` validation (every resource's
    bytes and hash, the tables' schemas row by row); ``croissant.json`` loads with
    ``mlcroissant``, its files' SHA-256 match and its pair records can be read; the sources of
    ``rebuild.yaml`` name the files' SHA-256.

    Returns:
        ``{"files": n, "datapackage": "valid", "croissant": "valid", "pairs": n}``.

    Raises:
        ReleaseError: listing every problem found (file, expected and actual hash, the
            validators' messages).
    """
    path = Path(path)
    if path.is_file() and path.name.endswith((".tar.gz", ".tgz")):
        with tempfile.TemporaryDirectory() as tmp:
            try:
                with tarfile.open(path) as tar:
                    tar.extractall(tmp, filter="data")  # no links or paths out of tmp
            except (tarfile.TarError, OSError, EOFError) as err:
                raise ReleaseError(f"{path}: not a readable .tar.gz: {err}") from None
            roots = [p for p in Path(tmp).iterdir() if p.is_dir()]
            if len(roots) != 1:
                raise ReleaseError(f"{path}: expected one folder in the archive, found {roots}")
            return verify_release(roots[0])
    if not (path / SUMS).is_file():
        raise ReleaseError(f"{path}: no {SUMS}; is it a release folder?")
    problems = _check_sums(path) + _readable("datapackage.json", _check_datapackage, path)
    n_pairs, found = _check_croissant(path)
    problems += found + _readable("rebuild.yaml", _check_rebuild, path)
    if problems:
        raise ReleaseError(f"{path}: release does not verify:\n  " + "\n  ".join(problems))
    n_files = len((path / SUMS).read_text().splitlines())
    return {"files": n_files, "datapackage": "valid", "croissant": "valid", "pairs": n_pairs}


def _readable(name: str, check, root: Path) -> list[str]:
    """``check(root)``'s problems, or one naming ``name`` when it cannot be read."""
    try:
        return check(root)
    except (ValueError, KeyError, TypeError, AttributeError, OSError) as err:
        return [f"{name}: cannot be read: {type(err).__name__}: {err}"]


def _check_rebuild(root: Path) -> list[str]:
    if not (root / "rebuild.yaml").is_file():
        return ["rebuild.yaml: missing"]
    problems = []
    sources = (yaml.safe_load((root / "rebuild.yaml").read_text()) or {}).get("sources", {})
    for name, entry in sources.items():
        rel = Path(*Path(entry["path"]).parts[1:])  # <dataset>/<file> under a mirror directory
        if not (root / rel).is_file():
            problems.append(f"rebuild.yaml: source {name} names {entry['path']}, not in {root}")
        elif sha256_file(root / rel) != entry.get("sha256"):
            problems.append(f"rebuild.yaml: source {name}: sha256 differs from {root / rel}")
    return problems


def _check_sums(root: Path) -> list[str]:
    problems, listed = [], set()
    for number, line in enumerate((root / SUMS).read_text().splitlines(), start=1):
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64 or Path(rel).is_absolute() or ".." in Path(rel).parts:
            problems.append(f"{SUMS}: line {number} is not '<sha256>  <relative path>': {line!r}")
            continue
        listed.add(rel)
        file = root / rel
        if not file.is_file():
            problems.append(f"{rel}: listed in {SUMS} but missing")
        elif (actual := sha256_file(file)) != digest:
            problems.append(f"{rel}: sha256 {actual}, {SUMS} says {digest}")
    present = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} - {SUMS}
    problems += [f"{rel}: in the folder but not in {SUMS}" for rel in sorted(present - listed)]
    return problems


def _check_datapackage(root: Path) -> list[str]:
    from frictionless import validate

    if not (root / "datapackage.json").is_file():
        return ["datapackage.json: missing"]
    report = validate(str(root / "datapackage.json"))
    if report.valid:
        return []
    return [
        f"datapackage.json: {task.name}: {err.type}: {err.message}"
        for task in report.tasks
        for err in task.errors
    ] + [f"datapackage.json: {err.type}: {err.message}" for err in report.errors]


def _check_croissant_files(root: Path) -> list[str]:
    problems = []
    for entry in json.loads((root / "croissant.json").read_text()).get("distribution", []):
        file = root / entry["contentUrl"]
        if not file.is_file():
            problems.append(f"croissant.json: {entry['contentUrl']} missing")
        elif sha256_file(file) != entry.get("sha256"):
            problems.append(f"croissant.json: {entry['contentUrl']}: sha256 differs")
    return problems


def _check_croissant(root: Path) -> tuple[int, list[str]]:
    import mlcroissant as mlc

    if not (root / "croissant.json").is_file():
        return 0, ["croissant.json: missing"]
    problems = _readable("croissant.json", _check_croissant_files, root)
    if problems:
        return 0, problems
    try:
        with contextlib.chdir(root):  # relative content URLs
            ds = mlc.Dataset(jsonld="croissant.json")
            n_pairs = sum(1 for _ in ds.records(record_set="pairs"))
    except Exception as err:  # mlcroissant raises its own ValidationError and others
        return 0, [f"croissant.json: mlcroissant: {type(err).__name__}: {err}"]
    return n_pairs, []


__all__ = [
    "ReleaseError",
    "build_release",
    "git_state",
    "rebuild_config",
    "verify_release",
    "write_tarball",
]
