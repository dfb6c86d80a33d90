"""Tests of rnainteract.sources.seqclients against a local fake of NCBI E-utilities, UniProt and
Ensembl.

The fake (tests/seqservices.py) serves real sequences from ../shared/data under each service's
real response format; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import functools
import gzip
import logging
from pathlib import Path

import pytest
from Bio.SeqIO.FastaIO import SimpleFastaParser
from seqservices import EFETCH, ELINK, ENSEMBL, UNIPROT, FakeServices, RealData, load_real_data

from rnainteract.sources.seqclients import (
    DATABASES,
    FetchReport,
    RateLimiter,
    SequenceCache,
    SequenceFetchError,
    fetch_sequences,
)

FAST = {"backoff_s": 0.01, "timeout_s": 5.0, "retries": 3}
ABSENT_UNIPROT = "Q0ZZZ9"  # a well-formed accession the fake does not hold
UNKNOWN_GENE = "99999999"


@functools.cache
def _real(shared_data: Path) -> RealData:
    return load_real_data(shared_data)


@pytest.fixture
def real(shared_data) -> RealData:
    return _real(shared_data)


@pytest.fixture
def fake(real):
    with FakeServices(**real.services()) as services:
        yield services


@pytest.fixture(autouse=True)
def _no_ncbi_env(monkeypatch):
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    monkeypatch.delenv("NCBI_EMAIL", raising=False)


def opts(fake: FakeServices, database: str, **extra) -> dict:
    """Options pointing a client at the fake; NCBI gets an API key (10/s) unless overridden."""
    base = {"base_url": fake.base_urls[database], **FAST}
    if database == "ncbi":
        base["api_key"] = "test-key"
    return {**base, **extra}


def fetch(fake, database, molecule, ids, cache_path=None, **options):
    """Run fetch_sequences; return (result, the server log entries it caused)."""
    before = len(fake.requests)
    result = fetch_sequences(
        database, molecule, ids, cache_path=cache_path, options=opts(fake, database, **options)
    )
    return result, fake.requests[before:]


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Largest number of timestamps in any half-open window [t, t + window)."""
    times = sorted(times)
    return max(sum(1 for u in times[i:] if u < t + window) for i, t in enumerate(times))


def same_result(a, b) -> None:
    assert a.sequences == b.sequences
    assert a.accessions == b.accessions
    assert a.not_found == b.not_found


# ---------------------------------------------------------------------------------------------
# UniProt
# ---------------------------------------------------------------------------------------------


def test_uniprot_fetches_real_sequences_in_batches(real, fake):
    accessions = list(real.proteins)[:23]
    assert ABSENT_UNIPROT not in real.proteins
    ids = [*accessions, accessions[0], ABSENT_UNIPROT, accessions[5]]  # duplicates fetched once
    result, log = fetch(fake, "uniprot", "protein", ids, batch_size=5)

    assert result.sequences == {a: real.proteins[a] for a in accessions}
    assert result.accessions == {a: a for a in accessions}
    assert result.not_found == [ABSENT_UNIPROT]
    assert len(log) == 5  # 24 unique ids in batches of 5
    sent = []
    for entry in log:
        assert entry["method"] == "GET" and entry["path"] == UNIPROT
        batch = entry["query"]["accessions"][0].split(",")
        assert len(batch) <= 5
        assert entry["query"]["format"] == ["fasta"]
        assert entry["query"]["size"] == [str(len(batch))]
        sent += batch
    assert sorted(sent) == sorted({*accessions, ABSENT_UNIPROT})  # each id exactly once
    report = result.report
    assert (report.requested, report.from_cache, report.fetched, report.not_found) == (24, 0, 23, 1)
    assert (report.requests, report.retries) == (5, 0)
    assert set(report.as_dict()) == {f.name for f in FetchReport.__dataclass_fields__.values()}


def test_uniprot_follows_next_page_links(real):
    accessions = list(real.proteins)[30:40]
    with FakeServices(**real.services(uniprot_max_page_size=4)) as small_pages:
        result, log = fetch(small_pages, "uniprot", "protein", accessions, batch_size=10)
    assert result.sequences == {a: real.proteins[a] for a in accessions}
    assert len(log) == 3  # pages of 4 + 4 + 2
    assert [e["query"].get("cursor") for e in log] == [None, ["c4"], ["c8"]]
    assert result.report.requests == 3


