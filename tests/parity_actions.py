"""Actions the host parity tests (``tests/test_java_host_parity.py``) run under both hosts."""

from __future__ import annotations

import sys

from bridge import OutputEvent


def python_facts(event, ctx):
    """Output which Python runs the action: its executable, prefixes and module search path."""
    ctx.send_event(OutputEvent(output={"executable": sys.executable, "prefix": sys.prefix,
                                       "base_prefix": sys.base_prefix, "path": sys.path}))
