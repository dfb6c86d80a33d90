"""Neural models on embeddings and sequence encodings, one module (or folder) each, all trained by
:func:`rnainteract.models.trainer.fit`: RPIembeddor (:mod:`.rpiembeddor`), the multimodal
BioBERT+ESM-2+tabular MLP (:mod:`.multimodal`), the ESM2_AMP family (:mod:`.esm2_amp`), AE_RF
(:mod:`.ae_rf`), the miRNA–target CNN+Transformer and MIL model (:mod:`.mirna_target`), MMFA and
its view CNNs (:mod:`.mmfa`).

May import: the shared modules of :mod:`rnainteract.models` and the layers below.
"""
