"""Importer for the national service catalogue (Suomi.fi Palvelutietovaranto, PTV).

Reads open-API JSON of services, service channels and organisations: one
record per file, a list of records, or a page with ``itemList``. Accepts the
older API versions (7-8) and v11 alike and ignores fields it does not know.
A record that cannot be read is reported and skipped; it never aborts the
run. Records are merged by their PTV id, so importing again updates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import phonenumbers
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from tqdm import tqdm

from bot.catalogue.models import (
    Channel,
    Municipality,
    Organisation,
    Service,
    ServiceNeed,
)
from bot.text import fold

NEED_KEYWORDS_FILE = Path(__file__).parent / "data" / "ptv_needs.yml"

CHANNEL_TYPES = {
    "ServiceLocation": "location",
    "Phone": "phone",
    "EChannel": "eservice",
    "WebPage": "webpage",
    "PrintableForm": "form",
}
PROVIDER_TYPES = {
    "State": "national",
    "Municipality": "public",
    "RegionalOrganization": "public",
    "Region": "public",
    "SotePublic": "public",
    "Organization": "third_sector",
    "Company": "private",
    "SotePrivate": "private",
}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# "DaysOfTheWeek" and "Exceptional" are the older API's names.
REGULAR_HOURS = {"Standard", "DaysOfTheWeek"}
EXCEPTION_HOURS = {"Exception", "Exceptional", "Special"}


RECORD_MODELS = {"organisation": Organisation, "channel": Channel, "service": Service}
PREFETCH_BATCH = 500
IMPORT_BATCH = 500

_PHONE_CHARS = re.compile(r"[+\d][\d ()-]*")


class PtvRecordError(ValueError):
    """A record that cannot be imported, with the reason."""


RECORD_ERRORS = (PtvRecordError, KeyError, TypeError, ValueError, AttributeError)


@dataclass
class ImportReport:
    services: int = 0
    channels: int = 0
    organisations: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.services} services, {self.channels} channels, "
            f"{self.organisations} organisations imported; {len(self.skipped)} records skipped"
        )


def localized(items: Any, language: str, kind: str | None = None) -> str | None:
    """The text in ``language`` of a PTV list of {language, value[, type]} items."""
    if not isinstance(items, list):
        return None
    for item in items:
        if not isinstance(item, dict) or item.get("language") != language:
            continue
        if kind is not None and item.get("type") not in (kind, None):
            continue
        value = item.get("value")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def bilingual(items: Any, kind: str | None = None) -> dict[str, str] | None:
    """Finnish and Swedish text, each falling back on the other (then English)."""
    fi = localized(items, "fi", kind)
    sv = localized(items, "sv", kind)
    fallback = fi or sv or localized(items, "en", kind)
    if fallback is None:
        return None
    return {"fi": fi or fallback, "sv": sv or fallback}


@lru_cache(maxsize=1)
def _need_patterns() -> dict[str, re.Pattern]:
    spec = yaml.safe_load(NEED_KEYWORDS_FILE.read_text(encoding="utf-8"))
    return {
        need: re.compile(r"(?<!\w)(?:" + "|".join(re.escape(fold(s)) for s in stems) + ")")
        for need, stems in spec.items()
    }


def needs_from_text(texts: Iterable[str]) -> list[str]:
    text = fold(" ".join(texts))
    return [need for need, pattern in _need_patterns().items() if pattern.search(text)]


def _municipality_codes(areas: Any) -> list[str]:
    codes: list[str] = []
    for area in areas if isinstance(areas, list) else []:
        if not isinstance(area, dict):
            continue
        if area.get("type") == "Municipality" and area.get("code"):
            codes.append(str(area["code"]))
        for municipality in area.get("municipalities") or []:
            if isinstance(municipality, dict) and municipality.get("code"):
                codes.append(str(municipality["code"]))
    return [code.zfill(3) for code in dict.fromkeys(codes)]


def _require_id(record: Any) -> str:
    if not isinstance(record, dict):
        raise PtvRecordError("not a JSON object")
    record_id = record.get("id")
    if not isinstance(record_id, str) or not record_id.strip():
        raise PtvRecordError("no id")
    return record_id.strip()


def _phone(entry: dict) -> str | None:
    number = str(entry.get("number") or "").strip()
    # phonenumbers reads letters as keypad digits; PTV numbers have none.
    if not _PHONE_CHARS.fullmatch(number):
        return None
    if entry.get("isFinnishServiceNumber"):
        return number
    raw = f"{entry.get('prefixNumber') or ''}{number}"
    try:
        parsed = phonenumbers.parse(raw, "FI")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _hours(service_hours: Any) -> tuple[list[dict], list[dict]]:
    weekly: list[dict] = []
    exceptions: list[dict] = []
    for entry in service_hours if isinstance(service_hours, list) else []:
        if not isinstance(entry, dict):
            continue
        kind = entry.get("serviceHourType")
        if kind in REGULAR_HOURS:
            for opening in entry.get("openingHour") or []:
                day = (
                    WEEKDAYS.index(opening["dayFrom"])
                    if opening.get("dayFrom") in WEEKDAYS
                    else None
                )
                if day is None or not opening.get("from") or not opening.get("to"):
                    continue
                last = WEEKDAYS.index(opening["dayTo"]) if opening.get("dayTo") in WEEKDAYS else day
                weekly.append(
                    {"days": list(range(day, last + 1)), "open": opening["from"][:5],
                     "close": opening["to"][:5]}
                )  # fmt: skip
        elif kind in EXCEPTION_HOURS and entry.get("validFrom"):
            exception = {
                "date": str(entry["validFrom"])[:10],
                "closed": bool(entry.get("isClosed")),
            }
            if entry.get("validTo"):
                exception["until"] = str(entry["validTo"])[:10]
            openings = entry.get("openingHour") or []
            if openings and not exception["closed"]:
                exception |= {
                    "open": openings[0].get("from", "")[:5],
                    "close": openings[0].get("to", "")[:5],
                }
            exceptions.append(exception)
    return weekly, exceptions


class PtvImporter:
    """Merges PTV records into the catalogue, one session, collecting a report."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.report = ImportReport()
        self._municipalities = {m.code: m for m in session.execute(select(Municipality)).scalars()}
        # id -> row object, or None when the database has none: one SELECT per
        # id at most, and none for ids that prefetch() already looked up.
        self._known: dict[type, dict[str, Any]] = {Organisation: {}, Channel: {}, Service: {}}
        self._created: list[tuple[type, str]] = []

    def prefetch(self, records: Iterable[Any]) -> None:
        """Look up every record's existing row in a few queries instead of one per record."""
        wanted: dict[type, set[str]] = {model: set() for model in self._known}
        for record in records:
            try:
                wanted[RECORD_MODELS[self._kind(record)]].add(_require_id(record))
            except (PtvRecordError, KeyError, TypeError):
                continue
        for model, ids in wanted.items():
            # Updating a service replaces its collections: load them with it.
            options = (
                [selectinload(Service.channels), selectinload(Service.needs),
                 selectinload(Service.areas)] if model is Service else []
            )  # fmt: skip
            ordered = sorted(ids)
            for start in range(0, len(ordered), PREFETCH_BATCH):
                chunk = ordered[start : start + PREFETCH_BATCH]
                query = select(model).where(model.id.in_(chunk)).options(*options)
                found = {row.id: row for row in self.session.execute(query).scalars()}
                self._known[model].update({i: found.get(i) for i in chunk})

    def import_batch(self, items: list[tuple[str, Any]]) -> None:
        """Import records under one savepoint (one flush); if any fails, again one by one.

        A savepoint and a flush per record cost more than the record itself;
        bad records are rare, so the batch is redone only when one is there.
        """
        counts = (self.report.services, self.report.channels, self.report.organisations)
        self._created = []
        try:
            with self.session.begin_nested():
                for _, record in items:
                    self._import(record)
        except RECORD_ERRORS:
            self._forget_created()
            self.report.services, self.report.channels, self.report.organisations = counts
            for origin, record in items:
                self.import_record(record, origin)

    def import_record(self, record: Any, origin: str) -> None:
        """Import one record of any kind; a bad one lands in the report."""
        self._created = []
        try:
            with self.session.begin_nested():
                self._import(record)
        except RECORD_ERRORS as error:
            self._forget_created()
            self.report.skipped.append((origin, f"{type(error).__name__}: {error}"))

    def _import(self, record: Any) -> None:
        kind = self._kind(record)
        {"service": self._service, "channel": self._channel,
         "organisation": self._organisation}[kind](record)  # fmt: skip

    def _forget_created(self) -> None:
        """Rows created since the savepoint were rolled back with it."""
        for model, row_id in self._created:
            self._known[model].pop(row_id, None)
        self._created = []

    def _find(self, model: type, row_id: str) -> Any:
        known = self._known[model]
        if row_id not in known:
            known[row_id] = self.session.get(model, row_id)
        return known[row_id]

    def _new(self, row: Any) -> Any:
        self.session.add(row)
        self._known[type(row)][row.id] = row
        self._created.append((type(row), row.id))
        return row

    @staticmethod
    def _kind(record: Any) -> str:
        _require_id(record)
        if "serviceChannelType" in record:
            return "channel"
        if "serviceNames" in record:
            return "service"
        if "organizationNames" in record or "organizationType" in record:
            return "organisation"
        raise PtvRecordError("neither a service, a service channel nor an organisation")

    def _organisation(self, record: dict) -> Organisation:
        """An organisation record: created or updated with its names and type."""
        org_id = _require_id(record)
        names = bilingual(record.get("organizationNames"), "Name")
        if names is None:
            raise PtvRecordError(f"organisation {org_id} has no name")
        organisation = self._find(Organisation, org_id) or self._new(Organisation(id=org_id))
        organisation.name_fi, organisation.name_sv = names["fi"], names["sv"]
        organisation.provider_type = PROVIDER_TYPES.get(record.get("organizationType"), "public")
        organisation.source = "ptv"
        self.session.add(organisation)
        self.report.organisations += 1
        return organisation

    def _referenced_organisation(self, reference: dict) -> Organisation:
        """The organisation a service names; a bare reference never overwrites a full record."""
        org_id = _require_id(reference)
        existing = self._find(Organisation, org_id)
        if existing is not None:
            return existing
        name = str(reference.get("name") or "").strip()
        if not name:
            raise PtvRecordError(f"organisation {org_id} is unknown and has no name")
        organisation = self._new(
            Organisation(
                id=org_id, name_fi=name, name_sv=name, provider_type="public", source="ptv"
            )
        )
        self.report.organisations += 1
        return organisation

    def _service(self, record: dict) -> None:
        service_id = _require_id(record)
        names = bilingual(record.get("serviceNames"), "Name")
        if names is None:
            raise PtvRecordError("service has no name")
        responsible = [
            o.get("organization") for o in record.get("organizations") or []
            if isinstance(o, dict) and o.get("roleType") in ("Responsible", None)
        ] or [{"id": record.get("mainResponsibleOrganization")}]  # fmt: skip
        org_ref = responsible[0] if isinstance(responsible[0], dict) else {}
        if not org_ref.get("id"):
            raise PtvRecordError("service has no responsible organisation")
        organisation = self._referenced_organisation(org_ref)
        descriptions = (
            bilingual(record.get("serviceDescriptions"), "Summary")
            or bilingual(record.get("serviceDescriptions"), "Description")
            or {"fi": "", "sv": ""}
        )
        classes = [
            bilingual(c.get("name"))
            for c in record.get("serviceClasses") or []
            if isinstance(c, dict)
        ]
        class_texts = [t for c in classes if c for t in c.values()]
        service = self._find(Service, service_id) or self._new(Service(id=service_id))
        service.organisation_id = organisation.id
        service.name_fi, service.name_sv = names["fi"], names["sv"]
        service.description_fi, service.description_sv = descriptions["fi"], descriptions["sv"]
        service.languages = [
            lang for lang in record.get("languages") or [] if isinstance(lang, str)
        ]
        service.service_classes = [
            c.get("code")
            for c in record.get("serviceClasses") or []
            if isinstance(c, dict) and c.get("code")
        ]
        service.target_groups = [
            t.get("code")
            for t in record.get("targetGroups") or []
            if isinstance(t, dict) and t.get("code")
        ]
        service.nationwide = record.get("areaType") == "Nationwide"
        service.areas = [
            self._municipalities[code]
            for code in _municipality_codes(record.get("areas"))
            if code in self._municipalities
        ]
        service.needs = [
            ServiceNeed(need=need)
            for need in needs_from_text([names["fi"], names["sv"], *class_texts])
        ]
        service.source = "ptv"
        service.demo = False
        linked = [
            link.get("serviceChannel", {}).get("id")
            for link in record.get("serviceChannels") or []
            if isinstance(link, dict)
        ]
        service.channels = [c for c in (self._find(Channel, i) for i in linked if i) if c]
        self.report.services += 1

    def _channel(self, record: dict) -> None:
        channel_id = _require_id(record)
        kind = CHANNEL_TYPES.get(record.get("serviceChannelType"))
        if kind is None:
            raise PtvRecordError(f"unknown channel type {record.get('serviceChannelType')!r}")
        names = bilingual(record.get("serviceChannelNames"), "Name") or {"fi": "", "sv": ""}
        phones = [
            p for p in (
                _phone(entry) for key in ("phoneNumbers", "supportPhones")
                for entry in record.get(key) or [] if isinstance(entry, dict)
                and entry.get("type", "Phone") == "Phone"
            ) if p
        ]  # fmt: skip
        urls = [
            u.get("url") or u.get("value")
            for key in ("webPages", "channelUrls", "urls")
            for u in record.get(key) or []
            if isinstance(u, dict) and (u.get("url") or u.get("value"))
        ]
        street = {}
        postal_code = municipality = None
        for address in record.get("addresses") or []:
            if not isinstance(address, dict):
                continue
            street_address = address.get("streetAddress") or {}
            texts = bilingual(street_address.get("street"))
            if texts:
                number = street_address.get("streetNumber") or ""
                street = {lang: f"{text} {number}".strip() for lang, text in texts.items()}
                postal_code = street_address.get("postalCode")
                code = (street_address.get("municipality") or {}).get("code")
                municipality = str(code).zfill(3) if code else None
                break
        weekly, exceptions = _hours(record.get("serviceHours"))
        channel = self._find(Channel, channel_id) or self._new(Channel(id=channel_id))
        channel.type = kind
        channel.name_fi, channel.name_sv = names["fi"], names["sv"]
        channel.phone = phones[0] if phones else None
        channel.url = urls[0] if urls else None
        channel.street_fi, channel.street_sv = street.get("fi"), street.get("sv")
        channel.postal_code = postal_code
        channel.municipality_code = municipality if municipality in self._municipalities else None
        channel.hours, channel.hours_exceptions = weekly, exceptions
        channel.demo = False
        # Link to services already imported; services imported later link themselves.
        for link in record.get("services") or []:
            service_id = (link.get("service") or {}).get("id") if isinstance(link, dict) else None
            service = self._find(Service, service_id) if service_id else None
            if service is not None and channel not in service.channels:
                service.channels.append(channel)
        self.report.channels += 1


