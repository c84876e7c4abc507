import subprocess
import sys

import bridge

EXPECTED = {
    "ActionError", "ActionState", "Agent", "AgentPlan", "BridgeError", "CallResult", "Event", "InputError",
    "InputEvent", "JavaError", "MemoryObject", "OutputEvent", "PlanError", "ResourceError", "ResourceType",
    "RunReport", "RunnerContext", "Runtime", "ValueContractError", "action", "gather", "load_plan",
}


def test_the_public_surface_is_exactly_the_listed_names_in_sorted_order() -> None:
    assert set(bridge.__all__) == EXPECTED
    assert list(bridge.__all__) == sorted(bridge.__all__)
    for name in bridge.__all__:
        assert getattr(bridge, name) is not None


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


def test_layers_point_one_way_api_to_plan_to_runtime_to_jvm() -> None:
    import ast
    from pathlib import Path

    order = ["api", "plan", "runtime", "jvm"]
    root = Path(bridge.__file__).parent
    for layer_index, layer in enumerate(order):
        for source in (root / layer).rglob("*.py"):
            tree = ast.parse(source.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bridge."):
                    target = node.module.split(".")[1]
                    if target in order and node.col_offset == 0:
                        assert order.index(target) <= layer_index, f"{source.name} imports {node.module}"
