"""The model zoo. Shared by every model: the registry of kinds (:mod:`.registry`, light enough to
import while planning), the PyTorch trainer and :class:`~.trainer.TrainerSettings`
(:mod:`.trainer`), the views a model reads (:mod:`.inputs`), cross-validation (:mod:`.crossval`),
Optuna tuning (:mod:`.tuning`) and per-sample explanations (:mod:`.interpret`). One module (or
folder) per model family: :mod:`.classic` (on feature tables) and :mod:`.neural` (on embeddings
and encodings); the shared modules never import a family, and families never import each other.

May import: :mod:`rnainteract.io` up to :mod:`rnainteract.features`.
"""