def read_records(path: Path) -> Iterator[tuple[str, Any]]:
    """(origin, record) pairs of a JSON file: one record, a list, or an ``itemList`` page."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        yield str(path), PtvRecordError(f"unreadable JSON: {error}")
        return
    items = data.get("itemList") if isinstance(data, dict) and "itemList" in data else data
    if isinstance(items, list):
        for i, item in enumerate(items):
            yield f"{path}[{i}]", item
    else:
        yield str(path), items


def json_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.rglob("*.json")) if path.is_dir() else [path]
    return files


def import_paths(session: Session, paths: Iterable[Path], progress: bool = True) -> ImportReport:
    """Import every record under the paths: organisations, channels, then services.

    The order lets services link to channels of the same run; channels
    imported later link back to services already there.
    """
    records = [(o, r) for f in json_files(paths) for o, r in read_records(f)]
    importer = PtvImporter(session)
    importer.prefetch(record for _, record in records)
    order = {"organisation": 0, "channel": 1, "service": 2}

    def rank(item: tuple[str, Any]) -> int:
        try:
            return order[PtvImporter._kind(item[1])]
        except (PtvRecordError, KeyError, TypeError):
            return 3

    readable = []
    for origin, record in sorted(records, key=rank):
        if isinstance(record, PtvRecordError):
            importer.report.skipped.append((origin, str(record)))
        else:
            readable.append((origin, record))
    with tqdm(total=len(readable), disable=not progress, unit="record") as bar:
        for start in range(0, len(readable), IMPORT_BATCH):
            batch = readable[start : start + IMPORT_BATCH]
            importer.import_batch(batch)
            bar.update(len(batch))
    # Imported here, not at the top: the index reads this module's keyword file.
    from bot.catalogue.search_index import rebuild_search_index

    rebuild_search_index(session)
    return importer.report
