"""Embeddings: pooling and length policies by hand, tiny random-init models of the real
architectures saved in their real on-disk layouts and read back through the loader, and the
restartable cache."""

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from rnainteract.features.embeddings.pooling import merge_windows, pool, windows

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

TINY_ESM = {"hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
            "intermediate_size": 32, "max_position_embeddings": 64}  # fmt: skip
TINY_BERT = {"hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
             "intermediate_size": 32, "max_position_embeddings": 64}  # fmt: skip


@pytest.fixture(scope="module")
def tiny_esm(tmp_path_factory):
    from rnainteract.features.embeddings.embedders import save_random_init

    return save_random_init("esm2", TINY_ESM, tmp_path_factory.mktemp("esm") / "esm2_tiny")


def test_esm2_directory_is_read_through_the_real_layout(tiny_esm):
    from transformers import EsmModel

    from rnainteract.features.embeddings.embedders import load_embedder

    assert {"config.json", "model.safetensors", "vocab.txt"} <= {p.name for p in tiny_esm.iterdir()}
    emb = load_embedder("tiny", "esm2", tiny_esm)
    assert emb.pretrained is False and emb.dim == 16 and emb.window == 1022
    assert len(emb.weights_sha256) == 64
    seqs = ["MKTAYIAKQR", "MKV"]
    batch = emb.embed(seqs)
    # golden: the transformers model run on <cls> residues <eos> by hand, one sequence alone
    model = EsmModel.from_pretrained(tiny_esm, add_pooling_layer=False).eval()
    vocab = [t.strip() for t in (tiny_esm / "vocab.txt").read_text().splitlines()]
    for seq, (residues, cls, eos) in zip(seqs, batch, strict=True):
        ids = [vocab.index("<cls>")] + [vocab.index(c) for c in seq] + [vocab.index("<eos>")]
        with torch.inference_mode():
            hidden = model(input_ids=torch.tensor([ids])).last_hidden_state[0].numpy()
        np.testing.assert_allclose(residues, hidden[1:-1], atol=1e-5)  # padding did not leak
        np.testing.assert_allclose(
            pool(residues, cls, eos)["mean"], hidden[1:-1].mean(0), atol=1e-5
        )
        np.testing.assert_allclose(cls, hidden[0], atol=1e-5)
        np.testing.assert_allclose(eos, hidden[len(seq) + 1], atol=1e-5)


def test_missing_weights_are_an_error_unless_random_init(tmp_path):
    from rnainteract.features.embeddings.embedders import load_embedder
    from rnainteract.features.embeddings.weights import WeightsError

    with pytest.raises(WeightsError, match="allow_random_init"):
        load_embedder("esm2_t6_8m", "esm2", tmp_path / "absent")
    emb = load_embedder("esm2_t6_8m", "esm2", tmp_path / "absent", allow_random_init=True,
                        random_config=TINY_ESM)  # fmt: skip
    assert emb.pretrained is False and len(emb.weights_sha256) == 64
    # random init is seeded: a second job builds the same weights (a resumed embedding job must
    # not mix two random models); another architecture gets another digest, hence another cache
    again = load_embedder("esm2_t6_8m", "esm2", tmp_path / "absent", allow_random_init=True,
                          random_config=TINY_ESM)  # fmt: skip
    assert again.weights_sha256 == emb.weights_sha256
    wider = load_embedder("esm2_t6_8m", "esm2", tmp_path / "absent", allow_random_init=True,
                          random_config={**TINY_ESM, "intermediate_size": 40})  # fmt: skip
    assert wider.weights_sha256 != emb.weights_sha256


def test_biobert_cls_of_the_rna_string(tmp_path):
    from rnainteract.features.embeddings.embedders import load_embedder, save_random_init

    path = save_random_init("biobert", TINY_BERT, tmp_path / "bert")
    emb = load_embedder("biobert", "biobert", path)
    ((residues, cls, eos),) = emb.embed(["ACGUACGU"])
    assert cls.shape == (16,) and residues.shape[1] == 16 and emb.pretrained is False


def fasta(path, sequences):
    path.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(sequences)))
    return path


def random_proteins(n, seed=0, low=5, high=40):
    rng = np.random.default_rng(seed)
    letters = list("ACDEFGHIKLMNPQRSTVWY")
    return ["".join(rng.choice(letters, rng.integers(low, high))) for _ in range(n)]


