"""rnainteract: RNA-protein interaction benchmark data and models as a Snakemake workflow.

The library holds the logic as plain functions on paths and values; the workflow's rule scripts
(``workflow/scripts``) are thin adapters around it.
"""

__version__ = "0.1.0"
