"""The only package that knows a JVM exists: the backend interface, the JPype and py4j backends, discovery."""

from __future__ import annotations

from typing import Any

from bridge.errors import PlanError
from bridge.jvm._backend import JavaBridge, JvmOptions
from bridge.jvm._discovery import classpath, find_java_home, jars_folder, options_from_config
from bridge.runtime import HostServices, register_java

#: The ways to reach Java: ``Runtime(jvm=...)``, ``bridge run --jvm``, or the plan's ``bridge.jvm.mode``.
JVM_MODES = ("jpype", "py4j")
_BRIDGES: dict[str, JavaBridge] = {}


def default_bridge(conf: dict[str, Any] | None = None) -> JavaBridge:
    """The process's bridge for ``conf``'s ``bridge.jvm.mode`` (JPype when unset), started once with its options.

    ``jpype`` embeds the JVM in this process; ``py4j`` runs it in a child process reached over loopback.
    """
    mode = (conf or {}).get("bridge.jvm.mode") or "jpype"
    if not isinstance(mode, str) or mode not in JVM_MODES:
        raise PlanError(f"unknown JVM mode {mode!r}: use one of {', '.join(JVM_MODES)}",
                        path="config.conf_data.bridge.jvm.mode")
    bridge = _BRIDGES.get(mode)
    if bridge is None:
        if mode == "py4j":
            from bridge.jvm._py4j import Py4JBridge

            bridge = Py4JBridge()
        else:
            from bridge.jvm._jpype import JPypeBridge

            bridge = JPypeBridge()
        bridge = _BRIDGES.setdefault(mode, bridge)  # two threads here at once share the first one's bridge
    bridge.ensure_started(options_from_config(conf))
    return bridge



def register_default() -> None:
    """Make the JPype bridge the runtime's default way to reach Java (the runtime must not import this package).

    ``import bridge`` calls it; the JVM itself starts only when a plan first needs it.
    """
    register_java(default_bridge)


register_default()

__all__ = ["JVM_MODES", "HostServices", "JavaBridge", "JvmOptions", "classpath", "default_bridge", "find_java_home",
           "jars_folder", "options_from_config"]