def test_cache_embeds_each_sequence_once(tmp_path, tiny_esm):
    from rnainteract.features.embeddings.cache import write_embeddings
    from rnainteract.features.embeddings.embedders import load_embedder

    emb = load_embedder("tiny", "esm2", tiny_esm)
    seqs = random_proteins(12)
    a = fasta(tmp_path / "a.fa", seqs[:8])
    b = fasta(tmp_path / "b.fa", seqs[4:] + seqs[:2])  # overlaps a
    opts = {"cache_dir": tmp_path / "cache", "token_budget": 128, "shard_size": 3}
    first = write_embeddings([a], emb, tmp_path / "o1.parquet", **opts)
    assert (first["n_cached_before"], first["n_embedded"]) == (0, 8)
    second = write_embeddings([a, b], emb, tmp_path / "o2.parquet", **opts)
    assert (second["n_cached_before"], second["n_embedded"]) == (8, 4)
    table = pq.read_table(tmp_path / "o2.parquet")
    assert table.num_rows == 12 and table.column("sha256").to_pylist() == sorted(
        table.column("sha256").to_pylist()
    )
    meta = json.loads(table.schema.metadata[b"rnainteract"])
    assert meta["pretrained"] is False and meta["kind"] == "esm2" and meta["dim"] == 16
    one = pq.read_table(tmp_path / "o1.parquet").to_pandas().set_index("sha256")
    two = table.to_pandas().set_index("sha256")
    for key in one.index:  # rows embedded in other batches are the same (to float tolerance)
        np.testing.assert_allclose(
            np.stack(one.loc[key, "mean"]), np.stack(two.loc[key, "mean"]), atol=1e-5
        )


def test_length_policies(tmp_path, tiny_esm):
    from rnainteract.features.embeddings.cache import embed_sequences, sequence_sha256
    from rnainteract.features.embeddings.embedders import load_embedder

    emb = load_embedder("tiny", "esm2", tiny_esm)
    emb.window = 12  # a tiny model window, so that the policies apply
    long_seq, short_seq = random_proteins(1, seed=3, low=30, high=31)[0], "MKTAYI"
    seqs = {sequence_sha256(s): s for s in (long_seq, short_seq)}
    for policy, counts in (("drop", (1, 0, 0)), ("truncate", (0, 1, 0)), ("window", (0, 0, 1))):
        stats = embed_sequences(seqs, emb, cache_dir=tmp_path / policy, length_policy=policy,
                                overlap=4, progress=False)  # fmt: skip
        got = (stats["n_dropped_too_long"], stats["n_truncated"], stats["n_windowed"])
        assert got == counts, policy
    # the window policy by hand: windows (0,12) (8,20) (16,28) (18,30), per-position average
    shard = pd.concat(pd.read_parquet(p) for p in (tmp_path / "window").glob("*/part-*.parquet"))
    row = shard.set_index("sha256").loc[sequence_sha256(long_seq)]
    ranges = windows(30, 12, 4)
    parts = [r for r, _, _ in emb.embed([long_seq[s:e] for s, e in ranges])]
    expected = merge_windows(parts, ranges, 30).mean(axis=0)
    assert row.n_windows == 4 and ranges[-1] == (18, 30)
    np.testing.assert_allclose(np.asarray(row["mean"], dtype=np.float32), expected, atol=1e-5)


