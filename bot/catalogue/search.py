"""Searching the catalogue with the resident's own words, when no need was recognised.

On SQLite the words go to the FTS5 index (bot/catalogue/search_index.py),
ranked by BM25 with a service's names weighing most; elsewhere a LIKE search
reads the same folded documents. Either way only services of the resident's
municipality or nationwide ones are found, and any input (empty, huge,
binary, FTS5 or SQL syntax) gives a list, never an error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import JSON, Float, String, and_, case, literal, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, joinedload, selectinload

from bot.catalogue.models import Service
from bot.catalogue.search_index import (
    FTS_TABLE,
    NATIONWIDE,
    TEXT_COLUMNS,
    SearchDocument,
    area_word,
    known_stems,
    search_tables_exist,
)
from bot.catalogue.search_terms import MIN_STEM_CHARS, fts5_prefix, query_words, truncated_stem
from bot.routing import service_summary

log = logging.getLogger(__name__)

MUNICIPALITY_CODE = re.compile(r"\d{3}")
MAX_LIMIT = 20
# A service not given in the resident's language ranks as if it matched this much less.
OTHER_LANGUAGE_FACTOR = 0.8
# Ranked by words first, then by language among this many times the hits wanted.
CANDIDATES_PER_HIT = 4
# BM25 weights per FTS column (TEXT_COLUMNS, then areas, which never scores).
COLUMN_WEIGHTS = {"names": 10.0, "keywords": 5.0, "organisation": 2.0, "descriptions": 1.0}


@dataclass
class SearchHit:
    service: Service
    # Higher is better; comparable only within one search.
    score: float

    @property
    def service_id(self) -> str:
        return self.service.id

    @property
    def need_codes(self) -> list[str]:
        return self.service.need_codes

    def summary(self, language: str) -> dict:
        """The service as the routing payload lists it (bot.routing.service_summary)."""
        return service_summary(self.service, language)


def search_services(
    session: Session, text: str, language: str, municipality: str | None, limit: int = 3
) -> list[SearchHit]:
    """The services that best match the words, in the municipality or nationwide, best first."""
    sqlite = session.connection().dialect.name == "sqlite"
    return _search(
        session, _fts_ranked if sqlite else _like_ranked, text, language, municipality, limit
    )


def search_services_like(
    session: Session, text: str, language: str, municipality: str | None, limit: int = 3
) -> list[SearchHit]:
    """The same search with LIKE on any engine: the fallback, and the benchmark's baseline."""
    return _search(session, _like_ranked, text, language, municipality, limit)


class Candidate(NamedTuple):
    service_id: str
    score: float
    languages: list[str]


Ranker = Callable[[Connection, str, str, str | None, int], list[Candidate]]


def _search(
    session: Session,
    ranked: Ranker,
    text: str,
    language: str,
    municipality: str | None,
    limit: int,
) -> list[SearchHit]:
    connection = session.connection()
    if not search_tables_exist(connection):
        log.warning("the catalogue search index is missing: load or import the catalogue")
        return []
    wanted = _clamp(limit)
    candidates = ranked(connection, text, language, municipality, wanted * CANDIDATES_PER_HIT)
    return _hits(session, _in_language_first(candidates, language)[:wanted])


def _area_words(municipality: str | None) -> list[str]:
    """Where the resident may go; an unreadable municipality leaves only nationwide services."""
    local = (
        [area_word(municipality)]
        if isinstance(municipality, str) and MUNICIPALITY_CODE.fullmatch(municipality)
        else []
    )
    return [NATIONWIDE, *local]


def _clamp(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT)) if isinstance(limit, int) else 3


def _in_language_first(candidates: list[Candidate], language: str) -> list[Candidate]:
    """Services given in the resident's language first, unless another matches clearly better."""
    weighed = [
        c if language in (c.languages or []) else c._replace(score=c.score * OTHER_LANGUAGE_FACTOR)
        for c in candidates
    ]
    return sorted(weighed, key=lambda c: c.score, reverse=True)


def _fts_ranked(
    connection: Connection, text: str, language: str, municipality: str | None, limit: int
) -> list[tuple[str, float]]:
    words = query_words(text, language)
    stems = known_stems(connection, words)
    terms: list[str] = []
    for word in words:
        if len(word) < MIN_STEM_CHARS:
            terms.append('"' + word + '"')
        else:
            terms += [fts5_prefix(stem) for stem in stems[word]]
    if not terms:
        return []
    areas = " OR ".join(f'"{word}"' for word in _area_words(municipality))
    match = f"{{{' '.join(TEXT_COLUMNS)}}} : ({' OR '.join(terms)}) AND areas : ({areas})"
    weights = ", ".join(str(COLUMN_WEIGHTS[column]) for column in TEXT_COLUMNS)
    # Ranked first, joined after: joining every match costs more than ranking it.
    query = sql_text(
        f"SELECT d.service_id, ranked.score, s.languages FROM ("
        f"SELECT rowid, -bm25({FTS_TABLE}, {weights}, 0.0) AS score FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH :match ORDER BY score DESC LIMIT :limit) AS ranked "
        f"JOIN {SearchDocument.__tablename__} AS d ON d.id = ranked.rowid "
        f"JOIN {Service.__tablename__} AS s ON s.id = d.service_id ORDER BY ranked.score DESC"
    ).columns(service_id=String, score=Float, languages=JSON)
    rows = connection.execute(query, {"match": match, "limit": limit})
    return [Candidate(*row) for row in rows]


def _like_ranked(
    connection: Connection, text: str, language: str, municipality: str | None, limit: int
) -> list[tuple[str, float]]:
    # A short word matches a whole indexed word, a longer one any word its stem starts.
    patterns = [
        f"% {word} %" if len(word) < MIN_STEM_CHARS else f"% {truncated_stem(word)}%"
        for word in query_words(text, language)
    ]
    if not patterns:
        return []
    columns = {name: getattr(SearchDocument, name) for name in TEXT_COLUMNS}
    matches = [
        (COLUMN_WEIGHTS[name], (literal(" ") + column + literal(" ")).like(pattern))
        for pattern in patterns
        for name, column in columns.items()
    ]
    score = sum(
        (case((condition, weight), else_=0.0) for weight, condition in matches),
        start=literal(0.0, Float),
    )
    padded_areas = literal(" ") + SearchDocument.areas + literal(" ")
    areas = or_(*(padded_areas.like(f"% {word} %") for word in _area_words(municipality)))
    query = (
        select(SearchDocument.service_id, score.label("score"), Service.languages)
        .join(Service, Service.id == SearchDocument.service_id)
        .where(and_(areas, or_(*(condition for _, condition in matches))))
        .order_by(score.desc(), SearchDocument.service_id)
        .limit(limit)
    )
    return [Candidate(*row) for row in connection.execute(query)]


def _hits(session: Session, ranked: list[Candidate]) -> list[SearchHit]:
    if not ranked:
        return []
    services = {
        service.id: service
        for service in session.execute(
            select(Service)
            .where(Service.id.in_([candidate.service_id for candidate in ranked]))
            .options(
                selectinload(Service.channels),
                joinedload(Service.organisation),
                selectinload(Service.needs),
            )
        ).scalars()
    }
    return [
        SearchHit(services[candidate.service_id], candidate.score)
        for candidate in ranked
        if candidate.service_id in services
    ]
