"""A local fake of NCBI E-utilities, UniProt REST and Ensembl REST for the sequence-client tests.

:class:`FakeServices` runs a threaded HTTP server on 127.0.0.1 (a free port) that answers from
in-memory data in each service's real response format:

* ``/entrez/eutils/elink.fcgi`` (GET or POST): ELink JSON; repeated ``id`` fields give one linkset
  per id ("by id" mode), comma-joined ids one combined linkset; ``idtype=acc`` gives accessions,
  otherwise numeric uids; a gene without links has a linkset without ``linksetdbs``.
* ``/entrez/eutils/efetch.fcgi`` (GET or POST): multi-record FASTA, ``>ACC.V description``, 70
  letters per line, a blank line after each record; unknown accessions are omitted.
* ``/uniprotkb/accessions`` (GET): ``>sp|ACC|NAME description OS=...`` FASTA, 60 letters per
  line, paginated by ``size`` (default 25, lowered to ``uniprot_max_page_size``) with a
  ``Link: <...>; rel="next"`` header; unknown accessions are omitted; an accession that does not
  match UniProt's accession format gives HTTP 400 with UniProt's JSON error body.
* ``/sequence/id`` (POST, JSON ``{"ids": [...]}``): Ensembl's JSON list; more than 50 ids, or any
  unknown id, gives HTTP 400 ``{"error": ...}`` as the real service does.

Faults are queued per path prefix with :meth:`FakeServices.fail` and consumed one per matching
request; every request is logged in :attr:`FakeServices.requests`.

:func:`load_real_data` builds default data from the real sequences in ../shared/data (read at
test time, never copied into the repository).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from Bio.SeqIO.FastaIO import SimpleFastaParser

NCBI_PREFIX = "/entrez/eutils"
ELINK = f"{NCBI_PREFIX}/elink.fcgi"
EFETCH = f"{NCBI_PREFIX}/efetch.fcgi"
UNIPROT = "/uniprotkb/accessions"
ENSEMBL = "/sequence/id"
# UniProt accession format (uniprot.org/help/accession_numbers), optional isoform suffix.
UNIPROT_ACCESSION = re.compile(
    r"^(?:[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})(?:-[0-9]+)?$"
)
UNIPROT_BAD_FORMAT = (
    "The 'accessions' value has invalid format. It should be a valid UniProtKB accession"
)
ENSEMBL_MAX_IDS = 50
NCBI_PROTEIN_PREFIXES = ("NP_", "XP_", "YP_", "WP_", "AP_")
# ELink link names per molecule: (target db, RefSeq link, broader link also served)
NCBI_LINKS = {
    "rna": ("nuccore", "gene_nuccore_refseqrna", "gene_nuccore"),
    "protein": ("protein", "gene_protein_refseq", "gene_protein"),
}


def _wrap(sequence: str, width: int) -> str:
    return "".join(sequence[i : i + width] + "\n" for i in range(0, len(sequence), width))


class FakeServices:
    """Fake NCBI/UniProt/Ensembl server answering from in-memory data, with fault injection.

    Args:
        ncbi_gene_links: Entrez Gene ID -> ``{"rna": [accessions], "protein": [accessions]}``.
        ncbi_records: ``accession.version`` -> ``(description, sequence)``; ``NP_``/``XP_``/...
            accessions are in db ``protein``, all others in ``nuccore``.
        uniprot: accession -> ``(entry name, e.g. "ROA1_HUMAN", sequence)``.
        ensembl: stable id -> sequence.
        uniprot_max_page_size: most entries per UniProt page; a larger ``size`` is lowered to
            it (the real service pages by at most 500).

    Attributes:
        requests: one dict per request, in arrival order: ``t`` (time.monotonic() at arrival),
            ``path``, ``method``, ``params`` (query and form fields, name -> list of values),
            ``query`` and ``form`` (each separately), ``json`` (parsed body or None),
            ``headers``, ``fault`` (the injected fault or None) and ``status`` (sent status;
            None for a timeout whose answer could not be delivered).
    """

    def __init__(
        self,
        *,
        ncbi_gene_links: dict[str, dict[str, list[str]]] | None = None,
        ncbi_records: dict[str, tuple[str, str]] | None = None,
        uniprot: dict[str, tuple[str, str]] | None = None,
        ensembl: dict[str, str] | None = None,
        uniprot_max_page_size: int = 500,
    ):
        self.ncbi_gene_links = dict(ncbi_gene_links or {})
        self.ncbi_records = dict(ncbi_records or {})
        self.uniprot = dict(uniprot or {})
        self.ensembl = dict(ensembl or {})
        self.uniprot_max_page_size = uniprot_max_page_size
        self.requests: list[dict] = []
        self._faults: list[tuple[str, deque]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeServices:
        """Start serving on 127.0.0.1 (a free port) in a daemon thread; return self."""
        handler = type("BoundHandler", (_Handler,), {"fake": self})
        self._stop.clear()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.block_on_close = False  # a "timeout" fault must not hold up stop()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the server (pending "timeout" faults are released at once)."""
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeServices:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port served (the server must be started)."""
        if self._httpd is None:
            raise RuntimeError("FakeServices is not started")
        return self._httpd.server_address[1]

    @property
    def base_urls(self) -> dict[str, str]:
        """``{"ncbi": .../entrez/eutils, "uniprot": ..., "ensembl": ...}`` for the clients."""
        root = f"http://127.0.0.1:{self.port}"
        return {"ncbi": root + NCBI_PREFIX, "uniprot": root, "ensembl": root}

    # -- faults and log ------------------------------------------------------------------------

    def fail(self, path_prefix: str, *faults: str | tuple) -> None:
        """Queue faults for requests whose path starts with ``path_prefix``, one per request.

        Faults: ``"429"`` (Retry-After: 1) or ``("429", seconds)``; ``"400"`` (the service's
        400 body); ``"truncate"`` (announce the full Content-Length, send half the body, close);
        ``"timeout"`` (wait 2 s, then answer) or ``("timeout", seconds)``; ``"ok"`` (answer
        normally: lets later faults hit later requests); any other 3-digit status, e.g.
        ``"500"``, ``"503"``, ``"404"``.
        """
        with self._lock:
            self._faults.append((path_prefix, deque(faults)))

    def pending_faults(self) -> int:
        """Number of queued faults not consumed yet."""
        with self._lock:
            return sum(len(queue) for _prefix, queue in self._faults)

    def requests_to(self, path_suffix: str) -> list[dict]:
        """Logged requests whose path ends with ``path_suffix`` (e.g. ``"efetch.fcgi"``)."""
        with self._lock:
            return [r for r in self.requests if r["path"].endswith(path_suffix)]

    def _take_fault(self, path: str) -> str | tuple | None:
        with self._lock:
            for prefix, queue in self._faults:
                if path.startswith(prefix) and queue:
                    return queue.popleft()
        return None

    def _log(self, entry: dict) -> None:
        with self._lock:
            self.requests.append(entry)

    # -- answers: (status, content type, body bytes, extra headers) ---------------------------

    def answer(self, method: str, path: str, params: dict, body_json: Any, headers) -> tuple:
        """The fault-free answer to a request: ``(status, content_type, body, extra_headers)``."""
        if path == ELINK:
            return self._elink(params)
        if path == EFETCH:
            return self._efetch(params)
        if path == UNIPROT and method == "GET":
            return self._uniprot(params)
        if path == ENSEMBL and method == "POST":
            return self._ensembl(body_json, headers)
        return 404, "text/plain", b"Not Found", []

    def bad_request(self, path: str) -> tuple:
        """The service's generic HTTP 400 answer (used by the "400" fault)."""
        if path.startswith(UNIPROT):
            return _json(400, {"url": self.base_urls["uniprot"] + UNIPROT, "messages": ["bad"]})
        if path.startswith(ENSEMBL):
            return _json(400, {"error": "Bad request (injected)"})
        return _json(400, {"ERROR": "Bad request (injected)"})

    def _elink(self, params: dict) -> tuple:
        def first(name: str, default: str = "") -> str:
            return (params.get(name) or [default])[0]

        molecule = {"nuccore": "rna", "protein": "protein"}.get(first("db"))
        if first("dbfrom") != "gene" or molecule is None or not params.get("id"):
            return _json(400, {"ERROR": "dbfrom=gene, db=nuccore|protein and id are required"})
        if first("cmd", "neighbor") != "neighbor":
            return _json(400, {"ERROR": f"cmd {first('cmd')!r} not served by the fake"})
        if first("retmode", "xml") != "json":
            return 200, "text/xml", b"<?xml version='1.0'?><eLinkResult></eLinkResult>\n", []
        db, refseq_link, broad_link = NCBI_LINKS[molecule]
        linkname = first("linkname")
        if linkname and linkname not in (refseq_link, broad_link):
            return _json(400, {"ERROR": f"Invalid linkname {linkname!r} for db {db}"})
        as_acc = first("idtype") == "acc"
        linksets = []
        for field in params["id"]:  # one id field = one linkset; "1,2" in one field = combined
            genes = [g for g in field.split(",") if g]
            linkset: dict[str, Any] = {"dbfrom": "gene", "ids": genes}
            refseq = sorted(
                {a for g in genes for a in self.ncbi_gene_links.get(g, {}).get(molecule, [])}
            )
            linksetdbs = []
            for name in (broad_link, refseq_link):
                if linkname and name != linkname:
                    continue
                links = refseq + (["NC_000001.11"] if name == broad_link and refseq else [])
                if links:
                    shown = links if as_acc else [str(_uid(a)) for a in links]
                    linksetdbs.append({"dbto": db, "linkname": name, "links": shown})
            if linksetdbs:
                linkset["linksetdbs"] = linksetdbs
            linksets.append(linkset)
        return _json(200, {"header": {"type": "elink", "version": "0.3"}, "linksets": linksets})

    def _efetch(self, params: dict) -> tuple:
        db = (params.get("db") or [""])[0]
        if db not in ("nuccore", "protein") or not params.get("id"):
            return 400, "text/plain", b"Error: db=nuccore|protein and id are required\n", []
        if (params.get("rettype") or [""])[0] != "fasta":
            return 400, "text/plain", b"Error: only rettype=fasta is served by the fake\n", []
        requested = [a for field in params["id"] for a in field.split(",") if a]
        chunks = []
        for accession in dict.fromkeys(requested):
            key = self._ncbi_key(accession)
            if key is None or (db == "protein") != key.startswith(NCBI_PROTEIN_PREFIXES):
                continue
            description, sequence = self.ncbi_records[key]
            chunks.append(f">{key} {description}\n{_wrap(sequence, 70)}\n")
        return 200, "text/plain", "".join(chunks).encode(), []

    def _ncbi_key(self, accession: str) -> str | None:
        if accession in self.ncbi_records:
            return accession
        if "." in accession:
            return None
        versions = [k for k in self.ncbi_records if k.split(".")[0] == accession]
        return max(versions, key=lambda k: int(k.split(".")[1])) if versions else None

    def _uniprot(self, params: dict) -> tuple:
        raw = (params.get("accessions") or [""])[0]
        accessions = [a for a in raw.split(",") if a]
        if not accessions or any(not UNIPROT_ACCESSION.match(a) for a in accessions):
            return _json(
                400, {"url": self.base_urls["uniprot"] + UNIPROT, "messages": [UNIPROT_BAD_FORMAT]}
            )
        size = int((params.get("size") or ["25"])[0])
        if size < 1:
            message = "'size' must be greater than 0"
            return _json(400, {"url": self.base_urls["uniprot"] + UNIPROT, "messages": [message]})
        size = min(size, self.uniprot_max_page_size)
        offset = int((params.get("cursor") or ["c0"])[0].lstrip("c"))
        entries = [a for a in dict.fromkeys(accessions) if a in self.uniprot]
        page = entries[offset : offset + size]
        fmt = (params.get("format") or ["json"])[0]
        if fmt == "fasta":
            body = "".join(
                f">sp|{a}|{self.uniprot[a][0]} Test protein {a} OS=Homo sapiens OX=9606 "
                f"PE=1 SV=1\n{_wrap(self.uniprot[a][1], 60)}"
                for a in page
            )
            status, ctype, payload = 200, "text/plain;format=fasta", body.encode()
        else:
            results = [
                {"primaryAccession": a, "sequence": {"value": self.uniprot[a][1]}} for a in page
            ]
            status, ctype, payload, _ = _json(200, {"results": results})
        extra = [("X-Total-Results", str(len(entries)))]
        if offset + size < len(entries):
            query = {
                "accessions": raw,
                "format": fmt,
                "size": size,
                "cursor": f"c{offset + size}",
            }
            next_url = f"{self.base_urls['uniprot']}{UNIPROT}?{urlencode(query)}"
            extra.append(("Link", f'<{next_url}>; rel="next"'))
        return status, ctype, payload, extra

    def _ensembl(self, body_json: Any, headers) -> tuple:
        if "application/json" not in (headers.get("Content-Type") or ""):
            return _json(400, {"error": "POST requests need Content-Type: application/json"})
        if "application/json" not in (headers.get("Accept") or ""):
            return _json(400, {"error": "Accept: application/json is required by the fake"})
        ids = body_json.get("ids") if isinstance(body_json, dict) else None
        if not isinstance(ids, list) or not ids:
            return _json(400, {"error": "the POST body must be a JSON object with a list 'ids'"})
        if len(ids) > ENSEMBL_MAX_IDS:
            return _json(
                400,
                {
                    "error": f"POST message too large. You have submitted {len(ids)} IDs for a "
                    f"POST endpoint that has a limit of {ENSEMBL_MAX_IDS}. Please reduce the "
                    "size of your request."
                },
            )
        answer = []
        for query in ids:
            stable = str(query).split(".")[0]
            if stable not in self.ensembl:
                return _json(400, {"error": f"ID '{query}' not found"})
            answer.append(
                {
                    "id": stable,
                    "query": query,
                    "seq": self.ensembl[stable],
                    "molecule": "protein" if re.match(r"ENS[A-Z]*P\d", stable) else "dna",
                    "desc": f"chromosome:GRCh38:1:1:{len(self.ensembl[stable])}:1",
                    "version": 1,
                }
            )
        return _json(200, answer)


