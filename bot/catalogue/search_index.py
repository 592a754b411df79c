"""The catalogue's search index: one folded text document per service.

``service_search_documents`` is an ordinary table (every database engine has
it, and the non-SQLite search reads it with LIKE). On SQLite an FTS5 table
indexes it as external content, so the text is stored once, and an fts5vocab
table lists the indexed words for stemming. The index is derived data:
``rebuild_search_index`` recreates it from the catalogue after each load or
import, so a re-import never leaves a stale row behind.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from weakref import WeakSet

import yaml
from sqlalchemy import Column, ForeignKey, Integer, Text, delete, insert, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.catalogue.models import Organisation, Service, ServiceNeed, service_areas
from bot.catalogue.ptv import NEED_KEYWORDS_FILE
from bot.catalogue.search_terms import MIN_STEM_CHARS, words
from bot.db import Base
from bot.routing import NEEDS_FILE

FTS_TABLE = "service_search"
VOCAB_TABLE = "service_search_vocab"
# Area words live in their own column, which resident words never search.
AREA_PREFIX = "area"
NATIONWIDE = f"{AREA_PREFIX}all"
INSERT_BATCH = 5000
PREFIX_INDEXES = "4 5 6"


class SearchDocument(Base):
    """What search matches for one service, folded (bot.text.fold) and space-separated."""

    __tablename__ = "service_search_documents"

    id: int = Column(Integer, primary_key=True)
    service_id: str = Column(
        ForeignKey("services.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    names: str = Column(Text, nullable=False, default="")
    # Need labels and keywords, and service class codes: words residents use
    # that the service's own texts may lack.
    keywords: str = Column(Text, nullable=False, default="")
    organisation: str = Column(Text, nullable=False, default="")
    descriptions: str = Column(Text, nullable=False, default="")
    # "area049 area444", or "areaall" for a nationwide service.
    areas: str = Column(Text, nullable=False, default="")


TEXT_COLUMNS = ("names", "keywords", "organisation", "descriptions")
FTS_COLUMNS = (*TEXT_COLUMNS, "areas")


def area_word(municipality_code: str) -> str:
    return f"{AREA_PREFIX}{municipality_code}"


@lru_cache(maxsize=1)
def need_keywords() -> dict[str, str]:
    """need code -> folded words of its labels (needs.yml) and PTV keywords (ptv_needs.yml)."""
    labels = yaml.safe_load(NEEDS_FILE.read_text(encoding="utf-8"))["needs"]
    stems = yaml.safe_load(NEED_KEYWORDS_FILE.read_text(encoding="utf-8"))
    return {
        need["code"]: " ".join(
            dict.fromkeys(words(" ".join([need["fi"], need["sv"], *stems.get(need["code"], [])])))
        )
        for need in labels
    }


def recreate_search_tables(connection: Connection) -> None:
    """The documents table if missing; on SQLite a new, empty FTS5 index over it.

    The index is recreated rather than kept so that a changed definition
    (columns, prefix lengths) always takes effect; it is refilled anyway.
    """
    SearchDocument.__table__.create(connection, checkfirst=True)
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {VOCAB_TABLE}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    # Prefix indexes for the short stems, which expand to the most words.
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
        f"{', '.join(FTS_COLUMNS)}, content='{SearchDocument.__tablename__}', "
        f"content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='{PREFIX_INDEXES}')"
    )
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE {VOCAB_TABLE} USING fts5vocab({FTS_TABLE}, row)"
    )


# Engines known to have the tables: asking the database each time costs a search's time.
_engines_with_tables: WeakSet[Engine] = WeakSet()


def search_tables_exist(connection: Connection) -> bool:
    if connection.engine in _engines_with_tables:
        return True
    wanted = [SearchDocument.__tablename__]
    if connection.dialect.name == "sqlite":
        wanted.append(FTS_TABLE)
    inspector = inspect(connection)
    if not all(inspector.has_table(name) for name in wanted):
        return False
    _engines_with_tables.add(connection.engine)
    return True


def _documents(session: Session) -> list[dict]:
    needs: dict[str, list[str]] = defaultdict(list)
    for service_id, need in session.execute(select(ServiceNeed.service_id, ServiceNeed.need)):
        needs[service_id].append(need)
    areas: dict[str, list[str]] = defaultdict(list)
    for service_id, code in session.execute(
        select(service_areas.c.service_id, service_areas.c.municipality_code)
    ):
        areas[service_id].append(area_word(code))
    keywords = need_keywords()
    rows = session.execute(
        select(
            Service.id, Service.name_fi, Service.name_sv, Service.description_fi,
            Service.description_sv, Service.service_classes, Service.nationwide,
            Organisation.name_fi, Organisation.name_sv,
        ).join(Organisation, Organisation.id == Service.organisation_id)
    )  # fmt: skip
    return [
        {
            "service_id": service_id,
            "names": " ".join(words(f"{name_fi} {name_sv}")),
            "keywords": " ".join(
                [keywords.get(need, "") for need in needs[service_id]]
                + [" ".join(words(str(code))) for code in classes or []]
            ),
            "organisation": " ".join(words(f"{org_fi} {org_sv}")),
            "descriptions": " ".join(words(f"{description_fi} {description_sv}")),
            "areas": NATIONWIDE if nationwide else " ".join(areas[service_id]),
        }
        for (
            service_id, name_fi, name_sv, description_fi, description_sv, classes, nationwide,
            org_fi, org_sv,
        ) in rows
    ]  # fmt: skip


def rebuild_search_index(session: Session) -> int:
    """Recreate every service's document (and the FTS5 index) from the catalogue."""
    session.flush()
    connection = session.connection()
    recreate_search_tables(connection)
    documents = _documents(session)
    session.execute(delete(SearchDocument))
    for start in range(0, len(documents), INSERT_BATCH):
        session.execute(insert(SearchDocument), documents[start : start + INSERT_BATCH])
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    return len(documents)


