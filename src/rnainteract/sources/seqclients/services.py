"""The web services: NCBI E-utilities (ELink + EFetch), UniProt REST and Ensembl REST. Each
fetcher maps a batch of ids to ``{id: (sequence, accession)}`` for the ids it found."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

import requests
from tqdm import tqdm

from rnainteract.sources.seqclients.cache import SequenceCache
from rnainteract.sources.seqclients.http import (
    NCBI_LINKS,
    UNIPROT_ACCESSION,
    UNIPROT_MAX_PAGE_SIZE,
    BadRequest,
    Client,
    FatalAnswer,
    Found,
    MalformedAnswer,
    chunks,
    parse_fasta,
    parse_json,
)

log = logging.getLogger(__name__)


def fetch_remote(
    client: Client, molecule: str, todo: list[str], cache: SequenceCache | None
) -> Found:
    database = client.database
    size = client.settings.batch_size
    if database == "ncbi":  # Entrez Gene IDs first (ELink + EFetch), then accessions (EFetch)
        genes = [i for i in todo if i.isdigit()]
        accessions = [i for i in todo if not i.isdigit()]
        plan = [(b, _ncbi_genes) for b in chunks(genes, size)]
        plan += [(b, _ncbi_efetch) for b in chunks(accessions, size)]
    elif database == "uniprot":
        plan = [(b, partial(_bisect, fetch=_uniprot_batch)) for b in chunks(todo, size)]
    else:
        plan = [(b, partial(_bisect, fetch=_ensembl_batch)) for b in chunks(todo, size)]

    found: Found = {}
    with tqdm(total=len(todo), unit="id", desc=f"{database} {molecule}", disable=None) as bar:
        for batch, fetch in plan:
            got = fetch(client, molecule, batch)
            records = {i: got.get(i, (None, None)) for i in batch}
            if cache is not None:
                cache.put_many(records)
            found.update({i: got[i] for i in batch if i in got})
            bar.update(len(batch))
    return found


def _bisect(
    client: Client,
    molecule: str,
    ids: list[str],
    *,
    fetch: Callable[[Client, list[str]], Found],
) -> Found:
    """Fetch ``ids``; on HTTP 400 split them in halves until the bad ids are isolated."""
    try:
        return fetch(client, ids)
    except BadRequest as bad:
        if len(ids) == 1:
            if not _explains_400(client.database, ids[0], bad.text):
                raise client.fail(ids, f"HTTP 400: {bad.text[:300]!r}") from None
            log.info("%s: id %s refused (HTTP 400), not found", client.database, ids[0])
            return {}
        log.info("%s: HTTP 400 for %d ids, splitting the batch", client.database, len(ids))
        middle = len(ids) // 2
        found = _bisect(client, molecule, ids[:middle], fetch=fetch)
        found.update(_bisect(client, molecule, ids[middle:], fetch=fetch))
        return found


def _explains_400(database: str, one_id: str, text: str) -> bool:
    """Whether a 400 for the single id ``one_id`` means "no such id" rather than a broken request.

    UniProt refuses a malformed accession (its message does not name it); Ensembl answers
    ``{"error": "ID 'X' not found"}`` naming the id.
    """
    if database == "uniprot":
        return not UNIPROT_ACCESSION.match(one_id) or one_id in text
    return one_id in text


def _ncbi_form(client: Client, fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return fields + list(client.settings.ncbi_params)


def _ncbi_genes(client: Client, molecule: str, genes: list[str]) -> Found:
    """ELink the Entrez Gene IDs to RefSeq accessions, then EFetch the chosen accessions."""
    db, linkname = NCBI_LINKS[molecule]
    form = _ncbi_form(
        client,
        [
            ("dbfrom", "gene"),
            ("db", db),
            ("linkname", linkname),
            ("cmd", "neighbor"),
            ("idtype", "acc"),
            ("retmode", "json"),
        ]
        + [("id", gene) for gene in genes],  # one field per id: one linkset per gene
    )

    def parse(response: requests.Response) -> dict[str, str]:
        return _parse_elink(parse_json(response), genes, db, linkname)

    url = f"{client.settings.base_url}/elink.fcgi"
    chosen = client.call("POST", url, genes, parse, data=form)
    records: Found = {}
    accessions = sorted(set(chosen.values()))
    for chunk in chunks(accessions, client.settings.batch_size):
        records.update(_ncbi_efetch(client, molecule, chunk))
    found: Found = {}
    for gene in genes:
        accession = chosen.get(gene)
        if accession is None:
            log.info("ncbi: gene %s has no %s link, not found", gene, linkname)
        elif accession not in records:
            log.warning("ncbi: gene %s -> %s, but EFetch returned no record", gene, accession)
        else:
            found[gene] = records[accession]
    return found


def _parse_elink(data: Any, genes: list[str], db: str, linkname: str) -> dict[str, str]:
    """Map each gene to the first of its linked accessions in string order."""
    if not isinstance(data, dict) or "linksets" not in data:
        error = data.get("ERROR") or data.get("error") if isinstance(data, dict) else None
        if error:
            raise FatalAnswer(f"ELink error: {error}")
        raise MalformedAnswer(f"ELink answer without 'linksets': {str(data)[:200]}")
    requested, unanswered = set(genes), set(genes)
    chosen: dict[str, str] = {}
    for linkset in data["linksets"]:
        ids = [str(i) for i in linkset.get("ids", [])]
        if len(ids) != 1:
            raise FatalAnswer(f"ELink linkset for {len(ids)} ids {ids[:3]}, expected one per gene")
        if ids[0] not in requested:
            continue
        links: list[str] = []
        for linksetdb in linkset.get("linksetdbs", []):
            if linksetdb.get("linkname", linkname) == linkname and linksetdb.get("dbto", db) == db:
                links.extend(str(link) for link in linksetdb.get("links", []))
        if links:
            chosen[ids[0]] = sorted(links)[0]
        unanswered.discard(ids[0])
    if unanswered:  # NCBI answers every id, with a linkset without links when nothing links
        log.warning("ncbi: no ELink linkset for gene(s) %s; not found", sorted(unanswered)[:5])
    return chosen


def _ncbi_efetch(client: Client, molecule: str, accessions: list[str]) -> Found:
    """EFetch FASTA records; match by accession.version, or by accession for unversioned ids."""
    db = NCBI_LINKS[molecule][0]
    form = _ncbi_form(
        client,
        [("db", db), ("rettype", "fasta"), ("retmode", "text"), ("id", ",".join(accessions))],
    )

    def parse(response: requests.Response) -> Found:
        by_accession: dict[str, tuple[str, str]] = {}
        by_base: dict[str, tuple[str, str]] = {}
        for header, _description, sequence in parse_fasta(response.text):
            accession = header.split("|")[1] if header.count("|") >= 2 else header
            by_accession.setdefault(accession, (sequence, accession))
            by_base.setdefault(accession.split(".")[0], (sequence, accession))
        found: Found = {}
        for requested in accessions:
            hit = by_accession.get(requested)
            if hit is None and "." not in requested:
                hit = by_base.get(requested)
            if hit is not None and hit[0]:
                found[requested] = hit
        return found

    url = f"{client.settings.base_url}/efetch.fcgi"
    return client.call("POST", url, accessions, parse, data=form)


def _uniprot_batch(client: Client, ids: list[str]) -> Found:
    """GET /uniprotkb/accessions (FASTA), following ``Link: rel="next"`` pages."""
    url: str | None = f"{client.settings.base_url}/uniprotkb/accessions"
    params: dict[str, Any] | None = {
        "accessions": ",".join(ids),
        "format": "fasta",
        "size": min(len(ids), UNIPROT_MAX_PAGE_SIZE),
    }
    wanted = set(ids)

    def parse(response: requests.Response) -> tuple[Found, str | None]:
        page: Found = {}
        for header, _description, sequence in parse_fasta(response.text):
            fields = header.split("|")
            accession = fields[1] if len(fields) >= 3 else header
            if accession in wanted and sequence:
                page.setdefault(accession, (sequence, accession))
        return page, response.links.get("next", {}).get("url")

    found: Found = {}
    for _page in range(len(ids) + 1):  # a page holds >= 1 entry: more pages means a loop
        if url is None:
            return found
        page, url = client.call("GET", url, ids, parse, bisectable=True, params=params)
        found.update(page)
        params = None  # the next-page URL carries the query
    raise client.fail(ids, "UniProt kept announcing further pages")


def _ensembl_batch(client: Client, ids: list[str]) -> Found:
    """POST /sequence/id with a JSON body; match answers by ``query`` (else ``id``)."""
    wanted = set(ids)

    def parse(response: requests.Response) -> Found:
        data = parse_json(response)
        if isinstance(data, dict) and "error" in data:
            raise FatalAnswer(f"Ensembl error: {data['error']}")
        if not isinstance(data, list):
            raise MalformedAnswer(f"Ensembl answer is not a list: {str(data)[:200]}")
        found: Found = {}
        for item in data:
            key = item.get("query") or item.get("id")
            sequence = "".join(str(item.get("seq") or "").split()).upper()
            if key in wanted and sequence:
                stable = item.get("id") or key
                version = item.get("version")
                accession = f"{stable}.{version}" if version and "." not in stable else stable
                found.setdefault(key, (sequence, accession))
        return found

    return client.call(
        "POST",
        f"{client.settings.base_url}/sequence/id",
        ids,
        parse,
        bisectable=True,
        json={"ids": ids},
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