def _json(status: int, obj: Any) -> tuple:
    return status, "application/json", json.dumps(obj).encode(), []


def _uid(accession: str) -> int:
    """A stable fake numeric uid for an accession (what ELink gives without idtype=acc)."""
    return 100_000_000 + sum((i + 1) * ord(c) for i, c in enumerate(accession))


class _Handler(BaseHTTPRequestHandler):
    fake: FakeServices  # set on the subclass made in FakeServices.start
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls between header and body writes

    def log_message(self, *args) -> None:  # keep pytest output quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        arrived = time.monotonic()
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type") or ""
        query = parse_qs(url.query, keep_blank_values=True)
        form = {}
        if "application/x-www-form-urlencoded" in content_type:
            form = parse_qs(body.decode(), keep_blank_values=True)
        body_json = None
        if "json" in content_type and body:
            try:
                body_json = json.loads(body)
            except ValueError:
                body_json = None
        params = {k: list(v) for k, v in query.items()}
        for key, values in form.items():
            params.setdefault(key, []).extend(values)
        fake = self.fake
        fault = fake._take_fault(url.path)
        entry = {
            "t": arrived,
            "path": url.path,
            "method": method,
            "params": params,
            "query": query,
            "form": form,
            "json": body_json,
            "headers": dict(self.headers),
            "fault": fault,
            "status": None,
        }
        fake._log(entry)
        kind, arg = (fault[0], fault[1]) if isinstance(fault, tuple) else (fault, None)
        status, ctype, payload, extra = fake.answer(
            method, url.path, params, body_json, self.headers
        )
        if kind == "truncate":
            entry["status"] = 200  # logged before sending: the client may read the log at once
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(max(len(payload), 16)))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if kind == "timeout":
            if fake._stop.wait(2.0 if arg is None else float(arg)):
                self.close_connection = True
                return
        elif kind == "429":
            retry_after = "1" if arg is None else str(arg)
            status, ctype, payload, extra = 429, "text/plain", b"Too Many Requests", []
            extra = [("Retry-After", retry_after)]
        elif kind == "400":
            status, ctype, payload, extra = fake.bad_request(url.path)
        elif kind not in (None, "ok"):
            status, ctype, payload, extra = (
                int(kind),
                "text/plain",
                f"{kind} (injected)".encode(),
                [],
            )
        entry["status"] = status  # logged before sending: the client may read the log at once
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            for key, value in extra:
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:  # the client gave up (timeout) and closed the connection
            entry["status"] = None
            self.close_connection = True


