"""Which code a plan may make the host import or instantiate: the trust boundary between plan and host.

A plan looks like data but is code: it names Python modules, functions and classes, and Java classes, and the
host imports, calls and instantiates them with arguments the plan supplies. A resource provider naming
``os.system`` with ``{"command": "..."}`` runs a shell command. So every name is checked here, before
anything is imported or instantiated.

The policy, by prefix (``mypkg`` allows ``mypkg`` and ``mypkg.sub.f``, never ``mypkgevil``):

- An allow list given (``Runtime(allow=...)``, ``--allow``, and ``BRIDGE_ALLOW``, comma-separated, together):
  only names under one of its prefixes.
- No allow list: everything except Python's standard library (``os.system``, ``subprocess``,
  ``builtins.exec``), JDK classes (``java.``, ``javax.``, ``jdk.``, ``sun.``, ``com.sun.``: ``Runtime``,
  ``ProcessBuilder``, JNDI), and JPype and py4j, which reach any JDK class from Python (py4j's
  ``launch_gateway(use_shell=True)`` runs a shell command).
- Always: bridge's own ``python_actions`` and ``dev.bridge`` code.

Two ways around a prefix are closed for every name: a qualified name that walks through a standard-library
module some allowed module imported (``mypkg.os.system`` is checked as ``os.system`` too), and dunder
attributes (``f.__globals__``), which reach past anything a plan should name. A re-export such as
``from subprocess import run`` in an allowed module is only visible after import: :func:`check_resolved`
checks the imported object (``bridge validate --import`` and the runtime's ``Runtime._vet`` both call it).

A plan's JVM settings are code too: ``-XX:OnError=<shell command>`` or ``-javaagent:x.jar`` in
``bridge.jvm.options`` runs whatever the plan says once the JVM starts, and ``bridge.jvm.java_home`` picks the
``libjvm`` loaded into this process. Such flags are refused from a plan (whoever runs the process may still
pass them in ``BRIDGE_JVM_OPTIONS``), and so are ``java_home`` and ``maven`` under an allow list (``JAVA_HOME`` and
``BRIDGE_MAVEN`` remain): Maven coordinates fetch jars whose service providers the JVM may load and run though
the plan never names a class of theirs.
"""

from __future__ import annotations

import inspect
import os
import re
import shlex
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bridge.errors import PlanError
from bridge.plan._models import (
    AgentPlan,
    JavaFunction,
    JavaResourceProvider,
    PythonResourceProvider,
    PythonSerializableResourceProvider,
)

ENV_ALLOW = "BRIDGE_ALLOW"
ALWAYS_ALLOWED = ("python_actions", "dev.bridge")
JDK_PREFIXES = ("java", "javax", "jdk", "sun", "com.sun")
# JPype's and py4j's own modules reach every JDK class from Python (``jpype.JClass``, ``import java.lang``,
# ``py4j.java_gateway.JavaGateway``), and py4j's ``launch_gateway`` starts any program: module prefix -> name.
JVM_DOORS = {"jpype": "JPype", "_jpype": "JPype", "py4j": "py4j"}
# JVM flags that run a command or load code of their own, and those that read more flags from a file (which
# could hold the others). The settings below are spelled as in bridge.jvm._discovery, which this layer may not
# import.
CODE_RUNNING_JVM_FLAGS = ("-XX:OnOutOfMemoryError", "-XX:OnError", "-javaagent", "-agentpath", "-agentlib", "-Xrun",
                          "-XX:VMOptionsFile", "-XX:Flags", "@")
# The py4j mode starts its JVM with the ``java`` launcher, which also reads ``@argument-files`` (above) and
# takes these as the code to run instead of bridge's gateway (JPype's in-process start refuses both).
LAUNCHER_MAIN_FLAGS = ("-jar", "-m", "--module", "--source")
CONF_PATH = "config.conf_data."
CONF_JVM_OPTIONS = "bridge.jvm.options"
CONF_JAVA_HOME = "bridge.jvm.java_home"
CONF_MAVEN = "bridge.jvm.maven"
ENV_JVM_OPTIONS = "BRIDGE_JVM_OPTIONS"
_NAME = re.compile(r"[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*")


@dataclass(frozen=True)
class NamedCode:
    """One name a plan makes the host import or instantiate, and where the plan says it."""

    name: str        # dotted: ``module.qualname`` or a Java class
    path: str        # the plan field, e.g. ``actions.review.exec.qualname``
    suggestion: str  # the narrowest ``--allow`` prefix that admits it
    qualname: tuple[str, ...] = ()  # the attribute walk after the module (Python only)
    qualname_path: str = ""
    java: bool = False  # Java class names are not checked against Python's module names (``io.netty``)


