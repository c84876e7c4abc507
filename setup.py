"""The wheel's one build step beyond setuptools: build the Java side with Maven and ship its jars in the package.

``python -m build`` (``make wheel``) runs it: it makes the sdist, which carries the Java sources (MANIFEST.in),
then the wheel from the unpacked sdist, so Maven builds the jars from those sources in a folder of its own.
Everything else about the package is in pyproject.toml. Why a ``build_py`` hook rather than a Makefile step before
``python -m build``: the wheel is then right however it is built (``python -m build``, ``--wheel`` from the clone,
``pip wheel .``, ``pip install .``), and the jars it carries are always the ones Maven built in that same build,
never a stale folder someone forgot to refresh.

The jars land in ``bridge/_jars/`` of the wheel: the JVM classpath that ``make jars`` copies into
java/dist/target/jars, which bridge.jvm._discovery finds when the package is installed without a clone.
An editable install (``make install``) skips this: it uses the clone's java/dist/target/jars directly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
CLONE_JARS = ROOT / "java" / "dist" / "target" / "jars"
PACKAGE_JARS = Path("bridge") / "_jars"  # bridge.jvm._discovery.PACKAGE_JARS_DIR looks here
MAVEN = ("mvn", "-B", "-ntp", "-q", "-DskipTests", "package")


def build_jars() -> None:
    """Run Maven offline (the local repository usually has everything), then online if that fails."""
    mvn = shutil.which(os.environ.get("MVN", "mvn"))
    if not (ROOT / "pom.xml").is_file():
        raise SystemExit(f"bridge-agents wheel: no pom.xml in {ROOT}, so no Java sources to build the jars from: "
                         "build from a clone (`make wheel`) or from an sdist that `python -m build` made")
    if mvn is None:
        raise SystemExit("bridge-agents wheel: Maven (mvn) is not on PATH and the wheel carries the Java jars "
                         "it builds: install Maven 3.6.1+ (Debian/Ubuntu: apt-get install maven) or set MVN")
    offline = subprocess.run([mvn, "-o", *MAVEN[1:]], cwd=ROOT, check=False)
    if offline.returncode != 0:
        print("bridge-agents wheel: Maven offline build failed (see above); retrying online", flush=True)
        if subprocess.run([mvn, *MAVEN[1:]], cwd=ROOT, check=False).returncode != 0:
            raise SystemExit(f"bridge-agents wheel: the Java build failed offline and online: run "
                             f"`{' '.join(MAVEN)}` in {ROOT} to see why, fix it, and build again")


class BuildPyWithJars(build_py):
    """``build_py`` that also builds the jars and copies them into the package."""

    def run(self) -> None:
        """Copy the Python files as usual, then build the jars and add them (not for an editable install)."""
        super().run()
        if getattr(self, "editable_mode", False):
            return
        build_jars()
        jars = sorted(CLONE_JARS.glob("*.jar"))
        if not any(j.name.startswith("bridge-runtime") for j in jars):
            raise SystemExit(f"bridge-agents wheel: Maven ran but {CLONE_JARS} has no bridge-runtime jar")
        target = Path(self.build_lib) / PACKAGE_JARS
        shutil.rmtree(target, ignore_errors=True)  # build/lib outlives builds: no jar of an older one
        target.mkdir(parents=True)
        for jar in jars:
            shutil.copy2(jar, target / jar.name)


setup(cmdclass={"build_py": BuildPyWithJars})
