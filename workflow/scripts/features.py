"""Adapter: rules rna_features and protein_features."""

from rnainteract.features.kmers import write_feature_table
from rnainteract.io.logs import log_to

with log_to(snakemake.log[0]):
    write_feature_table(
        snakemake.input.fasta, snakemake.wildcards.feature_set, snakemake.output.table
    )
