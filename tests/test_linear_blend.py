"""The linear intent model blended with DIET's ranking (bot/nlu/linear_blend.py).

Trained, saved and loaded through Rasa's own model storage, as `rasa train`
and the server do; the trained model's accuracy is measured by
bench/needs_eval.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear_blend import LinearIntentBlend, stems

EXAMPLES = {
    "need_oral_health": [
        "hammasta särkee", "hammaslääkärille aikaa", "paikka lähti hampaasta",
        "tandvärk hela natten", "tid till tandläkaren", "plomben lossnade",
    ],
    "need_rehabilitation": [
        "tarvitsen rollaattorin lainaan", "fysioterapiaan polven jälkeen", "kyynärsauvat lainaksi",
        "behöver låna en rollator", "fysioterapi efter operationen", "låna kryckor",
    ],
}  # fmt: skip


def test_stems_carry_both_languages_and_ignore_inflection() -> None:
    finnish = [stem for stem in stems("Hammaslääkärille hammaslääkäriin").split() if stem[0] == "f"]
    assert finnish == ["f:hammaslääkär", "f:hammaslääkär"]
    assert "s:tandläk" in stems("Tandläkaren").split()
    assert stems("!!! ???") == ""


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def trained(storage: LocalModelStorage, **config) -> LinearIntentBlend:
    resource = Resource("linear_blend")
    full = {**LinearIntentBlend.get_default_config(), **config}
    component = LinearIntentBlend.create(full, storage, resource, context())
    data = TrainingData(
        [Message.build(text, intent) for intent, texts in EXAMPLES.items() for text in texts]
    )
    component.train(data)
    # As the server does: a new instance from what training saved.
    return LinearIntentBlend.load(full, storage, resource, context())


def diet_said(text: str, ranking: dict[str, float]) -> Message:
    message = Message.build(text)
    best = max(ranking, key=ranking.get)
    message.set("intent", {"name": best, "confidence": ranking[best]})
    message.set("intent_ranking", [{"name": name, "confidence": c} for name, c in ranking.items()])
    return message


def test_a_saved_model_overrules_a_diet_ranking_that_is_unsure(storage) -> None:
    blend = trained(storage)
    # DIET leans a little the wrong way; the stems of "hammaslääkäri" decide.
    message = diet_said(
        "milloin pääsen hammaslääkäriin", {"need_rehabilitation": 0.45, "need_oral_health": 0.4}
    )
    blend.process([message])
    assert message.get("intent")["name"] == "need_oral_health"
    ranking = message.get("intent_ranking")
    assert [entry["name"] for entry in ranking] == ["need_oral_health", "need_rehabilitation"]
    assert ranking[0]["confidence"] == message.get("intent")["confidence"]
    # The linear model's probabilities sum to 1, DIET's two entries to 0.85.
    weight = LinearIntentBlend.get_default_config()["weight"]
    assert sum(entry["confidence"] for entry in ranking) == pytest.approx(
        weight + (1 - weight) * 0.85
    )


def test_weight_zero_keeps_diet_and_weight_one_is_the_linear_model(storage) -> None:
    text, diet = "kryckor", {"need_oral_health": 0.9, "need_rehabilitation": 0.1}
    only_diet = diet_said(text, diet)
    trained(storage, weight=0.0).process([only_diet])
    assert only_diet.get("intent") == {"name": "need_oral_health", "confidence": 0.9}
    only_linear = diet_said(text, diet)
    trained(storage, weight=1.0).process([only_linear])
    assert only_linear.get("intent")["name"] == "need_rehabilitation"


def test_a_message_diet_did_not_rank_is_left_alone(storage) -> None:
    blend = trained(storage)
    message = Message.build("/book_appointment")
    blend.process([message])
    assert message.get("intent") is None
