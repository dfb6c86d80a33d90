"""The prediction files every model writes: one row per (test pair, fold, seed).

Columns (:data:`PREDICTION_COLUMNS`): ``pair_index`` (int64, row of the dataset's pair table),
``fold`` (int16), ``seed`` (int32), ``label`` (int8 0/1), ``score`` (float64, higher = more
likely interacting) and ``pred`` (int8, the model's own decision). Facts about the run (model
``kind``, ``pretrained``: whether its embeddings came from real weights; the label names of a
multi-label task) sit in the Parquet schema metadata under the key ``rnainteract`` as JSON.
"""

from __future__ import annotations

import json
import os

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rnainteract.io.files import atomic_path

PREDICTION_COLUMNS = ["pair_index", "fold", "seed", "label", "score", "pred"]
METADATA_KEY = b"rnainteract"


def write_predictions(
    predictions: pd.DataFrame, out: str | os.PathLike, metadata: dict | None = None
) -> None:
    """Predictions to Parquet (zstd, atomically), with ``metadata`` (JSON) under the schema key
    ``rnainteract`` (e.g. ``pretrained``: whether the embeddings came from real weights)."""
    table = pa.Table.from_pandas(predictions, preserve_index=False)
    if metadata:
        merged = {**(table.schema.metadata or {}), METADATA_KEY: json.dumps(metadata)}
        table = table.replace_schema_metadata(merged)
    with atomic_path(out) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def read_prediction_metadata(path: str | os.PathLike) -> dict:
    """The ``rnainteract`` metadata of a predictions file (``{}`` when it has none)."""
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta.get(METADATA_KEY, b"{}"))
