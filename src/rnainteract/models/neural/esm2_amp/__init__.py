"""The ESM2_AMP family (Sun, Wang & Luo; github.com/ywwy-qn/ESM2_AMP), adapted to RNA–protein pairs.

The originals classify protein–protein pairs from ESM-2 t33_650M embeddings (1280-d) made by
protloc-mex-x: the ten mean-pooled segments of each protein and its ``cls``, ``eos`` and ``mean``
tokens (seed: ESM2_AMP README). Three models:

- **ESM2_AMPS**: the 10 + 10 segment vectors of the two partners, a ``20 × 1280`` token matrix,
  go through a Transformer encoder, are mean-pooled over the tokens and classified by an MLP.
- **ESM2_AMP_CSE**: the same with ``cls``, ``eos`` and the segments of both (``24 × 1280``).
- **ESM2_DPM**: the two ``mean`` vectors concatenated (2560) into a deep feed-forward network.

Facts taken from the authors' code (``AMPmodel/model.py``, ``Model_work/*/optuna_train_5fold.py``,
``model_pred/*.py``, ``AMPmodel_explainable/attention_extract_function.py``): the encoder is
``nn.TransformerEncoder`` of 6 pre-norm layers (``norm_first=True``), 8 heads, ``d_model`` 1280,
PyTorch's default feed-forward width (2048) and dropout 0.3, without positional encoding or a
final norm; the encoder output is averaged over all tokens; the MLP is ``1280 → h1 → h2 → 1``
with ReLU and no dropout (trained widths: AMPS 640/240, AMP_CSE 480/240; Optuna searched
h1 ∈ {480, 640}, h2 ∈ {80 … 320}); DPM's DNN is ``2560 → 1280 → 480 → 100 → 1``, each hidden
layer ``Linear → LayerNorm → ReLU``; every Linear of the MLP/DNN (the output layer too) gets He
initialization (``kaiming_normal_``, fan-in, ReLU) and zero bias. Training: AdamW, BCE on
logits, batch 256, 35 epochs; Optuna tuned lr (log 1e-5 … 1e-3) and weight decay (log 1e-4 …
1e-2). Attention maps: each layer's ``self_attn`` called on its pre-norm input with
``need_weights=True, average_attn_weights=True`` (heads averaged), one ``T × T`` map per layer
and pair; per-segment importance is read off those maps.

Adaptation here (this project's choices, not the paper's):

- RNA tokens (e.g. RNA-FM, 640-d) and protein tokens (ESM-2, 320-d t6_8M by default) differ in
  width, so each molecule gets its own linear projection to ``d_model`` (one per molecule,
  shared by its ``cls``/segment/``eos`` tokens), and a learned embedding per token slot
  (molecule × segment/cls/eos; normal, std 0.02) is added — the original has neither (its
  tokens share one space and it never tells the encoder which slot a token fills).
- Token sets: AMPS = RNA ``segment0..9`` + protein ``segment0..9`` (20 tokens); AMP_CSE = per
  molecule ``[cls, segment0..9, eos]`` (24 tokens; the original's order is cls, eos,
  segments — with slot embeddings the order only fixes the column names).
- Segments of a molecule shorter than 10 residues are NaN rows (:mod:`.inputs`): they become
  zero vectors and are masked out of attention as keys (``key_padding_mask``) and out of the
  pooling, so their values never reach the output.
- Pooling: the original's mean over tokens, over the real (unmasked) tokens only.
- Encoder layers are written here (pre-norm, like the original) around
  ``nn.MultiheadAttention`` so the attention weights of a forward pass can be returned.
- He initialization on every Linear of the MLP/DNN (as the original) and also on the first
  Linear of each encoder feed-forward block (it feeds a ReLU); attention and projections keep
  PyTorch's defaults.
- Default widths are small enough for CPUs (paper-sized models: ``d_model`` 1280 needs the
  1280-d embeddings to be worth it): ``d_model`` 128, 4 heads, 1 encoder layer, feed-forward
  256 (2 × ``d_model``), MLP 256 → 64, dropout 0.1 (paper 0.3); DPM hidden 256 → 128 → 32 with
  LayerNorm (the paper's ratio of 2560 → 1280 → 480 → 100, scaled down) and dropout 0.1 after
  each ReLU (the paper's DNN has none). All are parameters.
- Inputs are standardized per feature (z-score) with statistics of the training part only
  (the pairs of ``fit``'s ``X`` left after the early-stopping validation cut): per molecule and
  view, over the distinct molecules of those pairs (a molecule counts once however many pairs
  it is in), the ten segment slots pooled (they live in one embedding space) and NaN rows
  skipped; a constant feature gets scale 1.
- Training uses :mod:`rnainteract.models.trainer` (AdamW, optional warm-up, cosine decay, early
  stopping on the validation loss) instead of the original's ReduceLROnPlateau.

Views read (:class:`~rnainteract.models.inputs.PairInputs`): ``amps``: ``segments``;
``amp_cse``: ``cls``, ``segments``, ``eos``; ``dpm``: ``mean`` — of both molecules.

The networks (the paper's architecture) are in :mod:`.networks`; the estimator (this project's
adaptation: standardization, row lookup, training, attention importance) and the builders the
registry calls are in :mod:`.estimator`. Both import the shared modules of
:mod:`rnainteract.models` only.
"""

from rnainteract.models.neural.esm2_amp.estimator import (
    ESM2AMPClassifier,
    attention_importance,
    build_esm2_amp_cse,
    build_esm2_amps,
    build_esm2_dpm,
)
from rnainteract.models.neural.esm2_amp.networks import (
    ESM2AMPCSE,
    ESM2AMPS,
    ESM2DPM,
    EncoderLayer,
    ESM2AMPTransformer,
)

__all__ = [
    "ESM2AMPCSE",
    "ESM2AMPS",
    "ESM2DPM",
    "ESM2AMPClassifier",
    "ESM2AMPTransformer",
    "EncoderLayer",
    "attention_importance",
    "build_esm2_amp_cse",
    "build_esm2_amps",
    "build_esm2_dpm",
]
