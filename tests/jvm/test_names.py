"""Every Java name the Python side uses resolves against the built jars."""

import pytest

from bridge.jvm import _names, default_bridge

pytestmark = pytest.mark.usefixtures("java_built")


@pytest.mark.parametrize(("cls", "methods"), sorted({**_names.CALLED, **_names.IMPLEMENTED}.items()))
def test_every_java_class_and_method_called_across_the_boundary_exists(cls: str, methods: tuple[str, ...]) -> None:
    java_class = default_bridge({}).jclass(cls)
    declared = {str(m.getName()) for m in java_class.class_.getMethods()}
    missing = [m for m in methods if m not in declared]
    assert not missing, f"{cls} has no method(s) {missing}: update bridge/jvm/_names.py or the Java side"
