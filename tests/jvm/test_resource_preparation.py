"""The runtime initializes the plan's Java resource classes when it first reaches Java, before any input.

Each case runs in a fresh process: in the test session's JVM an earlier test may have used the class already.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("java_built")
TESTS = Path(__file__).resolve().parents[1]

# Builds a Runtime for a plan with a Java action and one Java resource (class: argv[1]), runs no input, and
# reports whether the MiniLM model's loading thread started, and what asking for the resource then gives.
PROBE = r"""
import json, sys, time
import jpype
from conftest import java_fn, java_plan
from bridge import Runtime

resource = {"embedding_model": {"m": {"name": "m", "type": "embedding_model",
            "__resource_provider_type__": "JavaResourceProvider", "descriptor": {"target_clazz": sys.argv[1]}}}}
runtime = Runtime(java_plan({"review": (java_fn("dev.bridge.examples.OrderActions", "reviewOrder"),
                                        ["order_request"])}, resource))
threads = jpype.JClass("java.lang.Thread")
names = [str(t.getName()) for t in threads.getAllStackTraces().keySet()]
try:
    built = type(runtime._resources.get("m", "embedding_model")).__name__
except Exception as exc:
    built = f"{type(exc).__name__}: {exc}"
print(json.dumps({"loading": "minilm-load" in names, "built": built}))
"""


def _probe(resource_class: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, resource_class], capture_output=True, text=True,
                          cwd=TESTS, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_model_starts_loading_when_the_runtime_reaches_java_not_when_first_used() -> None:
    # Nothing asked for the resource yet; its class started loading the model as it was initialized.
    assert _probe("dev.bridge.examples.MiniLmEmbeddingModel") == {"loading": True, "built": "JavaEmbeddingModel"}


def test_a_resource_class_that_is_missing_is_still_reported_when_used_and_the_runtime_starts() -> None:
    report = _probe("com.example.NoSuchModel")
    assert report["loading"] is False
    assert report["built"].startswith("JavaError") and "com.example.NoSuchModel" in report["built"]
