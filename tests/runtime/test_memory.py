import pytest

from bridge import BridgeError, MemoryObject, ValueContractError
from bridge.runtime import MemoryStore
from bridge.runtime._memory import MemoryView


@pytest.fixture
def memory() -> MemoryView:
    return MemoryView(MemoryStore(), "short_term")


def test_set_creates_parent_objects_and_get_returns_objects_as_views(memory: MemoryView) -> None:
    memory.set("order.customer.name", "Ada")
    order = memory.get("order")
    assert isinstance(order, MemoryObject)
    assert order.get("customer.name") == "Ada"
    assert memory.get_field_names() == ["order"]
    assert memory.is_exist("order.customer") and not memory.is_exist("order.total")


def test_a_dict_value_stays_a_value_and_reads_return_copies(memory: MemoryView) -> None:
    memory.set("cart", {"items": [1, 2]})
    cart = memory.get("cart")
    assert cart == {"items": [1, 2]}
    cart["items"].append(3)
    assert memory.get("cart") == {"items": [1, 2]}


def test_new_object_keeps_an_existing_object_even_with_overwrite(memory: MemoryView) -> None:
    memory.new_object("profile").set("tier", "gold")
    assert memory.new_object("profile").get("tier") == "gold"
    assert memory.new_object("profile", overwrite=True).get_field_names() == ["tier"]


def test_get_fields_returns_values_and_views(memory: MemoryView) -> None:
    memory.set("a", 1)
    memory.set("b.c", 2)
    fields = memory.get_fields()
    assert fields["a"] == 1 and isinstance(fields["b"], MemoryObject)


def test_writing_under_a_value_is_an_error_naming_the_path(memory: MemoryView) -> None:
    memory.set("total", 5)
    with pytest.raises(BridgeError, match="short_term.total' holds a value"):
        memory.set("total.cents", 1)
    with pytest.raises(BridgeError, match="invalid memory path"):
        memory.set("a..b", 1)


def test_non_portable_values_are_refused_with_the_memory_path(memory: MemoryView) -> None:
    with pytest.raises(ValueContractError, match=r"short_term\.x\.y\[1\].*complex"):
        memory.set("x.y", [1, 2j])


def test_every_write_is_logged_and_json_updates_replay_into_another_store() -> None:
    source = MemoryStore()
    view = MemoryView(source, "short_term")
    view.new_object("user")
    view.set("user.tier", "gold")
    MemoryView(source, "sensory").set("blob", b"\x00\x01")
    log = source.take_log()
    assert [u.to_wire() for u in log] == [
        ["short_term", "new_object", "user", None],
        ["short_term", "set", "user.tier", "gold"],
        ["sensory", "set", "blob", b"\x00\x01"],
    ]
    replica = MemoryStore()
    replica.apply([u.to_wire() for u in log])
    assert replica.snapshot("short_term") == {"user": {"tier": "gold"}}
    assert replica.read_wire("short_term", "user") == {"o": ["tier"], "n": []}
    assert replica.read_wire("sensory", "blob") == {"v": b"\x00\x01"}
    assert replica.read_wire("sensory", "missing") is None


def test_a_malformed_update_from_another_language_is_named() -> None:
    with pytest.raises(BridgeError, match="malformed memory update"):
        MemoryStore().apply([["long_term", "set", "a", 1]])
    with pytest.raises(BridgeError, match="unknown op 'delete'"):
        MemoryStore().apply([["sensory", "delete", "a", None]])


def test_an_update_log_cannot_sneak_a_leading_dot_past_the_path_check() -> None:
    store = MemoryStore()
    store.begin()
    with pytest.raises(BridgeError, match="invalid memory path"):
        store.apply([["short_term", "set", "x", 1], ["short_term", "set", ".a", 2]])
    store.rollback()
    assert store.snapshot("short_term") == {}


def test_a_host_that_keeps_each_keys_memory_dumps_it_as_json_and_loads_it_into_another_runtime() -> None:
    # bridge.flink's way: the memory leaves the runtime after an input (Flink keyed state) and comes back before the
    # next, possibly in another worker's runtime after a restore.
    import json
    from pathlib import Path

    from bridge import Runtime

    plan = Path(__file__).resolve().parents[1] / "conformance" / "scenarios" / "python_only" / "plan.json"
    with Runtime(plan) as first:
        first.run([("a", "hello world")])
        stored = first.dump_memory("a")
    assert json.loads(json.dumps(stored)) == stored, "the stored form is JSON"
    with Runtime(plan) as second:
        assert second.dump_memory("a") is None
        second.load_memory("a", stored)
        second.run([("a", "again")])
        assert second.short_term_memory("a").get("stats.inputs") == 2
        assert second.short_term_memory("a").get("stats.words") == 3
        second.load_memory("a", None)
        assert second._scheduler.key_count == 0, "the runtime holds nothing more for the key"
        assert second.dump_memory("a") is None and not second.short_term_memory("a").is_exist("stats")


def test_committed_leaves_out_the_running_actions_writes_and_keeps_them() -> None:
    store = MemoryStore()
    store.begin()
    store.set("short_term", "total", 1)
    store.set("short_term", "order.id", "A")
    store.commit()
    store.begin()  # the next action, part way: a value changed, an object and a value added under it
    store.set("short_term", "total", 2)
    store.new_object("short_term", "user", overwrite=False)
    store.set("short_term", "user.name", "ada")
    store.set("short_term", "order.items", 3)
    assert store.committed() == {"total": 1, "order": {"id": "A"}}
    assert store.dump("short_term") == {"total": 2, "order": {"id": "A", "items": 3}, "user": {"name": "ada"}}
    store.rollback()
    assert store.dump("short_term") == {"total": 1, "order": {"id": "A"}}