def named_code(plan: AgentPlan) -> list[NamedCode]:
    """Every module, function and class the plan names, in plan order."""
    out: list[NamedCode] = []

    def python(module: str, qualname: str, base: str, module_field: str, qualname_field: str) -> None:
        out.append(NamedCode(f"{module}.{qualname}", f"{base}.{module_field}", module,
                             tuple(qualname.split(".")), f"{base}.{qualname_field}"))

    for name, action in plan.actions.items():
        base = f"actions.{name}.exec"
        if isinstance(action.exec, JavaFunction):
            out.append(NamedCode(action.exec.qualname, f"{base}.qualname", action.exec.qualname, java=True))
        else:
            python(action.exec.module, action.exec.qualname, base, "module", "qualname")
    # The built-in agent actions import an output schema class named in the action config or the plan config.
    schemas = [(f"actions.{n}.config.output_schema", (a.config or {}).get("output_schema"))
               for n, a in plan.actions.items()]
    schemas.append(("config.conf_data.agents.output_schema", plan.conf_data.get("agents.output_schema")))
    for field, spec in schemas:
        if isinstance(spec, str) and "." in spec:
            module, _, clazz = spec.rpartition(".")
            out.append(NamedCode(spec, field, module, (clazz,), field))
    for rtype, providers in plan.resource_providers.items():
        for name, provider in providers.items():
            base = f"resource_providers.{rtype}.{name}"
            if isinstance(provider, PythonResourceProvider):
                d = provider.descriptor
                python(d.target_module, d.target_clazz, f"{base}.descriptor", "target_module", "target_clazz")
            elif isinstance(provider, PythonSerializableResourceProvider):
                python(provider.module, provider.clazz, base, "module", "clazz")
            elif isinstance(provider, JavaResourceProvider):
                clazz = provider.descriptor.target_clazz
                out.append(NamedCode(clazz, f"{base}.descriptor.target_clazz", clazz, java=True))
    return out


def allow_list(allow: Sequence[str] | None) -> tuple[str, ...]:
    """The prefixes of ``allow`` and ``BRIDGE_ALLOW`` together (empty: none given, the default applies)."""
    given = [("--allow", entry) for entry in (allow or ())]
    given += [(ENV_ALLOW, entry) for entry in os.environ.get(ENV_ALLOW, "").split(",")]
    prefixes = []
    for source, entry in given:
        prefix = entry.strip().removesuffix(".*").rstrip(".")
        if not prefix and not entry.strip():
            continue
        if not _NAME.fullmatch(prefix):
            raise PlanError(f"{source} entry {entry!r} is not a dotted name prefix: write a Python module or a "
                            "Java package or class, e.g. mypkg or com.acme.tools (it allows everything under it)")
        prefixes.append(prefix)
    return tuple(dict.fromkeys(prefixes))


