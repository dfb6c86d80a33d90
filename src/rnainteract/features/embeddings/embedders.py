"""Embedders behind one interface: ESM-2, RNA-FM, BioBERT and one-hot.

Every embedder turns a batch of sequences into, per sequence, the residue rows, the start-token
row and the end-token row of one hidden layer (:mod:`rnainteract.features.embeddings.pooling`
explains the layout). Weights are always read from a **local path** (a source resolved by the
workflow); no hub lookup happens at run time.

* ``esm2``: a transformers ``EsmModel`` directory (``config.json``, ``model.safetensors`` or
  ``pytorch_model.bin``, ``vocab.txt``; facebook/esm2_* on Hugging Face) or a fair-esm ``.pt``
  checkpoint (``esm2_t*_UR50D.pt``, with its ``-contact-regression.pt`` beside it; needs the
  ``fair-esm`` package). Input ``<cls> residues <eos>``; window 1022 residues (Lin et al. 2023).
* ``rnafm``: a multimolecule ``RnaFmModel`` directory (multimolecule/rnafm; optional extra,
  imported lazily). ``<cls> nucleotides <eos>``; window 1022 nucleotides (1,024 positions with
  the two special tokens; RNAInterAct App. B.2 caps sequences at 1,024).
* ``biobert``: a transformers ``BertModel`` directory (dmis-lab/biobert-v1.1); the RNA string is
  read as text (WordPiece), as the multimodal seed README does, so its "residue" rows are word
  pieces and ``cls`` is the representation that model uses; inputs over 512 tokens are cut.
* ``onehot``: no model; residue rows are one-hot vectors over ``ACGUN`` (RNA) or the 20 amino
  acids + ``X`` (protein); no window.

A directory written by :func:`save_random_init` carries a marker file, so that its output is
recorded ``pretrained: false``; so is a model built with ``allow_random_init`` when no weights
exist. Random weights are never reported as pretrained.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnainteract.features.embeddings.weights import WeightsError
from rnainteract.io.files import sha256_file

log = logging.getLogger(__name__)

KINDS = ("esm2", "rnafm", "biobert", "onehot")
MOLECULE_OF = {"esm2": "protein", "rnafm": "rna", "biobert": "rna"}
RANDOM_INIT_MARKER = "rnainteract_random_init.json"
#: torch seed of ``allow_random_init`` models: every job (and a resumed job) builds the same
#: random weights, so cached shards and the tables built from them stay consistent.
RANDOM_INIT_SEED = 0
WINDOWS = {"esm2": 1022, "rnafm": 1022, "biobert": None, "onehot": None}  # residues
ONEHOT_ALPHABETS = {"rna": "ACGUN", "protein": "ACDEFGHIKLMNPQRSTVWYX"}


@dataclass
class Embedder:
    """A loaded embedder. ``embed`` maps sequences to ``(residues, cls, eos)`` triples."""

    name: str
    kind: str
    molecule: str
    dim: int
    window: int | None
    pretrained: bool
    weights_sha256: str | None
    layer: int | None
    model: object = None
    tokens: dict = field(default_factory=dict)  # ESM/RNA-FM: letter -> id, plus specials
    tokenizer: object = None  # BioBERT
    device: str = "cpu"

    def metadata(self) -> dict:
        return {
            "embedder": self.name,
            "kind": self.kind,
            "molecule": self.molecule,
            "dim": self.dim,
            "window": self.window,
            "layer": self.layer,
            "pretrained": self.pretrained,
            "weights_sha256": self.weights_sha256,
        }

    def embed(
        self, sequences: list[str]
    ) -> list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]:
        """Hidden-layer rows of each sequence (each no longer than :attr:`window`).

        Returns one ``(residues (L, D) float32, cls (D,) or None, eos (D,) or None)`` per
        sequence, in input order.
        """
        if self.kind == "onehot":
            return [(_onehot(s, self.molecule), None, None) for s in sequences]
        import torch

        with torch.inference_mode():
            if self.kind == "biobert":
                return self._embed_bert(sequences)
            return self._embed_letters(sequences)

    def _embed_letters(self, sequences):
        import torch

        lengths = [len(s) for s in sequences]
        width = max(lengths) + 2
        ids = np.full((len(sequences), width), self.tokens["<pad>"], dtype=np.int64)
        for i, seq in enumerate(sequences):
            unknown = self.tokens["<unk>"]
            ids[i, 0] = self.tokens["<cls>"]
            ids[i, 1 : len(seq) + 1] = [self.tokens.get(c, unknown) for c in seq]
            ids[i, len(seq) + 1] = self.tokens["<eos>"]
        input_ids = torch.from_numpy(ids).to(self.device)
        mask = (input_ids != self.tokens["<pad>"]).long()
        hidden = self._hidden(input_ids, mask).float().cpu().numpy()
        return [
            (hidden[i, 1 : n + 1], hidden[i, 0], hidden[i, n + 1]) for i, n in enumerate(lengths)
        ]

    def _hidden(self, input_ids, mask):
        if self.kind == "esm2" and self.tokens.get("_fair_esm"):
            layer = self.layer if self.layer is not None else self.model.num_layers
            return self.model(input_ids, repr_layers=[layer])["representations"][layer]
        if self.layer is None:  # the last layer: no need to keep every layer's states
            return self.model(input_ids=input_ids, attention_mask=mask).last_hidden_state
        out = self.model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True)
        return out.hidden_states[self.layer]

    def _embed_bert(self, sequences):
        batch = self.tokenizer(
            sequences, padding=True, truncation=True, max_length=512, return_tensors="pt"
        ).to(self.device)
        hidden = self._hidden(batch["input_ids"], batch["attention_mask"]).float().cpu().numpy()
        out = []
        for i, n in enumerate(batch["attention_mask"].sum(dim=1).tolist()):
            out.append((hidden[i, 1 : n - 1], hidden[i, 0], hidden[i, n - 1]))
        return out


def _onehot(sequence: str, molecule: str) -> np.ndarray:
    alphabet = ONEHOT_ALPHABETS[molecule]
    index = {c: i for i, c in enumerate(alphabet)}
    unknown = len(alphabet) - 1  # N / X
    rows = np.zeros((len(sequence), len(alphabet)), dtype=np.float32)
    rows[np.arange(len(sequence)), [index.get(c, unknown) for c in sequence]] = 1.0
    return rows


def _weights_digest(path: Path) -> str:
    """SHA-256 of the weight file (or of the weight files of a directory, in name order)."""
    if path.is_file():
        return sha256_file(path)
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(
        p.name for p in path.iterdir() if p.suffix in (".safetensors", ".bin", ".pt")
    ):
        digest.update(sha256_file(path / name).encode())
    return digest.hexdigest()


def _state_digest(model) -> str:
    """SHA-256 over a model's parameters and buffers (name order): tells random-init models
    apart in the embedding cache key (two architectures, or a seed change, never share rows)."""
    import hashlib

    digest = hashlib.sha256()
    for key, tensor in sorted(model.state_dict().items()):
        digest.update(key.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _letter_vocab(path: Path) -> dict[str, int]:
    vocab = [line.strip() for line in (path / "vocab.txt").read_text().splitlines()]
    return {tok: i for i, tok in enumerate(vocab) if tok}


def load_embedder(
    name: str,
    kind: str,
    weights: str | os.PathLike | None,
    *,
    molecule: str | None = None,
    layer: int | None = None,
    allow_random_init: bool = False,
    random_config: dict | None = None,
    missing_weights: Sequence[str] = (),
    threads: int = 1,
    device: str | None = None,
) -> Embedder:
    """Load an embedder from a local path (see the module docstring for layouts).

    Args:
        weights: local file or directory; None for ``onehot``.
        molecule: ``rna``/``protein`` (needed for ``onehot`` only).
        layer: hidden layer (index into the hidden states, 0 = embeddings); None = last.
        allow_random_init: if the weights do not exist, build the official architecture from
            ``random_config`` (or the official defaults) with random weights, recorded
            ``pretrained: false``, and log a WARNING naming the missing files.
        missing_weights: the weight files that were looked for and not found (named in that
            WARNING; the workflow passes them, since it does not ask for absent weights).
        threads: torch CPU threads; device: ``cuda`` when available unless given.

    Raises:
        WeightsError: weights missing (without ``allow_random_init``) or of the wrong layout.
        ValueError: unknown kind.
        ImportError: the package of that model family is not installed (names it).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown embedder kind {kind!r}; known: {KINDS}")
    if kind == "onehot":
        if molecule not in ONEHOT_ALPHABETS:
            raise ValueError(f"onehot needs molecule rna or protein, got {molecule!r}")
        dim = len(ONEHOT_ALPHABETS[molecule])
        return Embedder(name, kind, molecule, dim, None, True, None, None)
    import torch

    torch.set_num_threads(max(1, threads))
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    path = Path(weights) if weights is not None else None
    exists = path is not None and path.exists()
    if not exists and not allow_random_init:
        raise WeightsError(
            f"{name}: weights not found at {path} (put the {kind} checkpoint there, or set "
            "allow_random_init: true to build the architecture with random weights, recorded "
            "pretrained: false)"
        )
    if not exists:
        log.warning(
            "%s: RANDOM-INIT %s weights (pretrained: false): weight file(s) not found: %s. "
            "Its embeddings carry no pretrained knowledge; put the files there (or under a "
            "mirror at the sources' paths) to embed with the real model.",
            name,
            kind,
            ", ".join(map(str, missing_weights)) or path,
        )
    pretrained = exists and not (path.is_dir() and (path / RANDOM_INIT_MARKER).exists())
    digest = _weights_digest(path) if exists else None
    checkpoint = _fair_esm_checkpoint(path) if kind == "esm2" and exists else None
    if checkpoint is not None:
        embedder = _load_fair_esm(name, checkpoint, layer)
    elif kind in ("esm2", "rnafm"):
        embedder = _load_letter_model(name, kind, path if exists else None, layer, random_config)
    else:
        embedder = _load_bert(name, path if exists else None, layer, random_config)
    if digest is None:  # random init: the digest of the random weights keys the cache
        digest = _state_digest(embedder.model)
    embedder.pretrained, embedder.weights_sha256 = pretrained, digest
    embedder.model.eval().to(device)
    embedder.device = device
    log.info("%s: %s", name, embedder.metadata())
    return embedder


def _fair_esm_checkpoint(path: Path) -> Path | None:
    """The fair-esm ``.pt`` checkpoint at ``path`` (a file, or the one in a directory without a
    transformers ``config.json``), else None."""
    if path.is_file():
        return path
    if (path / "config.json").exists():
        return None
    found = [p for p in sorted(path.glob("*.pt")) if not p.name.endswith("-contact-regression.pt")]
    return found[0] if found else None


def _load_fair_esm(name: str, path: Path, layer: int | None) -> Embedder:
    try:
        import esm
    except ImportError as err:
        raise ImportError(f"{name}: reading a fair-esm .pt checkpoint needs `fair-esm`") from err
    import argparse

    import torch

    torch.serialization.add_safe_globals([argparse.Namespace])
    model, alphabet = esm.pretrained.load_model_and_alphabet_local(str(path))
    tokens = {tok: i for i, tok in enumerate(alphabet.all_toks)}
    specials = {
        "<cls>": alphabet.cls_idx,
        "<eos>": alphabet.eos_idx,
        "<pad>": alphabet.padding_idx,
        "<unk>": alphabet.unk_idx,
    }
    tokens.update(specials, _fair_esm=True)
    return Embedder(
        name,
        "esm2",
        "protein",
        model.embed_dim,
        WINDOWS["esm2"],
        True,
        None,
        layer,
        model=model,
        tokens=tokens,
    )


