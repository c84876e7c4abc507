"""Testing a plan with bridge's pytest plugin: copy this folder into your project and run ``pytest`` there.

The plugin comes with ``pip install bridge-agents`` (no ``conftest.py``). Its ``bridge_run`` fixture runs a plan
file, an ``AgentPlan`` or an ``Agent`` class over ``(key, input)`` pairs and gives, per key, the outputs, the final
short-term memory, the errors, and the events the actions sent. A test marked ``bridge_hosts`` runs once per host
that ``pytest --bridge-host python,java,py4j`` names (default: python; ``py4j``: the JVM in a child process; the
Java host needs ``bridge-agents[java-host]``).

The plan (``plan.yaml``) runs your Python actions (``order_replies.py``; pytest puts this folder on ``sys.path``)
around a Java action that ships with bridge, so a JDK is all it needs (``bridge doctor`` checks it).
"""

from pathlib import Path

import pytest

PLAN = Path(__file__).with_name("plan.yaml")


@pytest.mark.bridge_hosts
def test_each_order_gets_the_java_decision_and_each_customer_a_count(bridge_run):
    """Outputs per customer in order, and the memory the Java action wrote."""
    result = bridge_run(PLAN, [("ada", {"order_id": "ORD-1001"}), ("grace", {"order_id": "ORD-9999"}),
                               ("ada", {"order_id": "ORD-1003"})])
    result.assert_no_errors()
    result.assert_outputs({
        "ada": [{"order_id": "ORD-1001", "decision": "approve"}, {"order_id": "ORD-1003", "decision": "reject"}],
        "grace": [{"order_id": "ORD-9999", "decision": "reject"}],
    })
    assert result.memory["ada"]["stats"] == {"reviewed": 2}  # the Java action's counter, per customer
    assert result.memory["grace"]["orders"]["ORD-9999"]["decision"] == "reject"


def test_a_bad_input_fails_only_that_customers_event(bridge_run):
    """An input without an order id fails ``ask`` for that key; the other keys go on."""
    result = bridge_run(PLAN, [("ada", {"order_id": "ORD-1001"}), ("bob", {"id": "ORD-1002"})])
    result.assert_outputs({"ada": [{"order_id": "ORD-1001", "decision": "approve"}], "bob": []})
    assert result.errors["bob"] == [{"action": "ask", "error": "KeyError: 'order_id'"}]
    assert result.memory.get("bob", {}) == {}  # all or nothing: the failed action left nothing
    assert result.sent["ada"][0].type == "order_request"  # what the Python action sent (Python host)
