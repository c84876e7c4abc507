"""The only package that knows a JVM exists: the backend interface, the JPype backend, discovery."""

from __future__ import annotations

from typing import Any

from bridge.jvm._backend import JavaBridge, JvmOptions
from bridge.jvm._discovery import classpath, find_java_home, options_from_config
from bridge.runtime import HostServices, register_java

_DEFAULT: JavaBridge | None = None


def default_bridge(conf: dict[str, Any] | None = None) -> JavaBridge:
    """The process's JPype bridge, started (once) with options from ``conf`` and the environment."""
    global _DEFAULT
    if _DEFAULT is None:
        from bridge.jvm._jpype import JPypeBridge

        _DEFAULT = JPypeBridge()
    _DEFAULT.ensure_started(options_from_config(conf))
    return _DEFAULT




def register_default() -> None:
    """Make the JPype bridge the runtime's default way to reach Java (the runtime must not import this package).

    ``import bridge`` calls it; the JVM itself starts only when a plan first needs it.
    """
    register_java(default_bridge)


register_default()

__all__ = ["HostServices", "JavaBridge", "JvmOptions", "classpath", "default_bridge", "find_java_home",
           "options_from_config"]
