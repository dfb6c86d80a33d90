#!/usr/bin/env bash
# Install what rnainteract needs on a Debian/Ubuntu machine without conda:
# the clustering tools from apt (only when missing), the CPU build of PyTorch, and the Python
# package with its test, embedding, model and RNA-FM extras (the main job embeds RNAs with RNA-FM;
# multimolecule is AGPL-3.0 and ~540 MB of dependencies).
# Users with conda can skip this and run `snakemake --use-conda` (envs/*.yaml).
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v cd-hit-est >/dev/null 2>&1 || missing+=(cd-hit)
command -v mmseqs >/dev/null 2>&1 || missing+=(mmseqs2)
command -v cmscan >/dev/null 2>&1 || missing+=(infernal)
command -v hmmscan >/dev/null 2>&1 || missing+=(hmmer)  # tests compare pyhmmer with hmmscan
if ((${#missing[@]})); then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "install.sh: apt-get install ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Embeddings need PyTorch: the CPU wheel first (a plain `pip install torch` pulls GBs of CUDA
# libraries; on a GPU machine install the CUDA build of your choice before running this).
if ! python3 -c "import torch" >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check "torch==2.13.0" \
        || python3 -m pip install --quiet --disable-pip-version-check "torch==2.13.0" \
            --index-url https://download.pytorch.org/whl/cpu
fi
python3 -m pip install --quiet --disable-pip-version-check -e ".[test,embed,models,rnafm]"
echo "install.sh: done ($(python3 -m snakemake --version 2>/dev/null | head -1) snakemake)"