@pytest.fixture
def fake_services() -> Iterator:
    """Factory fixture: ``fake_services(**data)`` starts a :class:`FakeServices`, stopped after."""
    started: list[FakeServices] = []

    def make(**data) -> FakeServices:
        fake = FakeServices(**data).start()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.stop()


# ---------------------------------------------------------------------------------------------
# Real data from ../shared/data
# ---------------------------------------------------------------------------------------------


@dataclass
class RealData:
    """Fake-service data built from real sequences, and the truth to compare with.

    Attributes:
        proteins: UniProt accession -> sequence (NPInter, RPITER protein FASTA).
        uniprot: accession -> (entry name, sequence) for :class:`FakeServices`.
        ncbi_records: accession.version -> (description, sequence): RNAs ``NR_``/``XR_`` from the
            NPInter (RPI-EDLCN) and RPI2241 (RPITER) RNA FASTA files, proteins ``NP_``/``XP_``.
        ncbi_gene_links: gene id -> {"rna": [...], "protein": [...]}; gene ``g`` links one
            ``NR_`` and one ``XR_`` (and ``NP_``/``XP_``); the ``NR_``/``NP_`` is the expected pick.
        gene_truth: molecule -> gene id -> (accession, sequence) expected from the client.
        ensembl: stable id -> sequence (RPI2241 RNAs, including some with ``N``).
        mature_fa: the real miRBase ``mature.fa``.
        rna_source: the NPInter RNA FASTA (for tests that write NONCODE-style files).
    """

    proteins: dict[str, str]
    uniprot: dict[str, tuple[str, str]]
    ncbi_records: dict[str, tuple[str, str]]
    ncbi_gene_links: dict[str, dict[str, list[str]]]
    gene_truth: dict[str, dict[str, tuple[str, str]]]
    ensembl: dict[str, str]
    mature_fa: Path
    rna_source: Path

    def services(self, **extra) -> dict:
        """Keyword arguments for :class:`FakeServices` (plus ``extra``)."""
        return {
            "ncbi_gene_links": self.ncbi_gene_links,
            "ncbi_records": self.ncbi_records,
            "uniprot": self.uniprot,
            "ensembl": self.ensembl,
            **extra,
        }


