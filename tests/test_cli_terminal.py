"""bridge run writes each output line at once when a person watches its standard output in a terminal."""

import json
import os
import pty
import threading
import time
from pathlib import Path

from cli_support import Child, jsonl, plan_file, py

from bridge import OutputEvent


def hold_until_released(event, ctx):
    """Output ``value``; with ``release``, only once that file exists."""
    data = event.input
    deadline = time.monotonic() + 120
    while data.get("release") and not Path(data["release"]).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    ctx.send_event(OutputEvent(output=data["value"]))


def _lines(fd: int, into: list[bytes], got_one: threading.Event) -> None:
    buffer = b""
    try:
        while chunk := os.read(fd, 4096):
            buffer += chunk
            *whole, buffer = buffer.split(b"\n")
            into.extend(line.rstrip(b"\r") for line in whole)
            if into:
                got_one.set()
    except OSError:  # EIO: the child closed the terminal
        pass


def test_in_a_terminal_the_first_output_appears_while_later_inputs_still_run(tmp_path: Path) -> None:
    plan = plan_file(tmp_path, {"hold": (py("hold_until_released", "test_cli_terminal"), ["_input_event"])})
    release = tmp_path / "release"
    inputs = jsonl(tmp_path / "in.jsonl", [{"key": "a", "input": {"value": 1}},
                                           {"key": "a", "input": {"value": 2, "release": str(release)}}])
    terminal, child_end = pty.openpty()
    child = Child(tmp_path, [str(plan), "--input", str(inputs)], stdout=child_end)
    os.close(child_end)
    lines: list[bytes] = []
    got_one = threading.Event()
    threading.Thread(target=_lines, args=(terminal, lines, got_one), daemon=True).start()
    try:
        # The second input waits for the release, which comes only after the first line was seen.
        assert got_one.wait(60), f"no output line while the run went on:\n{child.stderr}"
        assert json.loads(lines[0]) == {"key": "a", "output": 1}
        assert child.proc.poll() is None
    finally:
        release.write_text("go")
        code, stderr = child.finish()
    assert code == 0, stderr
