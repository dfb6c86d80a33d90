"""The model zoo. Shared by every model: the registry of kinds (:mod:`.registry`, light enough to
import while planning), the PyTorch trainer and :class:`~.trainer.TrainerSettings`
(:mod:`.trainer`), the views a model reads (:mod:`.inputs`), the validation cut of early stopping
and tuning, grouped as the split is (:mod:`.validation`), cross-validation (:mod:`.crossval`),
Optuna tuning (:mod:`.tuning`) and per-sample explanations (:mod:`.interpret`). The shortcut
baselines (:mod:`.baselines`) learn no sequence signal; ``rna_only``/``protein_only`` use RPISeq's
forest on one partner's features. One module (or
folder) per model family: :mod:`.classic` (on feature tables) and :mod:`.neural` (on embeddings
and encodings); the shared modules never import a family, and families never import each other.

May import: :mod:`rnainteract.io` up to :mod:`rnainteract.features`.
"""
