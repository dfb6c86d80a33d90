"""Machine-readable descriptions of a dataset release: a Frictionless Data Package and Croissant.

* ``datapackage.json``: a Frictionless Data Package (https://specs.frictionlessdata.io/). Every
  file of the release is a resource with its ``bytes`` and ``hash`` (``sha256:<hex>``), so that
  ``frictionless validate datapackage.json`` checks every file's integrity; the tables (the pair
  table and the split tables, as TSV) carry a Table Schema (field names, types, the 0/1 label,
  ``pair_index`` as primary key) that the validation checks row by row. Files that are not
  tables (FASTA, Parquet, JSON, HTML) are ``type: file`` resources.
* ``croissant.json``: Croissant 1.0 JSON-LD (MLCommons, the ML datasets format), written with
  the ``mlcroissant`` library: one ``FileObject`` per file with its SHA-256, and a ``RecordSet``
  per table whose fields are read from the Parquet pair table and the split TSVs, so that
  ``mlcroissant`` can load the records.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from rnainteract.io.files import sha256_file

# What each column of a release table means (the Table Schema's field descriptions).
FIELD_DESCRIPTIONS = {
    "pair_index": "row of the pair table (0-based); the split tables refer to it",
    "rna_id": "RNA identifier (normalized: upper case, PDB chain ids as XXXX-C)",
    "protein_id": "protein identifier (normalized)",
    "label": "1 = interacting (positive pair), 0 = negative pair",
    "source": "config name(s) of the source file(s) the pair was read from",
    "rna_category": "RNA category (RNAInter's RNA type; unknown for the classic benchmarks)",
    "protein_category": "protein category (RNAInter's; unknown for the classic benchmarks)",
    "family": "RNA family: Rfam accession (cmscan, GA cut-off) or the RNA's cd-hit-est cluster",
    "family_source": "where the family comes from: rfam or cluster",
    "clan": "protein clan: Pfam clan accession (hmmscan, GA cut-off), or Pfam family, or cluster",
    "clan_source": "where the clan comes from: pfam, family or cluster",
    "rna_cluster": "cd-hit-est cluster representative of the RNA",
    "protein_cluster": "MMseqs2 cluster representative of the protein",
    "negative_side": "for a generated negative: which partner of the positive was kept",
    "negative_tier": "for a generated negative: the fallback tier it was drawn from (App. B.5)",
    "fold": "cross-validation fold (0-based)",
    "partition": "train or test part of the fold",
}

_FRICTIONLESS_TYPES = {"i": "integer", "u": "integer", "f": "number", "b": "boolean"}
_CROISSANT_TYPES = {"i": "INTEGER", "u": "INTEGER", "f": "FLOAT", "b": "BOOL"}  # mlc.DataType
MEDIA_TYPES = {
    ".parquet": "application/x-parquet",
    ".tsv": "text/tab-separated-values",
    ".gz": "application/gzip",
    ".fasta": "text/x-fasta",
    ".json": "application/json",
    ".html": "text/html",
    ".png": "image/png",
    ".md": "text/markdown",
    ".yaml": "application/yaml",
}


def _kind(dtype) -> str:
    return getattr(dtype, "kind", "O")


def table_schema(table: pd.DataFrame, *, primary_key: str | None = None) -> dict:
    """A Frictionless Table Schema of a DataFrame as the release writes it to TSV: one field per
    column (integer, number, boolean or string, with a description), ``label`` constrained to
    0/1, empty cells missing."""
    fields = []
    for name, dtype in table.dtypes.items():
        field = {"name": name, "type": _FRICTIONLESS_TYPES.get(_kind(dtype), "string")}
        if name in FIELD_DESCRIPTIONS:
            field["description"] = FIELD_DESCRIPTIONS[name]
        if name == "label":
            field["constraints"] = {"required": True, "enum": [0, 1]}
        elif name in ("rna_id", "protein_id", "pair_index"):
            field["constraints"] = {"required": True}
        fields.append(field)
    schema = {"fields": fields, "missingValues": [""]}
    if primary_key:
        schema["primaryKey"] = [primary_key]
    return schema


def _file_resource(root: Path, rel: str) -> dict:
    path = root / rel
    stem = rel.replace("/", "_").replace(".", "_").lower()
    suffix = "".join(Path(rel).suffixes[-1:])
    resource = {
        "name": stem,
        "path": rel,
        "type": "file",
        "format": suffix.lstrip("."),
        "mediatype": MEDIA_TYPES.get(suffix, "application/octet-stream"),
        "bytes": path.stat().st_size,
        "hash": f"sha256:{sha256_file(path)}",
    }
    return resource


def datapackage(
    root: str | os.PathLike,
    *,
    name: str,
    title: str,
    description: str,
    version: str,
    tables: Mapping[str, tuple[str, pd.DataFrame, str | None]],
    files: Sequence[str],
    sources: Sequence[Mapping],
    homepage: str | None = None,
    license_text: str | None = None,
    citation: str | None = None,
) -> dict:
    """The ``datapackage.json`` descriptor of a release folder.

    Args:
        root: the release folder (files are described by their path relative to it).
        name: package name (lower case, ``-``/``_``/``.`` allowed).
        tables: resource name → (relative path of a gzipped TSV, the DataFrame written to it,
            primary key or None).
        files: relative paths of the other files (described as ``type: file``).
        sources: ``{"title", "path"}`` of each source (name and URL).
        homepage: where the release is published (left out when None).
        license_text: a license URL (written as the license's ``path``) or text (its
            ``title``, name ``notspecified``); citation: how to cite it (``citation``).

    Returns:
        The descriptor (a dict; written by the caller).
    """
    root = Path(root)
    resources = []
    for resource_name, (rel, table, key) in tables.items():
        resource = _file_resource(root, rel) | {  # bytes and hash as for any file
            "name": resource_name,
            "type": "table",
            "format": "tsv",
            "mediatype": "text/tab-separated-values",
            "encoding": "utf-8",
            "dialect": {"delimiter": "\t"},
            "schema": table_schema(table, primary_key=key),
        }
        if rel.endswith(".gz"):
            resource["compression"] = "gz"
        resources.append(resource)
    resources += [_file_resource(root, rel) for rel in files]
    package = {
        "name": name,
        "title": title,
        "description": description,
        "version": version,
        "keywords": ["RNA-protein interaction", "benchmark", "Rfam", "Pfam", "cold split"],
        "sources": [dict(s) for s in sources],
        "resources": resources,
    }
    if homepage:
        package["homepage"] = homepage
    if license_text and license_text.startswith(("http://", "https://")):
        package["licenses"] = [{"path": license_text}]
    elif license_text:  # Open Definition id "notspecified" (a license needs a name or path)
        package["licenses"] = [{"name": "notspecified", "title": license_text}]
    if citation:
        package["citation"] = citation
    return package


def croissant(
    root: str | os.PathLike,
    *,
    name: str,
    description: str,
    version: str,
    url: str | None,
    cite_as: str,
    license_text: str,
    record_sets: Mapping[str, tuple[str, pd.DataFrame]],
    files: Sequence[str],
) -> dict:
    """The Croissant 1.0 JSON-LD of a release folder, built with ``mlcroissant``.

    Args:
        record_sets: record set name → (relative path of a Parquet or TSV file, its DataFrame);
            one field per column, extracted by column name.
        files: relative paths of every other file (FileObjects without a record set).
        url: where the release is published (None: left out); cite_as: citation text;
            license_text: a license URL or text.

    Returns:
        The JSON-LD dict.

    Raises:
        ValueError: mlcroissant reports an error in the metadata (its issue report).
    """
    import mlcroissant as mlc

    root = Path(root)

    def file_object(rel: str) -> mlc.FileObject:
        path = root / rel
        suffix = Path(rel).suffix
        if rel.endswith(".tsv") or rel.endswith(".tsv.gz"):
            suffix = ".tsv"
        return mlc.FileObject(
            id=rel,
            name=rel,
            content_url=rel,
            encoding_formats=[MEDIA_TYPES.get(suffix, "application/octet-stream")],
            sha256=sha256_file(path),
            content_size=f"{path.stat().st_size} B",
        )

    sets, objects = [], {}
    for set_name, (rel, table) in record_sets.items():
        objects[rel] = file_object(rel)
        fields = [
            mlc.Field(
                id=f"{set_name}/{column}",
                name=column,
                description=FIELD_DESCRIPTIONS.get(column, column),
                data_types=[getattr(mlc.DataType, _CROISSANT_TYPES.get(_kind(dtype), "TEXT"))],
                source=mlc.Source(file_object=rel, extract=mlc.Extract(column=column)),
            )
            for column, dtype in table.dtypes.items()
        ]
        sets.append(mlc.RecordSet(id=set_name, name=set_name, fields=fields))
    for rel in files:
        objects.setdefault(rel, file_object(rel))
    metadata = mlc.Metadata(
        name=name,
        description=description,
        version=version,
        url=url,
        cite_as=cite_as,
        license=[license_text],
        distribution=list(objects.values()),
        record_sets=sets,
    )
    if metadata.issues.errors:
        raise ValueError(f"croissant metadata of {root}: {metadata.issues.report()}")
    return metadata.to_json()