def test_uniprot_malformed_accession_is_isolated_by_bisection(real, fake):
    accessions = list(real.proteins)[40:56]
    ids = accessions[:7] + ["NOT_AN_ACCESSION"] + accessions[7:] + [ABSENT_UNIPROT]
    reference, _ = fetch(fake, "uniprot", "protein", accessions + [ABSENT_UNIPROT])
    result, log = fetch(fake, "uniprot", "protein", ids, batch_size=20)

    assert result.sequences == reference.sequences
    assert result.not_found == sorted(["NOT_AN_ACCESSION", ABSENT_UNIPROT])
    answered = [
        a for e in log if e["status"] == 200 for a in e["query"]["accessions"][0].split(",")
    ]
    assert sorted(answered) == sorted(accessions + [ABSENT_UNIPROT])  # none lost or repeated
    bad = [e for e in log if e["status"] == 400]
    assert bad[-1]["query"]["accessions"] == ["NOT_AN_ACCESSION"]  # isolated, then given up
    assert len(bad) <= 6  # log2(18) splits, not one request per id
    assert result.report.requests == len(log)
    assert result.report.retries == 0


# ---------------------------------------------------------------------------------------------
# NCBI
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("molecule", "db", "linkname"),
    [("rna", "nuccore", "gene_nuccore_refseqrna"), ("protein", "protein", "gene_protein_refseq")],
)
def test_ncbi_gene_ids_resolved_with_elink_then_efetch(real, fake, molecule, db, linkname):
    genes = list(real.gene_truth[molecule])[:12]
    ids = [*genes, "79999", UNKNOWN_GENE, genes[3]]
    result, log = fetch(fake, "ncbi", molecule, ids, batch_size=5)

    truth = real.gene_truth[molecule]
    assert result.sequences == {g: truth[g][1] for g in genes}
    assert result.accessions == {g: truth[g][0] for g in genes}  # NR_/NP_ sort before XR_/XP_
    assert result.not_found == sorted(["79999", UNKNOWN_GENE])
    elinks = [e for e in log if e["path"] == ELINK]
    efetches = [e for e in log if e["path"] == EFETCH]
    assert len(elinks) == 3 and len(efetches) == 3  # 14 genes in batches of 5
    unique = list(dict.fromkeys(ids))
    for k, entry in enumerate(elinks):
        form = entry["form"]
        assert entry["method"] == "POST" and entry["query"] == {}
        assert form["id"] == unique[5 * k : 5 * k + 5]  # repeated id fields, one per gene
        for key, value in [
            ("dbfrom", "gene"),
            ("db", db),
            ("linkname", linkname),
            ("cmd", "neighbor"),
            ("idtype", "acc"),
            ("retmode", "json"),
            ("api_key", "test-key"),
            ("tool", "rnainteract"),
        ]:
            assert form[key] == [value], key
    fetched = []
    for entry in efetches:
        form = entry["form"]
        assert entry["method"] == "POST"
        assert (form["db"], form["rettype"], form["retmode"]) == ([db], ["fasta"], ["text"])
        assert len(form["id"]) == 1  # one comma-separated field
        fetched += form["id"][0].split(",")
    assert sorted(fetched) == sorted(truth[g][0] for g in genes)
    assert (result.report.requests, result.report.retries) == (6, 0)


def test_ncbi_accessions_are_fetched_directly(real, fake):
    ids = ["NR_100003.1", "NR_100001", "NP_200001.1", "NR_999999.1", "NR_100007.1"]
    result, log = fetch(fake, "ncbi", "rna", ids, batch_size=2)

    assert all(e["path"] == EFETCH for e in log) and len(log) == 3
    records = real.ncbi_records
    assert result.sequences == {
        "NR_100003.1": records["NR_100003.1"][1],
        "NR_100001": records["NR_100001.2"][1],  # unversioned: the version served
        "NR_100007.1": records["NR_100007.1"][1],
    }
    assert result.accessions["NR_100001"] == "NR_100001.2"
    assert result.not_found == ["NP_200001.1", "NR_999999.1"]  # a protein is not in nuccore


# ---------------------------------------------------------------------------------------------
# Ensembl
# ---------------------------------------------------------------------------------------------


