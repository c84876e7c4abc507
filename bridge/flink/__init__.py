"""The same plan as a keyed Apache Flink job (PyFlink, process mode): ``bridge flink run`` and its parts.

For a plan that outgrows one process: Flink spreads the keys over its slots and TaskManagers, checkpoints
each key's short-term memory (Flink keyed state, as JSON) with the input position, and restarts failed tasks
from the last checkpoint. Needs the ``flink`` extra (``pip install 'bridge-agents[flink]'``), whose PyFlink
pins py4j and pemja versions of its own: keep it in a virtual environment apart from the ``java-host`` extra.

Build your own pipeline with :func:`run_plan` (a DataStream of JSONL input lines to output lines and error
lines; it keys the lines in the TaskManager's JVM with :func:`key_lines`, whose jar the job ships);
``bridge flink run`` is :func:`file_job` between a file source and file sinks.
"""

from __future__ import annotations

from bridge.errors import FlinkMissingError

FLINK_EXTRA = "bridge-agents[flink]"


_PYFLINK_NAMES = {
    "ERRORS": "bridge.flink._function", "PlanFunction": "bridge.flink._function",
    "JobOptions": "bridge.flink._job", "environment": "bridge.flink._job", "file_job": "bridge.flink._job",
    "run_plan": "bridge.flink._job",
    "key_lines": "bridge.flink._job",
}


def require_flink() -> None:
    """Fail with what to install when PyFlink is missing (``bridge flink --help`` works without it)."""
    try:
        import pyflink  # noqa: F401 - only to say what to install when it is missing
    except ImportError:
        raise FlinkMissingError(f"No Flink installed: `bridge flink` needs PyFlink; install the extra with "
                                f"pip install '{FLINK_EXTRA}' (in a virtual environment of its own: PyFlink pins "
                                "pemja 0.5.7, the java-host extra pemja 0.6.0)") from None


def __getattr__(name: str) -> object:
    """The parts that need PyFlink, imported on first use (a missing PyFlink is a FlinkMissingError)."""
    module = _PYFLINK_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    require_flink()
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = ["ERRORS", "FLINK_EXTRA", "FlinkMissingError", "JobOptions", "PlanFunction", "environment", "file_job",
           "key_lines", "require_flink", "run_plan"]