def _load_letter_model(name, kind, path, layer, random_config) -> Embedder:
    if kind == "esm2":
        from transformers import EsmConfig, EsmModel

        config_cls, model_cls = EsmConfig, EsmModel
    else:
        try:
            from multimolecule import RnaFmConfig, RnaFmModel
        except ImportError as err:
            raise ImportError(f"{name}: RNA-FM needs the optional `multimolecule` package") from err
        config_cls, model_cls = RnaFmConfig, RnaFmModel
    if path is not None:
        if not (path / "vocab.txt").exists() or not (path / "config.json").exists():
            raise WeightsError(f"{name}: {path} lacks config.json or vocab.txt ({kind} layout)")
        model = model_cls.from_pretrained(str(path), add_pooling_layer=False)
        tokens = _letter_vocab(path)
    else:
        import torch

        torch.manual_seed(RANDOM_INIT_SEED)  # the same random model in every job (resume!)
        model = model_cls(
            config_cls(**_official_config(kind, random_config)), add_pooling_layer=False
        )
        tokens = default_vocab(kind)
    if kind == "rnafm":  # multimolecule's vocabulary writes T for U
        tokens.setdefault("U", tokens.get("T", tokens.get("<unk>")))
    dim = model.config.hidden_size
    return Embedder(
        name,
        kind,
        MOLECULE_OF[kind],
        dim,
        WINDOWS[kind],
        True,
        None,
        layer,
        model=model,
        tokens=tokens,
    )


def _load_bert(name, path, layer, random_config) -> Embedder:
    from transformers import BertConfig, BertModel, BertTokenizerFast

    if path is not None:
        if not (path / "vocab.txt").exists():
            raise WeightsError(f"{name}: {path} lacks vocab.txt (BERT layout)")
        model = BertModel.from_pretrained(str(path), add_pooling_layer=False)
        tokenizer = BertTokenizerFast.from_pretrained(str(path))
    else:  # random init: BERT-base (BioBERT v1.1's architecture) over a letter vocabulary
        import tempfile

        import torch

        torch.manual_seed(RANDOM_INIT_SEED)
        with tempfile.TemporaryDirectory() as tmp:
            vocab = Path(tmp) / "vocab.txt"
            vocab.write_text("\n".join(BERT_LETTER_VOCAB) + "\n")
            tokenizer = BertTokenizerFast(vocab_file=str(vocab), do_lower_case=False)
        cfg = {"vocab_size": len(BERT_LETTER_VOCAB), **(random_config or {})}
        model = BertModel(BertConfig(**cfg), add_pooling_layer=False)
    dim = model.config.hidden_size
    return Embedder(
        name, "biobert", "rna", dim, None, True, None, layer, model=model, tokenizer=tokenizer
    )


