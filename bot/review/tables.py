"""The analytics page's tables: one definition for the HTML table, the chart and the CSV.

Each cell has the text shown on the page (in the user's language, decimal
comma) and the raw value written to CSV (numbers with a decimal point:
shares in per cent, the median wait in minutes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.review.analytics import THIRD_SECTOR_TARGET, Analytics, Share
from bot.review.charts import Chart, Point, column_chart, row_chart
from bot.review.labels import day_label, duration, language_name, outcome_name, percent
from bot.staff.texts import texts


@dataclass(frozen=True)
class Cell:
    text: str
    raw: str | int | float | None


@dataclass
class Table:
    name: str  # in the CSV link: ?table=<name>&format=csv
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    chart: Chart | None = None


def _ratio_raw(share: Share) -> float | None:
    return None if share.ratio is None else round(share.ratio * 100, 1)


def _share_cells(share: Share, language: str) -> list[Cell]:
    return [
        Cell(str(share.count), share.count),
        Cell(str(share.total), share.total),
        Cell(percent(share.ratio, language), _ratio_raw(share)),
    ]


def _label(text: str) -> Cell:
    return Cell(text, text)


def summary_table(data: Analytics, language: str) -> Table:
    t = texts(language)

    def figure(key: str, share: Share, note: str = "") -> list[Cell]:
        shown = percent(share.ratio, language)
        if share.total:
            shown += " (" + t["count_of_total"].format(count=share.count, total=share.total) + ")"
        if note:
            shown += f", {note}"
        # The CSV's value is a bare number: its unit goes into the label.
        return [Cell(t[key], f"{t[key]} (%)"), Cell(shown, _ratio_raw(share))]

    target = t["target"].format(target=percent(THIRD_SECTOR_TARGET, language))
    wait = data.median_first_attempt
    rows = [
        [_label(t["fig_conversations"]), Cell(str(data.conversations), data.conversations)],
        figure("fig_third_sector", data.third_sector, target),
        figure("fig_fallback_messages", data.fallback_messages),
        figure("fig_fallback_conversations", data.fallback_conversations),
        figure("fig_service_level", data.callback_service_level),
        [
            Cell(t["fig_first_attempt"], f"{t['fig_first_attempt']} (min)"),
            Cell(
                duration(wait, language),
                None if wait is None else round(wait.total_seconds() / 60, 1),
            ),
        ],
        figure("fig_feedback", data.feedback),
    ]
    return Table("summary", t["key_figures"], [t["col_figure"], t["col_value"]], rows)


def per_day_table(data: Analytics, language: str) -> Table:
    t = texts(language)
    rows = [[Cell(day_label(day), day.isoformat()), Cell(str(n), n)] for day, n in data.per_day]
    chart = column_chart([Point(day_label(day), n, str(n)) for day, n in data.per_day])
    return Table("per_day", t["per_day_title"], [t["col_day"], t["col_count"]], rows, chart)


def _shares_table(
    name: str,
    title_key: str,
    label_key: str,
    shares: list[tuple[str, Share]],
    naming: Callable[[str, str], str],
    language: str,
) -> Table:
    t = texts(language)
    columns = [t[label_key], t["col_count"], t["col_total"], t["col_share"]]
    rows = [
        [_label(naming(code, language)), *_share_cells(share, language)] for code, share in shares
    ]
    chart = row_chart(
        [
            Point(
                naming(code, language),
                share.count,
                f"{share.count} · {percent(share.ratio, language)}",
            )
            for code, share in shares
        ]
    )
    return Table(name, t[title_key], columns, rows, chart)


def outcome_table(data: Analytics, language: str) -> Table:
    return _shares_table(
        "outcomes", "outcomes_title", "col_outcome", data.outcomes, outcome_name, language
    )


def language_table(data: Analytics, language: str) -> Table:
    return _shares_table(
        "languages", "languages_title", "col_language", data.languages, language_name, language
    )


TABLES: dict[str, Callable[[Analytics, str], Table]] = {
    "summary": summary_table,
    "per_day": per_day_table,
    "outcomes": outcome_table,
    "languages": language_table,
}


def all_tables(data: Analytics, language: str) -> list[Table]:
    return [build(data, language) for build in TABLES.values()]
