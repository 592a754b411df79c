"""The text of a routing reply, from the routing and the bilingual messages."""

from __future__ import annotations

from bot.messages import text
from bot.recipient import OTHER_ADULTS
from bot.routing import CRISIS_NEEDS, Routing, service_summary


def routing_text(routing: Routing) -> str:
    language = routing.language
    if routing.is_emergency:
        lines = [text(f"route_{routing.need}", language)]
    elif not routing.services:
        return text("route_nothing_found", language)
    else:
        lines = [text(f"route_{routing.outcome}", language)]
    lines += [_service_line(s, language) for s in routing.primary]
    if routing.beside:
        lines.append(text("route_beside", language))
        lines += [_service_line(s, language) for s in routing.beside]
    if routing.recipient in OTHER_ADULTS and routing.need not in CRISIS_NEEDS:
        lines.append(text("route_for_another_adult", language))
    return "\n".join(lines)


def service_lines(services, language: str) -> list[str]:
    return [_service_line(s, language) for s in services]


def _service_line(service, language: str) -> str:
    summary = service_summary(service, language)
    line = f"• {summary['name']}"
    if summary.get("phone"):
        line += f", {summary['phone']}"
    elif summary.get("url"):
        line += f", {summary['url']}"
    if summary["demo"]:
        line += f" ({text('demo_mark', language)})"
    return line
