"""Python resources declared in a plan, used from Python actions."""

import pytest

from bridge import OutputEvent, ResourceError, ResourceType, Runtime
from bridge.api import EmbeddingModel
from bridge.plan import plan_from_data

BUILT: list[str] = []


class KeywordEmbedding(EmbeddingModel):
    """A tiny deterministic embedding: counts of a few keywords."""

    def __init__(self, keywords: list[str]) -> None:
        BUILT.append("KeywordEmbedding")
        self.keywords = keywords

    def embed(self, text: str) -> list[float]:
        return [float(text.lower().count(k)) for k in self.keywords]


def embed_input(event, ctx):
    model = ctx.get_resource("keywords", ResourceType.EMBEDDING_MODEL)
    ctx.send_event(OutputEvent(output=model.embed(event.input)))


def ask_for(event, ctx):
    ctx.get_resource(*event.input)


def _plan(action: str, arguments: dict | None = None):
    return plan_from_data({
        "actions": {"a": {"name": "a", "exec": {"func_type": "PythonFunction", "module": __name__,
                                                "qualname": action}, "trigger_conditions": ["_input_event"]}},
        "resource_providers": {"embedding_model": {"keywords": {
            "name": "keywords", "type": "embedding_model",
            "descriptor": {"target_module": __name__, "target_clazz": "KeywordEmbedding",
                           "arguments": arguments if arguments is not None else {"keywords": ["order", "refund"]}},
        }}},
    })


def test_a_python_resource_is_built_once_from_its_provider_and_shared_across_keys() -> None:
    BUILT.clear()
    with Runtime(_plan("embed_input")) as rt:
        report = rt.run([("a", "Refund my order, the order is late"), ("b", "hello")])
    assert dict(report.outputs) == {"a": [2.0, 1.0], "b": [0.0, 0.0]}
    assert BUILT == ["KeywordEmbedding"]


@pytest.mark.parametrize(("request_", "message"), [
    (["nope", "embedding_model"], "no embedding_model resource named 'nope' in the plan (declared: "
                                  "embedding_model:keywords)"),
    (["keywords", "tool"], "no tool resource named 'keywords'"),
])
def test_asking_for_an_undeclared_resource_names_what_the_plan_declares(request_, message) -> None:
    with Runtime(_plan("ask_for")) as rt:
        (error,) = rt.run([("k", request_)]).errors
    assert isinstance(error.cause, ResourceError)
    assert message in str(error)


def test_a_provider_whose_constructor_fails_names_the_provider_and_the_class() -> None:
    with Runtime(_plan("embed_input", {"wrong": 1})) as rt:
        (error,) = rt.run([("k", "x")]).errors
    assert "resource_providers.embedding_model.keywords: building test_resources.KeywordEmbedding failed" in str(error)
