import pytest

from bridge import ValueContractError
from bridge.api import check_portable
from bridge.api._values import dumps, loads


def test_portable_values_pass_the_check() -> None:
    check_portable({"a": [1, 2.5, True, None, "s", b"\x00\xff", {"n": []}]}, "v")


@pytest.mark.parametrize(
    ("value", "path", "offending"),
    [
        ({"a": {"b": {1, 2}}}, "v.a.b", "set"),
        ({"a": [1, object()]}, "v.a[1]", "object"),
        ({1: "x"}, "v.1", "dict key of type int"),
        ((1, 2), "v", "tuple"),
    ],
)
def test_non_portable_values_name_the_path_and_type(value, path, offending) -> None:
    with pytest.raises(ValueContractError) as info:
        check_portable(value, "v")
    assert info.value.path == path
    assert offending in str(info.value)
    assert isinstance(info.value, TypeError)


def test_bytes_survive_json_as_tagged_base64() -> None:
    value = {"blob": b"\x00\x01bridge\xff", "nested": [b"", "text"]}
    text = dumps(value)
    assert b'"$bytes"' in text
    assert loads(text) == value