def under(name: str, prefixes: Iterable[str]) -> bool:
    """True when ``name`` is one of ``prefixes`` or inside one (``a.b`` is under ``a``; ``ab`` is not)."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def refusal(name: str, prefixes: tuple[str, ...], *, java: bool = False) -> str | None:
    """Why the policy refuses ``name`` (None: allowed); ``prefixes`` empty means no allow list was given."""
    if under(name, ALWAYS_ALLOWED):
        return None
    if prefixes:
        return None if under(name, prefixes) else "not in the allow list"
    if not java and name.split(".", 1)[0] in sys.stdlib_module_names:
        return "Python standard library"
    if under(name, JDK_PREFIXES):
        return "JDK class"
    for prefix, door in JVM_DOORS.items():
        if under(name, (prefix,)):
            return f"{door}, a door to every JDK class"
    return None


def _problems(code: NamedCode, prefixes: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """``(plan path, what, suggestion)`` for each way ``code`` breaks the policy."""
    dunders = [part for part in code.qualname if part.startswith("__") and part.endswith("__")]
    if dunders:
        return [(code.qualname_path, f"{code.name} (goes through {dunders[0]}, which a plan may not name)", "")]
    why = refusal(code.name, prefixes, java=code.java)
    if why is not None:
        return [(code.path, f"{code.name} ({why})", code.suggestion)]
    problems = []
    for i, part in enumerate(code.qualname[:-1]):  # an attribute that is a stdlib module some module imported
        if part in sys.stdlib_module_names:
            reached = ".".join(code.qualname[i:])
            why = refusal(reached, prefixes) if prefixes else "Python standard library"
            if why is not None:
                problems.append((code.qualname_path, f"{code.name} (reaches {reached} through an import: {why})",
                                 part))
    return problems


def check_allowed(plan: AgentPlan, allow: Sequence[str] | None = None) -> None:
    """Raise one :class:`PlanError` listing every name and JVM setting the plan may not use.

    Reads names and settings only: nothing is imported and no JVM starts, so a refused plan runs none of its
    code. ``Runtime(plan)``, ``bridge run`` and ``bridge validate`` all call it first.
    """
    prefixes = allow_list(allow)
    codes = named_code(plan)
    problems = [p for code in codes for p in _problems(code, prefixes)]
    settings = jvm_setting_problems(plan.conf_data, prefixes)
    if not problems and not settings:
        return
    texts = []
    if problems:
        lines = [f"  {path}: {what}" for path, what, _ in problems]
        wanted = list(dict.fromkeys(s for _, _, s in problems if s))
        head = "the plan names code this host will not import or instantiate (a plan is code: run only plans you trust)"
        texts.append(head + ":\n" + "\n".join(lines))
        if wanted:
            texts.append(_how_to_allow(wanted, prefixes, codes))
    if settings:
        texts.append("the plan sets what only whoever runs the process may set (it would run code a plan "
                     "chooses in this process):\n" + "\n".join(f"  {path}: {what}" for path, what in settings))
    raise PlanError("\n".join(texts), path=(problems or settings)[0][0])


def jvm_setting_problems(conf: dict[str, Any] | None, prefixes: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(plan path, what and what to do)`` for each JVM setting a plan may not make.

    A malformed setting (a number, a bad quote) is left to the JVM settings check, which names the fix; what
    can be read here is read leniently, so a bad quote cannot hide a flag.
    """
    conf = conf or {}
    problems = []
    for flag in _plan_jvm_flags(conf.get(CONF_JVM_OPTIONS)):
        refused = next((f for f in CODE_RUNNING_JVM_FLAGS if flag.startswith(f)), None) or next(
            (f for f in LAUNCHER_MAIN_FLAGS if flag == f or flag.startswith(f + "=")), None)
        if refused is not None:
            problems.append((CONF_PATH + CONF_JVM_OPTIONS,
                             f"{flag[:80]!r} ({refused} runs a command or loads code, or reads flags that may): a "
                             f"plan may not set it; pass it through {ENV_JVM_OPTIONS}, which belongs to whoever "
                             "runs the process, not to the plan"))
    java_home = conf.get(CONF_JAVA_HOME)
    if prefixes and java_home not in (None, ""):
        problems.append((CONF_PATH + CONF_JAVA_HOME,
                         f"{java_home!r:.80} (the JDK's libjvm is loaded into this process): a plan run with an "
                         "allow list may not choose it; set JAVA_HOME, which belongs to whoever runs the "
                         "process, not to the plan"))
    maven = conf.get(CONF_MAVEN)
    if prefixes and maven not in (None, "", []):
        problems.append((CONF_PATH + CONF_MAVEN,
                         f"{maven!r:.80} (jars fetched by Maven may run code through Java's service loader "
                         "without the plan naming a class of theirs): a plan run with an allow list may not "
                         "list them; set BRIDGE_MAVEN, which belongs to whoever runs the process, not to the plan"))
    return problems


def _plan_jvm_flags(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            flags = shlex.split(value)
        except ValueError:
            flags = value.split()
    elif isinstance(value, list | tuple):
        flags = [v for v in value if isinstance(v, str)]
    else:
        return []
    return [f.strip() for f in flags]


def _how_to_allow(wanted: list[str], prefixes: tuple[str, ...], codes: list[NamedCode]) -> str:
    if prefixes:
        flags = " ".join(f"--allow {w}" for w in wanted)
        return (f"to allow them, add {flags} (or add {','.join(wanted)} to {ENV_ALLOW}); "
                f"allowed now: {', '.join((*prefixes, *ALWAYS_ALLOWED))}")
    others = [c.suggestion for c in codes
              if refusal(c.name, (), java=c.java) is None and not under(c.name, ALWAYS_ALLOWED)]
    everything = list(dict.fromkeys([*wanted, *others]))
    flags = " ".join(f"--allow {w}" for w in everything)
    text = (f"if this is really meant, allow it: {flags} (Runtime(allow=[...]), or "
            f"{ENV_ALLOW}={','.join(everything)})")
    if others:
        text += "; an allow list replaces the default, so it lists the plan's other modules too"
    return text


def origin(obj: Any) -> str | None:
    """Where an imported function, class or module is really defined (``os.system`` is ``posix.system``)."""
    if inspect.ismodule(obj):
        return obj.__name__
    if inspect.isroutine(obj) or inspect.isclass(obj):
        module = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
        if isinstance(module, str) and isinstance(qualname, str):
            return f"{module}.{qualname}"
    return None


def check_resolved(obj: Any, code: NamedCode, allow: Sequence[str] | None = None) -> None:
    """After import: refuse an object defined somewhere the policy refuses, though its plan name is allowed.

    Catches re-exports: ``from subprocess import run`` makes ``mypkg.run`` the refused ``subprocess.run``.
    """
    where = origin(obj)
    if where is None or where == code.name:
        return
    if not code.java and code.name.split(".", 1)[0] in sys.stdlib_module_names:
        return  # the plan names the standard library itself, which check_allowed let through only if allowed
    prefixes = allow_list(allow)
    why = refusal(where, prefixes)
    if why is not None:
        raise PlanError(f"{code.name} is {where} ({why}), which this host will not call (a plan is code: run "
                        f"only plans you trust); if really meant: --allow {where.rsplit('.', 1)[0]}",
                        path=code.path)