def test_ensembl_posts_at_most_50_ids_and_bisects_unknown_ids(real, fake):
    stable = list(real.ensembl)
    ids = stable[:70] + ["ENSG00000000001"] + stable[70:]
    result, log = fetch(fake, "ensembl", "rna", ids)

    assert result.sequences == real.ensembl
    assert any("N" in s for s in result.sequences.values())  # served as is
    assert result.accessions == {i: f"{i}.1" for i in stable}
    assert result.not_found == ["ENSG00000000001"]
    for entry in log:
        assert entry["method"] == "POST" and len(entry["json"]["ids"]) <= 50
        assert entry["headers"]["Content-Type"] == "application/json"
        assert entry["headers"]["Accept"] == "application/json"
    answered = [i for e in log if e["status"] == 200 for i in e["json"]["ids"]]
    assert sorted(answered) == sorted(stable)  # valid ids of the bad batch are still fetched
    assert [e["json"]["ids"] for e in log if e["status"] == 400][-1] == ["ENSG00000000001"]
    assert result.report.requests == len(log)


def test_ensembl_batch_size_over_50_is_refused(fake):
    with pytest.raises(ValueError, match="ensembl.*50"):
        fetch(fake, "ensembl", "rna", ["ENSG00000900001"], batch_size=51)
    assert fake.requests == []


# ---------------------------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------------------------

SERVICES = {  # path of the faulted request, database, molecule, ids, batch size
    "uniprot": (UNIPROT, "uniprot", "protein", lambda r: list(r.proteins)[:12], 4),
    "ensembl": (ENSEMBL, "ensembl", "rna", lambda r: list(r.ensembl)[:12], 4),
    "ncbi-elink": (ELINK, "ncbi", "rna", lambda r: list(r.gene_truth["rna"])[:9], 4),
    "ncbi-efetch": (EFETCH, "ncbi", "protein", lambda r: list(r.gene_truth["protein"])[:9], 4),
}
FAULTS = {
    "500": "500",
    "503": "503",
    "429-retry-after-0": ("429", 0),
    "truncated": "truncate",
    "timeout": ("timeout", 2.0),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("service", list(SERVICES))
def test_transient_fault_is_retried_without_loss(real, fake, tmp_path, service, fault):
    path, database, molecule, pick, batch_size = SERVICES[service]
    ids = pick(real)
    options = {"batch_size": batch_size, "timeout_s": 0.5}
    reference, ref_log = fetch(fake, database, molecule, ids, tmp_path / "a.sqlite", **options)

    fake.fail(path, "ok", FAULTS[fault])  # the second request to that path fails once
    result, log = fetch(fake, database, molecule, ids, tmp_path / "b.sqlite", **options)

    same_result(result, reference)
    assert fake.pending_faults() == 0
    assert result.report.retries == 1
    assert len(log) == len(ref_log) + 1  # the failed request was sent again, once
    assert result.report.requests == reference.report.requests
    assert result.report.requests + result.report.retries == len(log)
    with SequenceCache(tmp_path / "a.sqlite") as a, SequenceCache(tmp_path / "b.sqlite") as b:
        assert b.get_many(ids) == a.get_many(ids)


def test_retry_after_is_honoured(real, fake):
    accessions = list(real.proteins)[:6]
    fake.fail(UNIPROT, "ok", "429")  # Retry-After: 1
    result, log = fetch(fake, "uniprot", "protein", accessions, batch_size=3)

    assert result.sequences == {a: real.proteins[a] for a in accessions}
    assert [e["status"] for e in log] == [200, 429, 200]  # N + 1 requests
    assert log[2]["t"] - log[1]["t"] >= 0.99  # waited Retry-After, not backoff_s (0.01 s)
    assert log[2]["query"] == log[1]["query"]
    assert (result.report.requests, result.report.retries) == (2, 1)


def test_several_faults_on_one_batch_are_all_counted(real, fake):
    ids = list(real.ensembl)[:8]
    reference, _ = fetch(fake, "ensembl", "rna", ids)
    fake.fail(ENSEMBL, "500", "truncate", ("429", 0), ("timeout", 2.0), "502")
    result, log = fetch(fake, "ensembl", "rna", ids, timeout_s=0.5, retries=5)
    same_result(result, reference)
    assert result.report.retries == 5
    assert len(log) == 6 and result.report.requests == 1


@pytest.mark.parametrize(
    ("fault", "message"),
    [("500", "HTTP 500"), ("truncate", "truncat|IncompleteRead"), (("timeout", 2.0), "timed out")],
)
def test_persistent_failure_raises_and_caches_nothing_of_the_batch(
    real, fake, tmp_path, fault, message
):
    accessions = list(real.proteins)[:15]
    cache = tmp_path / "uniprot.sqlite"
    retries = 2
    fake.fail(UNIPROT, "ok", *[fault] * (retries + 1))  # batch 2 fails every attempt
    with pytest.raises(SequenceFetchError, match=message) as caught:
        fetch(
            fake,
            "uniprot",
            "protein",
            accessions,
            cache,
            batch_size=5,
            retries=retries,
            timeout_s=0.5,
        )
    text = str(caught.value)
    assert text.startswith("uniprot:") and accessions[5] in text  # database and batch named
    with SequenceCache(cache) as stored:
        assert len(stored) == 5
        assert set(stored.get_many(accessions)) == set(accessions[:5])

    # resume: only the ids of the failed and the following batches are requested
    result, log = fetch(fake, "uniprot", "protein", accessions, cache, batch_size=5)
    resent = [a for e in log for a in e["query"]["accessions"][0].split(",")]
    assert sorted(resent) == sorted(accessions[5:])
    assert result.sequences == {a: real.proteins[a] for a in accessions}
    assert result.report.from_cache == 5 and result.report.fetched == 10


def test_not_found_answer_for_the_whole_request_is_an_error(real, fake, tmp_path):
    cache = tmp_path / "ensembl.sqlite"
    wrong = fake.base_urls["ensembl"] + "/no/such/endpoint"
    with pytest.raises(SequenceFetchError, match=r"ensembl: .*ENSG00000900001.*HTTP 404"):
        fetch(fake, "ensembl", "rna", list(real.ensembl)[:3], cache, base_url=wrong)
    with SequenceCache(cache) as stored:
        assert len(stored) == 0


def test_elink_batch_failure_caches_none_of_its_genes(real, fake, tmp_path):
    genes = list(real.gene_truth["rna"])[:6]
    cache = tmp_path / "ncbi.sqlite"
    fake.fail(EFETCH, "ok", "404")  # batch 2: ELink works, its EFetch does not
    with pytest.raises(SequenceFetchError, match="ncbi: .*HTTP 404"):
        fetch(fake, "ncbi", "rna", genes, cache, batch_size=3)
    with SequenceCache(cache) as stored:
        assert set(stored.get_many(genes)) == set(genes[:3])


# ---------------------------------------------------------------------------------------------
# Rate limits
# ---------------------------------------------------------------------------------------------


def test_rate_limit_holds_in_every_sliding_second(real, fake):
    accessions = list(real.proteins)[:20]
    result, log = fetch(fake, "uniprot", "protein", accessions, batch_size=1, max_requests_per_s=5)
    times = [e["t"] for e in log]
    assert len(times) == 20 and len(result.sequences) == 20
    assert max_in_window(times) <= 5
    assert times[-1] - times[0] >= 3.0


def test_ncbi_rate_is_clamped_to_3_per_s_without_api_key(real, fake, caplog):
    ids = ["NR_100001.1", "NR_100002.1", "NR_100003.1", "NR_100004.1"]
    options = {**opts(fake, "ncbi", batch_size=1, max_requests_per_s=50), "api_key": None}
    before = len(fake.requests)
    with caplog.at_level(logging.WARNING, logger="rnainteract.sources.seqclients"):
        result = fetch_sequences("ncbi", "rna", ids, cache_path=None, options=options)
    log = fake.requests[before:]
    assert len(result.sequences) == 4
    assert "without an API key" in caplog.text and "3.0" in caplog.text
    times = [e["t"] for e in log]
    assert max_in_window(times) <= 3 and times[3] - times[0] >= 1.0
    assert all("api_key" not in e["params"] for e in log)


def test_ncbi_rate_with_api_key_is_10_per_s_and_key_sent_as_form_field(
    real, fake, caplog, monkeypatch
):
    monkeypatch.setenv("NCBI_API_KEY", "env-key")
    monkeypatch.setenv("NCBI_EMAIL", "someone@example.org")
    ids = [f"NR_{100001 + i}.1" for i in range(12)]
    options = {**opts(fake, "ncbi", batch_size=1, max_requests_per_s=50), "api_key": None}
    before = len(fake.requests)
    with caplog.at_level(logging.WARNING, logger="rnainteract.sources.seqclients"):
        result = fetch_sequences("ncbi", "rna", ids, cache_path=None, options=options)
    log = fake.requests[before:]
    assert len(result.sequences) == 12
    assert "with an API key" in caplog.text
    times = [e["t"] for e in log]
    assert max_in_window(times) <= 10
    assert times[10] - times[0] >= 1.0
    assert times[-1] - times[0] < 3.0  # faster than 3/s could be
    for entry in log:
        assert entry["form"]["api_key"] == ["env-key"] and "api_key" not in entry["query"]
        assert entry["form"]["email"] == ["someone@example.org"]


def test_rate_limiter_sliding_window_with_a_fake_clock():
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2, clock=lambda: now[0], sleep=sleep)
    starts = []
    for _ in range(5):
        limiter.wait()
        starts.append(now[0])
    assert starts[:2] == [0.0, 0.0]
    assert all(starts[i + 2] - starts[i] >= 1.0 for i in range(3))
    assert starts[4] < 2.2  # no needless waiting
    slow = RateLimiter(0.5, clock=lambda: now[0], sleep=sleep)
    slow.wait()
    first = now[0]
    slow.wait()
    assert now[0] - first >= 2.0
    with pytest.raises(ValueError, match="max_per_s"):
        RateLimiter(0)