def _read_fasta(path: Path) -> list[tuple[str, str]]:
    with open(path) as handle:
        return [(title.split()[0], seq) for title, seq in SimpleFastaParser(handle)]


def load_real_data(shared_data: Path, *, n_genes: int = 60) -> RealData:
    """Build :class:`RealData` from ``shared_data`` (../shared/data).

    Sequences are real; the RefSeq accessions, gene ids and Ensembl ids given to them are
    synthetic (``NR_100001.1``, gene ``70001``, ``ENSG00000900001``...).
    """
    protein_fa = shared_data / "NPInter" / "rpiter_sequence_NPInter_protein_seq.fa"
    rna_fa = shared_data / "NPInter" / "rpiedlcn_NPInter_rna_seq.fa"
    rpi2241_fa = shared_data / "RPI2241" / "rpiter_sequence_RPI2241_rna_seq.fa"
    proteins = {acc: seq for acc, seq in _read_fasta(protein_fa) if UNIPROT_ACCESSION.match(acc)}
    uniprot = {acc: (f"TST{i}_HUMAN", seq) for i, (acc, seq) in enumerate(proteins.items())}
    rnas = [seq for _id, seq in _read_fasta(rna_fa)]
    protein_seqs = list(proteins.values())

    records: dict[str, tuple[str, str]] = {}
    links: dict[str, dict[str, list[str]]] = {}
    truth: dict[str, dict[str, tuple[str, str]]] = {"rna": {}, "protein": {}}
    for i in range(n_genes):
        gene = str(70001 + i)
        nr, xr = f"NR_{100001 + i}.1", f"XR_{900001 + i}.1"
        np_, xp = f"NP_{200001 + i}.1", f"XP_{800001 + i}.1"
        records[nr] = (f"Homo sapiens test gene {gene}, non-coding RNA", rnas[i])
        records[xr] = (f"PREDICTED: Homo sapiens test gene {gene}", rnas[500 + i])
        records[np_] = (f"test protein {gene} [Homo sapiens]", protein_seqs[i])
        records[xp] = (f"PREDICTED: test protein {gene} [Homo sapiens]", protein_seqs[200 + i])
        links[gene] = {"rna": [xr, nr], "protein": [xp, np_]}  # served sorted: NR_ < XR_
        truth["rna"][gene] = (nr, rnas[i])
        truth["protein"][gene] = (np_, protein_seqs[i])
    links["79999"] = {"rna": [], "protein": []}  # a gene without RefSeq products
    # a second version of one record: unversioned requests get the latest
    records["NR_100001.2"] = ("Homo sapiens test gene 70001, version 2", rnas[1000])

    rpi2241 = _read_fasta(rpi2241_fa)
    with_n = [seq for _id, seq in rpi2241 if "N" in seq][:3]
    plain = [seq for _id, seq in rpi2241 if "N" not in seq and len(seq) >= 20][:117]
    ensembl = {f"ENSG{900001 + i:011d}": seq for i, seq in enumerate(with_n + plain)}
    return RealData(
        proteins=proteins,
        uniprot=uniprot,
        ncbi_records=records,
        ncbi_gene_links=links,
        gene_truth=truth,
        ensembl=ensembl,
        mature_fa=shared_data / "miRBase_samples" / "mature.fa",
        rna_source=rna_fa,
    )