def test_interrupted_embedding_resumes_to_the_same_table(tmp_path, tiny_esm, monkeypatch):
    from rnainteract.features.embeddings.cache import write_embeddings
    from rnainteract.features.embeddings.embedders import Embedder, load_embedder

    emb = load_embedder("tiny", "esm2", tiny_esm)
    seqs = fasta(tmp_path / "p.fa", random_proteins(40, seed=5, low=12))  # no NaN segment
    opts = {"token_budget": 160, "shard_size": 4, "dtype": "float16", "per_token": True}
    write_embeddings([seqs], emb, tmp_path / "whole.parquet", cache_dir=tmp_path / "c1", **opts)

    calls = {"n": 0}
    real = Embedder.embed

    def dying(self, sequences):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt("killed")  # the job dies in its 5th batch
        return real(self, sequences)

    monkeypatch.setattr(Embedder, "embed", dying)
    cache = tmp_path / "c2"
    with pytest.raises(KeyboardInterrupt):
        write_embeddings(
            [seqs], emb, tmp_path / "resumed.parquet", cache_dir=tmp_path / "c2", **opts
        )
    assert not (tmp_path / "resumed.parquet").exists()
    n_shards = len(list(cache.glob("*/part-*.parquet")))
    assert n_shards >= 1
    monkeypatch.setattr(Embedder, "embed", real)
    stats = write_embeddings(
        [seqs], emb, tmp_path / "resumed.parquet", cache_dir=tmp_path / "c2", **opts
    )
    assert (
        0 < stats["n_cached_before"] < 40 and stats["n_embedded"] == 40 - stats["n_cached_before"]
    )
    whole = pq.read_table(tmp_path / "whole.parquet")
    resumed = pq.read_table(tmp_path / "resumed.parquet")
    assert whole.drop_columns(["tokens"]).equals(resumed.drop_columns(["tokens"]))
    assert whole.column("tokens").equals(resumed.column("tokens"))


def test_fair_esm_checkpoint_gives_the_same_numbers_as_the_model(tmp_path):
    """A tiny ESM2 saved in fair-esm's checkpoint format (cfg + encoder.sentence_encoder.* state,
    contact-regression file beside it) is read by the .pt loader."""
    esm = pytest.importorskip("esm")
    from argparse import Namespace

    from rnainteract.features.embeddings.embedders import RANDOM_INIT_MARKER, load_embedder

    torch.manual_seed(0)
    alphabet = esm.data.Alphabet.from_architecture("ESM-1b")
    model = esm.model.esm2.ESM2(num_layers=2, embed_dim=16, attention_heads=2, alphabet=alphabet)
    state = model.state_dict()
    regression = {k: state.pop(k) for k in list(state) if k.startswith("contact_head.")}
    cfg = Namespace(encoder_layers=2, encoder_embed_dim=16, encoder_attention_heads=2,
                    token_dropout=True)  # fmt: skip
    data = {"cfg": {"model": cfg},
            "model": {f"encoder.sentence_encoder.{k}": v for k, v in state.items()}}  # fmt: skip
    weights = tmp_path / "esm2_tiny"
    weights.mkdir()
    torch.save(data, weights / "esm2_tiny.pt")
    torch.save({"model": regression}, weights / "esm2_tiny-contact-regression.pt")
    (weights / RANDOM_INIT_MARKER).write_text("{}")  # ours, random: never reported pretrained
    emb = load_embedder("esm2_tiny_fair", "esm2", weights)
    assert emb.pretrained is False and emb.dim == 16 and len(emb.weights_sha256) == 64
    ((residues, cls, eos),) = emb.embed(["MKTAYIAK"])
    tokens = torch.tensor(
        [[alphabet.cls_idx, *map(alphabet.get_idx, "MKTAYIAK"), alphabet.eos_idx]]
    )
    with torch.inference_mode():
        hidden = model.eval()(tokens, repr_layers=[2])["representations"][2][0].numpy()
    np.testing.assert_allclose(residues, hidden[1:-1], atol=1e-5)
    np.testing.assert_allclose(cls, hidden[0], atol=1e-5)


def test_rnafm_directory_round_trip(tmp_path):
    pytest.importorskip("multimolecule")
    from multimolecule import RnaFmModel, RnaTokenizer

    from rnainteract.features.embeddings.embedders import load_embedder, save_random_init

    tiny = {"hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
            "intermediate_size": 32}  # fmt: skip
    path = save_random_init("rnafm", tiny, tmp_path / "rnafm")
    emb = load_embedder("rnafm_tiny", "rnafm", path)
    assert emb.pretrained is False and emb.window == 1022 and emb.dim == 16
    ((residues, cls, eos),) = emb.embed(["ACGUNACG"])
    ids = RnaTokenizer()("ACGUNACG", return_tensors="pt")["input_ids"]  # <cls> ... <eos>
    model = RnaFmModel.from_pretrained(path, add_pooling_layer=False).eval()
    with torch.inference_mode():
        hidden = model(input_ids=ids).last_hidden_state[0].numpy()
    np.testing.assert_allclose(residues, hidden[1:-1], atol=1e-5)
    np.testing.assert_allclose(eos, hidden[-1], atol=1e-5)
