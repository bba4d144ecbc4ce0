"""The `briefbot` command as a user runs it: exit codes, JSON shapes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.helpers import ROOT, SEEDS


@pytest.fixture
def database(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The command's database, SQLite or PostgreSQL (see conftest), set as a user would."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    return database_url


def _json(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def seeded(database: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["ingest"]) == 0
    capsys.readouterr()
    return database


def test_ingest_without_paths_takes_the_seeds_and_reports_one_line(database, capsys) -> None:
    assert main(["ingest"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["Ingested 5 file(s): 5 added, 0 already stored, 0 rejected."]


def test_ingest_json_reports_each_file(database, capsys, tmp_path) -> None:
    (tmp_path / "empty.txt").write_text("")
    assert (
        main(
            [
                "ingest",
                "--json",
                str(SEEDS / "002_ffeabc11d1486852.txt"),
                str(tmp_path / "empty.txt"),
            ]
        )
        == 1
    )
    report = _json(capsys)
    assert (report["added"], report["rejected"]) == (1, 1)
    rejected = [f for f in report["files"] if f["status"] == "rejected"]
    assert rejected[0]["source"].endswith("empty.txt") and rejected[0]["reason"] == "empty file"


def test_who_json_has_the_documented_shape(seeded, capsys) -> None:
    assert main(["who", "Trump", "--json"]) == 0
    answer = _json(capsys)
    assert answer["query"] == "Trump"
    assert answer["actor"]["name"] == "Donald Trump" and answer["actor"]["kind"] == "person"
    assert "Trump" in answer["actor"]["aliases"]
    assert answer["suggestions"] == []
    assert answer["statements"]
    for statement in answer["statements"]:
        assert set(statement) >= {"stance", "evidence", "hedged", "reported_by", "article"}
        assert statement["stance"] in {"commit", "conditional", "open", "refuse", "demand"}
        assert isinstance(statement["hedged"], bool)
        assert set(statement["article"]) == {"title", "source", "published"}


def test_who_unknown_name_exits_1_with_suggestions(seeded, capsys) -> None:
    assert main(["who", "Zelenkso", "--json"]) == 1
    answer = _json(capsys)
    assert answer["actor"] is None and answer["statements"] == []
    assert "Volodymyr Zelensky" in answer["suggestions"]


@pytest.mark.parametrize(
    "query", ["ZELENSKYY", "zelenskiy", "Zelenskyy", "Зеленський", "Zelensky's"]
)
def test_who_is_case_accent_and_spelling_insensitive(seeded, capsys, query) -> None:
    assert main(["who", query, "--json"]) == 0
    assert _json(capsys)["actor"]["name"] == "Volodymyr Zelensky"


@pytest.mark.parametrize("query", ["%", "_", "%rump", "T_ump", "'; DROP TABLE actors; --", "\x00"])
def test_who_treats_names_as_data(seeded, capsys, query) -> None:
    assert main(["who", query, "--json"]) == 1
    assert _json(capsys)["actor"] is None
    assert main(["who", "Trump", "--json"]) == 0  # nothing was harmed


def test_latest_json_has_the_documented_shape_newest_first(seeded, capsys) -> None:
    assert main(["latest", "--limit", "3", "--json"]) == 0
    articles = _json(capsys)["articles"]
    assert len(articles) == 3
    for article in articles:
        assert set(article) >= {"title", "source", "published", "ingested_at", "summary", "actors"}
        assert 1 <= len(article["summary"]) <= 3
    stamps = [a["ingested_at"] for a in articles]
    assert stamps == sorted(stamps, reverse=True)


def test_summarize_json_prints_one_object_per_file(database, capsys) -> None:
    files = [str(SEEDS / "001_07053c2437aff749.txt"), str(SEEDS / "003_aaf6f61612fcb751.txt")]
    assert main(["summarize", *files, "--json", "--sentences", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    objects = [json.loads(line) for line in lines]
    assert [o["source"] for o in objects] == files
    assert all(set(o) == {"source", "title", "summary"} and len(o["summary"]) == 2 for o in objects)


def test_summarize_rejects_an_unknown_algorithm_in_one_line(database, capsys) -> None:
    assert main(["summarize", str(SEEDS / "000_381c8fa5f7f448f3.txt"), "--algorithm", "magic"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown algorithm 'magic'" in err[0]


def test_bad_database_url_gives_one_line_and_no_traceback(tmp_path) -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "latest"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("briefbot: cannot open database")


def test_console_script_runs_the_quick_start(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run("ingest").returncode == 0
    assert (tmp_path / "briefbot.db").exists()
    latest = run("latest")
    who = run("who", "Trump")
    assert latest.returncode == 0 and who.returncode == 0
    assert "Donald Trump (person)" in who.stdout and "Traceback" not in who.stderr + latest.stderr


def test_who_json_links_a_reversed_position_to_the_earlier_one(seeded, capsys) -> None:
    assert main(["who", "Trump", "--json"]) == 0
    statements = _json(capsys)["statements"]
    reversal = next(
        s for s in statements if "american troops would not be deployed" in s["evidence"].lower()
    )
    earlier = [change["evidence"] for change in reversal["changes"]]
    assert any("did not rule out the possibility of deploying" in e for e in earlier)
    assert all(set(c) == {"evidence", "stance", "article"} for c in reversal["changes"])
    assert {c["stance"] for c in reversal["changes"]} == {"open"}
    unchanged = next(s for s in statements if "reiterated his commitment" in s["evidence"])
    assert "changes" not in unchanged


class _ClosedPipe:
    """stdout whose reader has gone away, as under `briefbot who Trump | head -3`."""

    def __init__(self, fileno: int) -> None:
        self._fileno = fileno

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        return self._fileno


def test_a_closed_pipe_ends_the_command_quietly(seeded, tmp_path, monkeypatch) -> None:
    with (tmp_path / "stdout").open("w") as target:
        monkeypatch.setattr("sys.stdout", _ClosedPipe(os.dup(target.fileno())))
        assert main(["who", "Trump"]) == 1


def test_evaluate_positions_scores_only_the_sets_asked_for(capsys) -> None:
    assert main(["evaluate", "positions", "--sets", "seed", "--json"]) == 0
    scores = _json(capsys)
    assert list(scores) == ["seed"]
    assert scores["seed"]["recall"] >= 0.9
    assert scores["seed"]["actorless"] == 0