# ---------------------------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("database", "molecule", "pick"),
    [
        ("uniprot", "protein", lambda r: [*list(r.proteins)[:7], ABSENT_UNIPROT, "BAD_ACC"]),
        ("ncbi", "rna", lambda r: [*list(r.gene_truth["rna"])[:5], "79999", UNKNOWN_GENE]),
        ("ensembl", "rna", lambda r: [*list(r.ensembl)[:6], "ENSG00000000001"]),
    ],
)
def test_second_call_is_answered_by_the_cache(real, fake, tmp_path, database, molecule, pick):
    ids = pick(real)
    cache = tmp_path / f"{database}.sqlite"
    first, log1 = fetch(fake, database, molecule, ids, cache, batch_size=3)
    assert log1 and first.not_found  # some ids are known-missing now
    second, log2 = fetch(fake, database, molecule, ids, cache, batch_size=3)
    assert log2 == []  # found and known-missing ids alike
    same_result(second, first)
    report = second.report
    assert (report.from_cache, report.fetched, report.requests) == (len(ids), 0, 0)
    assert report.not_found == len(first.not_found)


def test_only_new_ids_are_requested(real, fake, tmp_path):
    accessions = list(real.proteins)[:10]
    cache = tmp_path / "uniprot.sqlite"
    fetch(fake, "uniprot", "protein", accessions[:6], cache)
    result, log = fetch(fake, "uniprot", "protein", accessions, cache)
    assert [e["query"]["accessions"][0].split(",") for e in log] == [accessions[6:]]
    assert result.sequences == {a: real.proteins[a] for a in accessions}
    assert (result.report.from_cache, result.report.fetched) == (6, 4)


def test_cache_file_of_another_database_is_refused(real, fake, tmp_path):
    cache = tmp_path / "seq.sqlite"
    fetch(fake, "uniprot", "protein", list(real.proteins)[:2], cache)
    with pytest.raises(ValueError, match="uniprot.*ensembl"):
        fetch(fake, "ensembl", "rna", list(real.ensembl)[:2], cache)


def test_sequence_cache_round_trip_and_one_transaction_per_put(tmp_path):
    path = tmp_path / "sub" / "cache.sqlite"
    with SequenceCache(path) as cache:
        cache.put_many({"a": ("ACGU", "A.1"), "b": (None, None)})
        assert len(cache) == 2
        assert cache.get_many(["a", "b", "c", "a"]) == {"a": ("ACGU", "A.1"), "b": (None, None)}
        with pytest.raises(ValueError, match="'y'"):
            cache.put_many({"x": ("GG", "X.1"), "y": "not a pair"})
        assert len(cache) == 2 and cache.get_many(["x"]) == {}
        cache.put_many({"b": ("CC", "B.2")})
    with SequenceCache(path) as reopened:
        assert reopened.get_many(["a", "b"]) == {"a": ("ACGU", "A.1"), "b": ("CC", "B.2")}
        big = {f"id{i}": ("A", None) for i in range(1200)}  # more ids than one SQL statement
        reopened.put_many(big)
        assert len(reopened.get_many(big)) == 1200


