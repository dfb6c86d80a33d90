# rnainteract: RNA-protein interaction benchmarks and models (see README.md).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/inputs_rpi.smk"
include: "workflow/rules/inputs_ppi.smk"
include: "workflow/rules/inputs_mirna.smk"
include: "workflow/rules/inputs_rbp.smk"
include: "workflow/rules/inputs_rnainter.smk"
include: "workflow/rules/inputs_final.smk"
include: "workflow/rules/sources.smk"
include: "workflow/rules/rnainter.smk"
include: "workflow/rules/annotate.smk"
include: "workflow/rules/datasets.smk"
include: "workflow/rules/splits.smk"
include: "workflow/rules/features.smk"
include: "workflow/rules/embed.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/shortcuts.smk"
include: "workflow/rules/ppi.smk"
include: "workflow/rules/mirna.smk"
include: "workflow/rules/rbp.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/release.smk"
include: "workflow/rules/final.smk"
include: "workflow/rules/catalog.smk"


report: report_text()


onsuccess:
    print(cfg.random_init_summary(config))


rule all:
    default_target: True
    input:
        get_final_targets(),
