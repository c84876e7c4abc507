"""The one error tree of bridge.

Every failure a user can cause or meet surfaces as a :class:`BridgeError` subclass that names the place it
happened (file, line, action, key, memory path), so a message alone is enough to find the fault.
"""

from __future__ import annotations

import re
from typing import Any, Literal


class BridgeError(Exception):
    """Root of every error bridge raises on purpose."""


class PlanError(BridgeError):
    """A plan that cannot be read, validated or resolved; names the file, the action and the field path."""

    def __init__(self, message: str, *, file: str | None = None, path: str | None = None) -> None:
        self.file = file
        self.path = path
        where = ", ".join(p for p in (f"file {file}" if file else "", f"at {path}" if path else "") if p)
        super().__init__(f"{where}: {message}" if where else message)


class InputError(BridgeError):
    """A malformed input record (JSONL line); names the file and the line number."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        where = f"{file or '<input>'}:{line}" if line is not None else (file or "<input>")
        super().__init__(f"{where}: {message}")


class ValueContractError(BridgeError, TypeError):
    """A value outside the portable contract (None, bool, int, float, str, bytes, list, str-keyed dict).

    It is also a ``TypeError`` so code that guards against wrong types keeps working.
    """

    def __init__(self, path: str, offending: type | str, detail: str = "") -> None:
        self.path = path
        self.offending = offending if isinstance(offending, str) else offending.__qualname__
        allowed = "None, bool, int, float, str, bytes, list and dict with str keys"
        extra = f" ({detail})" if detail else ""
        super().__init__(f"path '{path}': {self.offending} is not a portable value{extra}; allowed: {allowed}")


class EventError(BridgeError, ValueError):
    """An event's wire form that breaks the event rules; names the field and says what to write instead.

    The rules are the README's and ``tests/contract/events``, and the Java ``Event`` refuses the same inputs
    with a ``BridgeException``. It is also a ``ValueError``, which reading an event raised before it existed.
    """


TriggerCategory = Literal[
    "syntax", "unsupported_construct", "unknown_event_type", "type_check", "referenced_attributes"
]
"""The rule a trigger-condition entry broke (the categories of ``trigger_condition_conformance.json``)."""


class TriggerError(BridgeError, ValueError):
    """A trigger-condition entry is invalid; the message quotes the entry and says what is wrong.

    It is also a ``ValueError`` because plan validation runs it inside an action's own check, which turns
    only ``ValueError`` into the field-path report a :class:`PlanError` lists.

    Attributes:
        category: The rule that failed (``syntax``, ``unsupported_construct``,
            ``unknown_event_type``, ``type_check`` or ``referenced_attributes``), so callers and
            tests can branch on it without parsing the message.
        entry: The entry exactly as the plan wrote it, so a plan error can point at it.
    """

    def __init__(self, message: str, *, category: TriggerCategory, entry: str) -> None:
        super().__init__(message)
        self.category: TriggerCategory = category
        self.entry = entry


class ResourceError(BridgeError):
    """A resource that is not declared in the plan, has another type, or could not be built."""


class JavaError(BridgeError):
    """A Java throwable, kept whole: its class, its message and its stack text (causes included)."""

    def __init__(self, java_class: str, message: str | None, stack: str = "", *, context: str = "") -> None:
        self.java_class = java_class
        self.java_message = message
        self.stack = stack
        head = f"{java_class}: {message}" if message else java_class
        text = f"{context}: {head}" if context else head
        if stack:
            text = f"{text}\nJava stack:\n{stack.rstrip()}"
        super().__init__(text)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, context: str = "") -> JavaError:
        """Build from the ``{"class", "message", "stack"}`` record the Java side returns."""
        return cls(data.get("class", "java.lang.Throwable"), data.get("message"), data.get("stack", ""),
                   context=context)


class ToolArgumentError(BridgeError, TypeError):
    """A tool called with missing, unknown or mistyped arguments; names the tool and the argument.

    It is also a ``TypeError``, as Python raises for a function called with the wrong arguments.
    """


class JvmError(BridgeError):
    """The JVM could not be found, started, or was started with other options than asked for now."""


class ActionError(BridgeError):
    """An action failed while processing one event; names the key, the action and the event type.

    The original exception is kept as ``__cause__`` and ``cause``; its traceback (or Java stack) is in
    ``details``.
    """

    def __init__(self, *, key: Any, action: str, event_type: str, cause: BaseException, details: str = "") -> None:
        self.key = key
        self.action = action
        self.event_type = event_type
        self.cause = cause
        self.details = details
        super().__init__(
            f"action '{action}' failed on event '{event_type}' for key {key!r}: {type(cause).__name__}: {cause}"
        )
        self.__cause__ = cause


class MemoryPathError(BridgeError):
    """A memory operation the memory rules refuse; names the memory and the full path.

    A malformed path, a write under a value, a value over an object node: see the README's memory rules.
    """


class ContextError(BridgeError, TypeError):
    """A ``RunnerContext`` used where it is not valid.

    From a thread that is not running the action (a durable call's worker), after the action finished, or
    with an argument it cannot take (``send_event`` of a non-event, a non-callable durable call, a bad
    ``timeout=``). It is also a ``TypeError``, what such misuse raised before.
    """


class StepLimitError(BridgeError):
    """An input's run took more action steps than the limit (``--max-steps``): an event type that loops."""

    def __init__(self, limit: int, event_type: str) -> None:
        self.limit = limit
        self.event_type = event_type
        super().__init__(f"the input's run exceeded {limit} action steps; the last event was '{event_type}', "
                         "which probably triggers itself in a loop (raise the limit with --max-steps / "
                         "Runtime(max_steps=...) if the run is meant to be this long)")


class CallTimeoutError(BridgeError, TimeoutError):
    """A durable call that did not finish within its timeout; the action receives it and may catch it.

    It is also a ``TimeoutError``, so ``except TimeoutError`` in an action catches it.
    """


class AgentLoopError(BridgeError):
    """A built-in agent conversation reached ``max_iterations`` model calls without a final answer."""


class OutputSchemaError(BridgeError, ValueError):
    """A built-in agent's final answer failed its output schema, on the retry too; names the validation error."""


class StateError(BridgeError):
    """A state store that cannot be used: corrupt, another program's, another plan's, busy or unreachable.

    The message names the file or the URL (never its password) and what to do; a state that is refused is
    left exactly as it was.
    """


class FlinkMissingError(BridgeError):
    """``bridge flink`` (or ``bridge.flink``) was used where PyFlink is not installed: the message names the extra."""


class FlinkJobError(BridgeError):
    """The Flink job failed (a task failed past its restarts, the cluster went away): Flink's reason."""


class NonDeterminismError(BridgeError):
    """A re-run action made another durable call than the one recorded at the same position (strict mode).

    Names the key, the action, the call's index, and the recorded and the new call (function id and
    argument digest).
    """


class ReplayError(BridgeError):
    """A recorded durable call failed with an exception whose class cannot be imported to raise it again.

    ``original`` is the original class's qualified name; the message is the original message.
    """

    def __init__(self, original: str, message: str) -> None:
        self.original = original
        super().__init__(f"{original}: {message}")


_USERINFO = re.compile(r"([a-z][a-z0-9+.-]*://)([^:/@\s\"']*):[^@\s\"']*@", re.IGNORECASE)


def without_passwords(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@`` in it masked, fit for an error message.

    A library's message may quote a URL whole (libpq does for one it cannot parse, an HTTP client for the
    server it could not reach); bridge's errors name URLs, never their passwords.
    """
    return _USERINFO.sub(r"\1\2:***@", text)