ESM_VOCAB = [
    "<cls>",
    "<pad>",
    "<eos>",
    "<unk>",
    "L",
    "A",
    "G",
    "V",
    "S",
    "E",
    "R",
    "T",
    "I",
    "D",
    "P",
    "K",
    "Q",
    "N",
    "F",
    "Y",
    "M",
    "H",
    "W",
    "C",
    "X",
    "B",
    "U",
    "Z",
    "O",
    ".",
    "-",
    "<null_1>",
    "<mask>",
]  # the 33-token ESM-2 alphabet (fair-esm / facebook/esm2_* vocab.txt order)
RNAFM_VOCAB = [
    "<pad>", "<cls>", "<eos>", "<unk>", "<mask>", "<null>", "A", "C", "G", "U", "N", "R", "Y", "S",
    "W", "K", "M", "B", "D", "H", "V", "I", "X", "|", ".", "*", "-", "?",
]  # fmt: skip  # multimolecule's RnaTokenizer (28 tokens; RNA-FM ids)


_LETTERS = list("ACGUTN") + [chr(c) for c in range(ord("a"), ord("z") + 1)]
# random-init BERT: BioBERT's 28,996-token WordPiece vocabulary is part of its weights; without
# them the RNA string is read letter by letter (recorded pretrained: false)
BERT_LETTER_VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *_LETTERS, *(f"##{c}" for c in _LETTERS)
]  # fmt: skip


def _official_config(kind: str, config: dict | None) -> dict:
    """Config keys of the official architecture (vocabulary, special ids, ESM-2's rotary
    positions and token dropout) under the given sizes."""
    if kind == "esm2":
        base = {"vocab_size": len(ESM_VOCAB), "pad_token_id": 1, "mask_token_id": 32,
                "position_embedding_type": "rotary", "token_dropout": True,
                "emb_layer_norm_before": False, "layer_norm_eps": 1e-5}  # fmt: skip
    else:
        base = {"vocab_size": len(RNAFM_VOCAB)}
    return {**base, **(config or {})}


def default_vocab(kind: str) -> dict[str, int]:
    """Letter vocabulary of an architecture (ESM-2: the official 33 tokens)."""
    vocab = ESM_VOCAB if kind == "esm2" else RNAFM_VOCAB
    return {tok: i for i, tok in enumerate(vocab)}


def save_random_init(kind: str, config: dict, out_dir: str | os.PathLike, seed: int = 0) -> Path:
    """Write a random-init model of the official architecture in its real on-disk layout
    (``save_pretrained`` + ``vocab.txt``) plus the random-init marker. For tests and for runs
    without weights; :func:`load_embedder` reads it back as ``pretrained: false``."""
    import torch

    torch.manual_seed(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if kind == "esm2":
        from transformers import EsmConfig, EsmModel

        cfg = {
            "vocab_size": len(ESM_VOCAB),
            "pad_token_id": 1,
            "mask_token_id": 32,
            "position_embedding_type": "rotary",
            "token_dropout": True,
            **config,
        }
        EsmModel(EsmConfig(**cfg), add_pooling_layer=False).save_pretrained(out)
        (out / "vocab.txt").write_text("\n".join(ESM_VOCAB) + "\n")
    elif kind == "biobert":
        from transformers import BertConfig, BertModel

        vocab = BERT_LETTER_VOCAB
        (out / "vocab.txt").write_text("\n".join(vocab) + "\n")
        cfg = {"vocab_size": len(vocab), **config}
        BertModel(BertConfig(**cfg), add_pooling_layer=False).save_pretrained(out)
        (out / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": False}))
    elif kind == "rnafm":
        from multimolecule import RnaFmConfig, RnaFmModel

        cfg = _official_config(kind, config)
        RnaFmModel(RnaFmConfig(**cfg), add_pooling_layer=False).save_pretrained(out)
        (out / "vocab.txt").write_text("\n".join(RNAFM_VOCAB) + "\n")
    else:
        raise ValueError(f"no weights for kind {kind!r}")
    (out / RANDOM_INIT_MARKER).write_text(json.dumps({"kind": kind, "seed": seed, **config}))
    return out