def known_stems(connection: Connection, words: list[str]) -> dict[str, list[str]]:
    """Prefixes to search for each word, from the indexed words (SQLite only).

    First the longest prefix that some indexed word shares ("velkojen" ->
    "velk", as in "velka"); then, for a compound, the longest indexed word
    the word starts with ("paihdeongelma" -> "paihde"), since the compound
    itself may be indexed only in one service. None for a word whose first
    MIN_STEM_CHARS letters start no indexed word. The indexed words that share
    those letters are few, so reading them (one query for all words) is cheap.
    """
    heads = sorted({word[:MIN_STEM_CHARS] for word in words if len(word) >= MIN_STEM_CHARS})
    if not heads:
        return {}
    query = " UNION ALL ".join(
        f"SELECT term FROM {VOCAB_TABLE} WHERE term >= :low{i} AND term < :high{i}"
        for i in range(len(heads))
    )
    bounds = {}
    for i, head in enumerate(heads):
        bounds |= {f"low{i}": head, f"high{i}": head[:-1] + chr(ord(head[-1]) + 1)}
    terms_by_head: dict[str, list[str]] = defaultdict(list)
    for term in connection.execute(text(query), bounds).scalars():
        terms_by_head[term[:MIN_STEM_CHARS]].append(term)
    return {
        word: _stems(word, terms_by_head[word[:MIN_STEM_CHARS]])
        for word in words
        if len(word) >= MIN_STEM_CHARS
    }


def _stems(word: str, terms: list[str]) -> list[str]:
    shared_most = 0
    compound_head = ""
    for term in terms:
        shared_most = max(shared_most, _shared_prefix_length(word, term))
        if len(term) < len(word) and word.startswith(term) and len(term) > len(compound_head):
            compound_head = term
    if shared_most < MIN_STEM_CHARS:
        return []
    stem = word[:shared_most]
    return [stem] + ([compound_head] if compound_head and len(compound_head) < len(stem) else [])


def _shared_prefix_length(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length
