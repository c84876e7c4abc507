"""Input lines are data: a bad one is reported and skipped (or ends the input), keys are exact JSON values,
and standard input streams line by line.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_support import Child, plan_file, py
from click.testing import CliRunner

from bridge._jsonl import InputReader, parse_line
from bridge.cli import main
from bridge.errors import InputError

COUNT = {"count": (py("count"), ["_input_event"])}
GOOD = '{"key": "a", "input": 1}'


def _run(tmp_path: Path, lines: list[str], *extra: str) -> tuple[int, str, list[dict]]:
    plan = plan_file(tmp_path, COUNT)
    inputs = tmp_path / "in.jsonl"
    inputs.write_bytes(b"".join((x.encode() if isinstance(x, str) else x) + b"\n" for x in lines))
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["run", str(plan), "--input", str(inputs), "--output", str(out), *extra])
    return result.exit_code, result.output, [json.loads(x) for x in out.read_text().splitlines()]


@pytest.mark.parametrize(("line", "reason"), [
    ("{not json", "not valid JSON"),
    ('{"key": "a"}', "missing 'input'"),
    ('{"input": 1}', "missing 'key'"),
    ("[1, 2]", "each line is an object"),
    ('{"key": ["a"], "input": 1}', "'key' is an array"),
    ('{"key": {"id": 1}, "input": 1}', "'key' is an object"),
    (b'{"key": "\xff", "input": 1}', "not valid JSON"),
])
def test_a_bad_line_is_reported_with_file_and_line_and_the_run_goes_on(tmp_path: Path, line, reason: str) -> None:
    code, err, outputs = _run(tmp_path, [GOOD, line, GOOD])
    assert code == 1, err
    assert f"in.jsonl:2: {reason}" in err
    assert "1 bad input lines skipped" in err and "Traceback" not in err
    assert [o["output"]["seen"] for o in outputs] == [1, 2]  # the lines before and after both ran


def test_stop_mode_ends_the_input_at_the_bad_line_but_runs_every_line_before_it(tmp_path: Path) -> None:
    lines = [json.dumps({"key": i % 7, "input": i}) for i in range(50)] + ["{oops", GOOD]
    code, err, outputs = _run(tmp_path, lines, "--on-bad-input", "stop")
    assert code == 2, err
    assert "in.jsonl:51: not valid JSON" in err and "the input ends here" in err
    assert sorted(o["output"]["input"] for o in outputs) == list(range(50))


def test_many_bad_lines_are_counted_without_flooding_standard_error(tmp_path: Path) -> None:
    code, err, outputs = _run(tmp_path, ["{bad"] * 100 + [GOOD])
    assert code == 1
    assert err.count("skipped: ") == 20 and "100 bad input lines skipped" in err
    assert len(outputs) == 1


def test_blank_lines_and_a_byte_order_mark_are_not_bad_lines(tmp_path: Path) -> None:
    code, err, outputs = _run(tmp_path, [b"\xef\xbb\xbf" + GOOD.encode(), "", "   ", GOOD])
    assert code == 0, err
    assert len(outputs) == 2


def test_keys_are_exact_json_values_one_one_point_zero_true_and_the_string_are_four_keys(tmp_path: Path) -> None:
    keys = ["1", "1.0", "true", '"1"', "1"]
    code, err, outputs = _run(tmp_path, [f'{{"key": {k}, "input": null}}' for k in keys])
    assert code == 0, err
    got = [(o["key"], type(o["key"]).__name__, o["output"]["key_type"], o["output"]["seen"]) for o in outputs]
    assert sorted(got, key=repr) == sorted([
        (1, "int", "int", 1), (1.0, "float", "float", 1), (True, "bool", "bool", 1), ("1", "str", "str", 1),
        (1, "int", "int", 2),
    ], key=repr)
    assert '"key":1.0,' in (tmp_path / "out.jsonl").read_text()


def test_integers_beyond_64_bits_stay_exact_keys(tmp_path: Path) -> None:
    big = 123456789012345678901234567890
    code, err, outputs = _run(tmp_path, [f'{{"key": {big}, "input": {big}}}', f'{{"key": {big + 1}, "input": 2}}'])
    assert code == 0, err
    assert sorted(o["key"] for o in outputs) == [big, big + 1]
    assert [o["output"]["seen"] for o in outputs] == [1, 1]
    assert f'"key":{big},' in (tmp_path / "out.jsonl").read_text()


def test_parse_line_names_file_and_line() -> None:
    assert parse_line(b'{"key": true, "input": [1]}', file="f", number=3) == (True, [1])
    with pytest.raises(InputError, match=r"^f:3: missing 'input'"):
        parse_line(b'{"key": 1}', file="f", number=3)


def test_the_reader_reads_one_line_at_a_time() -> None:
    """A line read is a line run: the reader asks the stream for nothing beyond the line it yields."""
    class Stream:
        def __init__(self) -> None:
            self.calls = 0

        def readline(self) -> bytes:
            self.calls += 1
            return b'{"key": 1, "input": 2}\n' if self.calls < 1000 else b""

    stream = Stream()
    it = iter(InputReader(stream, "s"))  # type: ignore[arg-type]
    assert next(it) == (1, 2) and stream.calls == 1


def test_standard_input_streams_each_output_before_the_next_line_arrives(tmp_path: Path) -> None:
    plan = plan_file(tmp_path, COUNT)
    child = Child(tmp_path, [str(plan), "--input", "-", "--progress"], stdin=subprocess.PIPE)
    for i in range(3):
        child.send(json.dumps({"key": "a", "input": i}))
        line = json.loads(child.read_line())  # comes while standard input is still open
        assert line["output"]["seen"] == i + 1
    child.send("{not json")
    child.proc.stdin.close()
    code, err = child.finish()
    assert code == 1, err
    assert "<stdin>:4: not valid JSON" in err and "3 inputs, 3 outputs" in err


def test_an_input_file_of_bad_lines_only_still_writes_an_empty_output(tmp_path: Path) -> None:
    code, err, outputs = _run(tmp_path, ["{bad"])
    assert code == 1 and outputs == []
    assert "0 inputs, 0 outputs, 0 failed events, 1 bad input lines skipped" in err



# -- a bad line first, last, and past the read-ahead window ------------------------------------------------
READ_AHEAD = 4096  # the runtime's default input window; a bad line past it once lost the lines read before it


def _numbered(total: int, bad_at: int) -> list[str]:
    """``total`` lines, each with its own key ``k<line>``, and a bad one at line ``bad_at`` (1-based)."""
    return ["{not json" if n == bad_at else json.dumps({"key": f"k{n}", "input": n}) for n in range(1, total + 1)]


def _assert_outputs_of_lines(outputs: list[dict], lines: list[int]) -> None:
    """One output per line in ``lines``, under that line's key, from that line's input: none lost or doubled."""
    assert len(outputs) == len(lines)
    assert sorted(o["key"] for o in outputs) == sorted(f"k{n}" for n in lines)
    assert all(o["output"]["input"] == int(o["key"][1:]) and o["output"]["seen"] == 1 for o in outputs)


@pytest.mark.parametrize(("total", "bad_at"), [(10, 1), (10, 10), (6000, 5001)],
                         ids=["first line", "last line", "line 5001 of 6000"])
def test_a_bad_line_anywhere_is_skipped_and_every_valid_line_has_its_output(tmp_path: Path, total: int,
                                                                            bad_at: int) -> None:
    assert total < READ_AHEAD or bad_at > READ_AHEAD
    code, err, outputs = _run(tmp_path, _numbered(total, bad_at))
    assert code == 1, err
    assert f"in.jsonl:{bad_at}: not valid JSON" in err and "1 bad input lines skipped" in err
    _assert_outputs_of_lines(outputs, [n for n in range(1, total + 1) if n != bad_at])


@pytest.mark.parametrize(("total", "bad_at"), [(6000, 5001), (10, 1)], ids=["line 5001 of 6000", "first line"])
def test_stop_mode_runs_exactly_the_lines_before_a_bad_line(tmp_path: Path, total: int, bad_at: int) -> None:
    code, err, outputs = _run(tmp_path, _numbered(total, bad_at), "--on-bad-input", "stop")
    assert code == 2, err
    assert f"in.jsonl:{bad_at}: not valid JSON" in err and "the input ends here" in err
    _assert_outputs_of_lines(outputs, list(range(1, bad_at)))
