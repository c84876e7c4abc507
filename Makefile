# Two commands for a fresh machine (see README): `make demo` and `make test`.
# Everything else is what they are made of.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MVN    := mvn -B -ntp
JARS   := java/dist/target/jars

.PHONY: demo agent-demo agent-demo-openai test install jars test-java test-python bench lint clean

demo: install jars
	$(BIN)/bridge run examples/demo/plan.yaml --input examples/demo/orders.jsonl

# A Python ReAct agent with Java tools and Java retrieval; offline (scripted model), see README "Agent demo".
agent-demo: install jars
	$(BIN)/bridge run examples/agent/plan.yaml --input examples/agent/questions.jsonl

# The same agent against an OpenAI-compatible server: set base_url and model in the plan first.
agent-demo-openai: install jars
	$(BIN)/bridge run examples/agent/plan.openai.yaml --input examples/agent/questions.jsonl

test: install lint test-java test-python

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# The Java runtime, examples and their dependencies, copied flat into $(JARS) for the JVM's classpath.
jars:
	$(MVN) -q -DskipTests package

# JUnit tests, then the jars the Python tests put on the JVM's classpath.
test-java:
	$(MVN) verify

test-python: install
	$(BIN)/python -m pytest

# BASELINE=/path/to/another/checkout (with its jars built) compares bench_effects against it in the same run.
bench: install jars
	$(BIN)/python bench/bench_host.py
	$(BIN)/python bench/bench_jvm.py
	$(BIN)/python bench/bench_effects.py $(if $(BASELINE),--baseline $(BASELINE))
	$(BIN)/python bench/bench_agents.py

lint: install
	$(BIN)/ruff check bridge python_actions tests bench

clean:
	rm -rf $(VENV) java/*/target target .pytest_cache
