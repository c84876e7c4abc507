# Two commands for a fresh machine (see README): `make demo` and `make test`.
# Everything else is what they are made of.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MVN    := mvn -B -ntp
JARS   := java/dist/target/jars

.PHONY: demo agent-demo agent-demo-openai test install postgres jars wheel test-java test-python bench bench-crash lint flink-venv \
        clean

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
	JAVA_HOME="$${JAVA_HOME:-$$(dirname "$$(dirname "$$(readlink -f "$$(command -v javac)")")")}" \
	  $(BIN)/pip install -q -e '.[dev,java-host]'
	touch $@

# bridge with the flink extra, in a venv of its own: PyFlink pins pemja 0.5.7, the java-host extra 0.6.0. The Flink
# tests (tests/flink) start their jobs from here; .venv's pytest drives them.
FLINK_VENV := .venv-flink
flink-venv: $(FLINK_VENV)/.installed

$(FLINK_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(FLINK_VENV)
	$(FLINK_VENV)/bin/pip install -q --upgrade pip
	JAVA_HOME="$${JAVA_HOME:-$$(dirname "$$(dirname "$$(readlink -f "$$(command -v javac)")")")}" \
	  $(FLINK_VENV)/bin/pip install -q -e '.[flink]'
	touch $@

# PostgreSQL's server programs, for the tests of the PostgreSQL state store: the test session starts a server of
# its own from them on a free loopback port (Debian's cluster service is not started). Installed when missing;
# where that cannot be done (no root, no sudo) the tests skip, except under CI=true, where this step fails.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
postgres:
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql package (the server programs the state-store tests start)"; \
	  { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends postgresql; } \
	  || { echo "could not install postgresql: the PostgreSQL store tests will skip"; [ "$$CI" != true ]; }; }

# The Java runtime, examples and their dependencies, copied flat into $(JARS) for the JVM's classpath.
jars:
	$(MVN) -q -DskipTests package

# A wheel that carries those jars: python -m build makes the sdist (Java sources included), then the wheel from it,
# whose setup.py runs the Maven build. dist/bridge_agents-*.whl installs into any venv with a JDK: no clone, no Maven.
wheel: install
	$(BIN)/python -m build --outdir dist

# JUnit tests, then the jars the Python tests put on the JVM's classpath; installed in the local Maven repository
# too, where tests/jvm/test_maven.py resolves the project's own coordinates.
test-java:
	$(MVN) install

# Tests marked bridge_hosts (the pytest plugin, bridge/testing.py) run under both hosts, and the Python host over py4j.
test-python: install postgres flink-venv
	$(BIN)/python -m pytest --bridge-host python,java,py4j

# BASELINE=/path/to/another/checkout (with its jars built) compares bench_effects against it in the same run.
bench: install jars flink-venv
	$(BIN)/python bench/bench_host.py
	$(BIN)/python bench/bench_jvm.py
	$(BIN)/python bench/bench_effects.py $(if $(BASELINE),--baseline $(BASELINE))
	$(BIN)/python bench/bench_agents.py
	$(BIN)/python bench/bench_state.py
	$(BIN)/python bench/bench_plan.py
	$(BIN)/python bench/bench_mixed.py
	$(BIN)/python bench/bench_py4j.py
	$(BIN)/python bench/bench_hosts.py
	$(BIN)/python bench/bench_startup.py
	$(FLINK_VENV)/bin/python bench/bench_flink.py

# 200 kill -9s of a durable run and its restarts (several minutes); the CI test does 20.
bench-crash: install jars postgres
	$(BIN)/python bench/bench_crash.py --kills 200 --postgres

lint: install
	$(BIN)/ruff check bridge python_actions tests bench

clean:
	rm -rf $(VENV) $(FLINK_VENV) java/*/target target .pytest_cache build dist