# ---------------------------------------------------------------------------------------------
# Local FASTA: miRBase and NONCODE
# ---------------------------------------------------------------------------------------------


def _mature(real: RealData) -> dict[str, tuple[str, str]]:
    with open(real.mature_fa) as handle:
        return {t.split()[0]: (t.split()[1], s) for t, s in SimpleFastaParser(handle)}


@pytest.mark.parametrize("gz", [False, True])
def test_mirbase_by_name_and_by_accession(real, tmp_path, gz):
    mature = _mature(real)
    path = real.mature_fa
    if gz:
        path = tmp_path / "mature.fa.gz"
        with gzip.open(path, "wb") as out:
            out.write(real.mature_fa.read_bytes())
    accession_of_21, seq_21 = mature["hsa-miR-21-5p"]
    ids = ["hsa-let-7a-5p", accession_of_21, "hsa-miR-0000-5p", "hsa-let-7a-5p"]
    result = fetch_sequences("mirbase", "rna", ids, cache_path=None, local_fasta=path)
    assert result.sequences == {
        "hsa-let-7a-5p": mature["hsa-let-7a-5p"][1],
        accession_of_21: seq_21,
    }
    assert result.accessions == {"hsa-let-7a-5p": "MIMAT0000062", accession_of_21: "MIMAT0000076"}
    assert result.not_found == ["hsa-miR-0000-5p"]
    assert (result.report.requests, result.report.requested, result.report.fetched) == (0, 3, 2)


def test_noncode_with_and_without_version(real, tmp_path):
    with open(real.rna_source) as handle:
        seqs = [s for _t, s in SimpleFastaParser(handle)][:5]
    path = tmp_path / "noncode.fa"
    path.write_text(
        f">NONHSAT000001.2\n{seqs[0]}\n"
        f">NONHSAT000002.1 lncRNA test\n{seqs[1].lower()}\n"
        f">NONHSAT000003\n{seqs[2]}\n"
        f">NONHSAT000004.1\n{seqs[3]}\n"
        f">NONHSAT000004.3\n{seqs[4]}\n"
    )
    ids = ["NONHSAT000001", "NONHSAT000001.2", "NONHSAT000001.1", "NONHSAT000002", "NONHSAT000003"]
    ids += ["NONHSAT000004", "NONHSAT000009"]
    result = fetch_sequences("noncode", "rna", ids, cache_path=None, local_fasta=path)
    assert result.sequences == {
        "NONHSAT000001": seqs[0],
        "NONHSAT000001.2": seqs[0],
        "NONHSAT000002": seqs[1].upper(),
        "NONHSAT000003": seqs[2],
        "NONHSAT000004": seqs[4],  # the latest version
    }
    assert result.accessions["NONHSAT000001"] == "NONHSAT000001.2"
    assert result.accessions["NONHSAT000004"] == "NONHSAT000004.3"
    assert result.not_found == ["NONHSAT000001.1", "NONHSAT000009"]  # a version must match


def test_local_databases_need_a_fasta(tmp_path):
    for database in ("mirbase", "noncode"):
        with pytest.raises(ValueError, match=f"{database}: local_fasta is required"):
            fetch_sequences(database, "rna", ["x"], cache_path=None)
    with pytest.raises(FileNotFoundError, match="mirbase"):
        fetch_sequences("mirbase", "rna", ["x"], cache_path=None, local_fasta=tmp_path / "no.fa")


# ---------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (("genbank", "rna", ["1"]), None, "unknown sequence database 'genbank'; allowed: ncbi"),
        (("ncbi", "dna", ["1"]), None, "unknown molecule 'dna'"),
        (
            ("uniprot", "protein", ["P12345"]),
            {"api_key": "k"},
            r"unknown option\(s\) \['api_key'\]",
        ),
        (("uniprot", "protein", ["P12345"]), {"batch_size": 0}, "batch_size"),
        (("uniprot", "protein", ["P12345,Q9H0E3"]), None, "commas"),
        (("ensembl", "rna", [""]), None, "non-empty"),
    ],
)
def test_bad_arguments_raise_value_error(tmp_path, args, options, message):
    with pytest.raises(ValueError, match=message):
        fetch_sequences(*args, cache_path=tmp_path / "c.sqlite", options=options)
    assert DATABASES == ("ncbi", "uniprot", "ensembl", "mirbase", "noncode")
