import subprocess
import sys
import types

import bridge


def _public_names() -> set[str]:
    """What ``from bridge import X`` offers: every public attribute of the package except its subpackages."""
    return {name for name in dir(bridge)
            if not name.startswith("_") and not isinstance(getattr(bridge, name), types.ModuleType)}


def test_every_public_name_of_bridge_is_listed_in_all() -> None:
    unlisted = _public_names() - set(bridge.__all__)
    assert not unlisted, f"public names of bridge missing from __all__ (add them, or import them as _name): " \
                         f"{sorted(unlisted)}"


def test_every_name_in_all_exists_once_in_sorted_order() -> None:
    missing = [name for name in bridge.__all__ if not hasattr(bridge, name)]
    assert not missing, f"__all__ lists names bridge does not define: {missing}"
    assert len(set(bridge.__all__)) == len(bridge.__all__), "__all__ lists a name twice"
    assert list(bridge.__all__) == sorted(bridge.__all__)


def test_a_fresh_import_offers_exactly_all() -> None:
    # In this test session other tests import bridge.jvm and bridge.cli; a fresh interpreter shows what
    # ``import bridge`` alone offers, so a name that only appears as a side effect is caught too.
    code = ("import types, bridge\n"
            "print(sorted(n for n in dir(bridge) if not n.startswith('_') "
            "and not isinstance(getattr(bridge, n), types.ModuleType)))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == repr(sorted(bridge.__all__))


def test_api_and_plan_import_without_jpype_or_the_runtime() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('jpype', '_jpype', 'py4j', 'pemja'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import bridge.api, bridge.plan\n"
        "assert not any(m.split('.')[0] in ('jpype', '_jpype') for m in sys.modules)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr
