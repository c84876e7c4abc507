"""The processes of a session, read from /proc: what a Flink job or cluster started, and what it left behind."""

from __future__ import annotations

from pathlib import Path


def session_processes(sid: int, needle: str = "") -> dict[int, str]:
    """Live processes of session ``sid`` whose command line contains ``needle``: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid and fields[0] != "Z" and needle in cmd:
            found[int(entry.name)] = cmd[:160]
    return found


def has_child(pid: int) -> bool:
    """Whether process ``pid`` has a child (a TaskManager's Python worker)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    return True
            except (OSError, IndexError, ValueError):
                continue
    return False
