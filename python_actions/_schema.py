"""A small JSON Schema check for tool arguments and agent answers, with messages a model can act on.

The project has no JSON Schema library among its dependencies; this covers what tool declarations and simple
output schemas use (``type``, ``properties``, ``required``, ``additionalProperties: false``, ``items``,
``enum``). Keywords it does not know are ignored, so a richer schema is checked only as far as these go.
"""

from __future__ import annotations

from typing import Any

_TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema``, each as ``path: what was expected, what was given``.

    JSON Schema allows ``true`` (anything) and ``false`` (nothing) as schemas; any other non-object schema is
    not checked rather than crashing the tool action on a schema the model's caller declared.
    """
    if schema is True or not isinstance(schema, dict):
        return [] if schema is not False else [f"{path}: no value is allowed here"]
    errors: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_TYPES.get(k, lambda v: True)(value) for k in names):
            errors.append(f"{path}: expected {' or '.join(names)}, got {type(value).__name__} {value!r:.60}")
            return errors
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: expected one of {schema['enum']}, got {value!r:.60}")
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        for name in schema.get("required") or []:
            if name not in value:
                errors.append(f"{path}: missing required field '{name}'")
        for name, item in value.items():
            if name in properties:
                errors.extend(schema_errors(item, properties[name], f"{path}.{name}"))
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unknown field '{name}' (allowed: {', '.join(properties) or 'none'})")
    if isinstance(value, list) and isinstance(schema.get("items"), dict | bool):
        for i, item in enumerate(value):
            errors.extend(schema_errors(item, schema["items"], f"{path}[{i}]"))
    return errors
