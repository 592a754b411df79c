"""Rasa NLU component: a linear intent classifier blended with DIET's ranking.

DIET learns its own word and character features from our ~12,000 examples and
nothing else, so on wording it has never seen it often spreads its
confidence thin or picks a neighbouring need. A linear support-vector
classifier over character n-grams and Snowball word stems (Finnish and
Swedish) makes different mistakes: it keys on the stem of a rare word
("plomb", "hammaslääkär") that DIET's hidden layers drown out. A weighted
average of the two rankings beat either alone on every development set
(docs/benchmarks.md, need routing). The blend takes DIET's place in the
message, so the fallback classifier after it judges the blended confidence.
"""

from __future__ import annotations

import re
from typing import Any

import joblib
import numpy as np
import snowballstemmer
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bot.nlu.age import age_words

_MODEL_FILE = "linear_intent.joblib"
_WORD = re.compile(r"\w+")
_STEMMERS = {"f": snowballstemmer.stemmer("finnish"), "s": snowballstemmer.stemmer("swedish")}


def stems(text: str) -> str:
    """Each word's Finnish and Swedish stem, tagged by language ("f:hammaslääkär s:hammaslä…").

    Both stemmers run on every word: the language is not known yet at this
    point of the pipeline, and a wrong-language stem is just an unused feature.
    """
    words = _WORD.findall(text.lower())
    return " ".join(
        f"{tag}:{stem}" for tag, stemmer in _STEMMERS.items() for stem in stemmer.stemWords(words)
    )


def stems_and_ages(text: str) -> str:
    """The stems, and the age band of every age the text gives ("age:young").

    The labelling rules let a young person's age decide the need (youth
    support, not adult mental health); the band lets the model weigh it.
    """
    return f"{stems(text)} {age_words(text)}"


class _LinearIntentModel:
    """Character n-grams, word stems and age bands (tf-idf) into a linear SVM, one-vs-rest."""

    def __init__(self, C: float) -> None:
        self.characters = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        self.stems = TfidfVectorizer(
            analyzer="word", preprocessor=stems_and_ages, token_pattern=r"\S+", sublinear_tf=True
        )
        self.classifier = LinearSVC(C=C)

    def _features(self, texts: list[str], fit: bool = False):
        if fit:
            return hstack([self.characters.fit_transform(texts), self.stems.fit_transform(texts)])
        return hstack([self.characters.transform(texts), self.stems.transform(texts)])

    def fit(self, texts: list[str], intents: list[str]) -> _LinearIntentModel:
        self.classifier.fit(self._features(texts, fit=True).tocsr(), intents)
        return self

    def probabilities(self, text: str, temperature: float) -> dict[str, float]:
        """Softmax of the SVM margins; the temperature makes them comparable to DIET's."""
        margins = self.classifier.decision_function(self._features([text]).tocsr())[0]
        if np.ndim(margins) == 0:  # two intents: one margin, for the second
            margins = np.array([-margins, margins])
        scaled = np.exp((margins - margins.max()) / temperature)
        scaled /= scaled.sum()
        return dict(zip(self.classifier.classes_, scaled.tolist(), strict=True))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentBlend(GraphComponent, IntentClassifier):
    """Replaces DIET's intent and ranking with the average of DIET's and a linear model's."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Chosen on a held-out development set, the third sealed set, with the
        # first two training (docs/benchmarks.md); the sealed set was not
        # looked at. Need accuracy there rose as the weight went from 0.5 to
        # 0.8, then levelled off: the linear model reads unseen wording better
        # than DIET.
        return {"weight": 0.8, "temperature": 0.2, "C": 0.5, "ranking_length": 10}

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "snowballstemmer"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: _LinearIntentModel | None = None,
    ) -> None:
        self._C = float(config["C"])
        self._weight = float(config["weight"])
        self._temperature = float(config["temperature"])
        self._ranking_length = int(config["ranking_length"])
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentBlend:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentBlend:
        with model_storage.read_from(resource) as directory:
            model = joblib.load(directory / _MODEL_FILE)
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        self._model = _LinearIntentModel(self._C).fit(
            [m.get(TEXT) for m in examples], [m.get(INTENT) for m in examples]
        )
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / _MODEL_FILE)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if self._model is None or not text or not message.get(INTENT_RANKING_KEY):
                continue
            self._blend(message, self._model.probabilities(text, self._temperature))
        return messages

    def _blend(self, message: Message, linear: dict[str, float]) -> None:
        diet = {
            entry[INTENT_NAME_KEY]: entry[PREDICTED_CONFIDENCE_KEY]
            for entry in message.get(INTENT_RANKING_KEY)
        }
        blended = {
            name: self._weight * linear.get(name, 0.0) + (1 - self._weight) * diet.get(name, 0.0)
            for name in linear.keys() | diet.keys()
        }
        ranking = sorted(blended.items(), key=lambda item: item[1], reverse=True)
        ranking = ranking[: self._ranking_length]
        message.set(
            INTENT,
            {INTENT_NAME_KEY: ranking[0][0], PREDICTED_CONFIDENCE_KEY: ranking[0][1]},
            add_to_output=True,
        )
        message.set(
            INTENT_RANKING_KEY,
            [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: score} for name, score in ranking],
            add_to_output=True,
        )
