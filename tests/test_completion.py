"""Shell completion: the scripts typer prints, and what Tab offers for
`--topic`, `--source` and `show ID` (called directly, and through the same
environment protocol the shells use)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import click
import pytest
from support import emh_script, modules_loaded_by

from emh_cli import complete

TREATED = "How is extramedullary hematopoiesis treated?"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("EMH_DATA", raising=False)


def run_emh(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("_EMH_")}
    full.update(env)
    return subprocess.run(
        [emh_script(), *args],
        capture_output=True,
        text=True,
        env=full,
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=check,
    )


def bash_complete(words: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash would offer for the last word of `words` (empty if it ends in a space)."""
    parts = words.split(" ")
    done = run_emh(
        {
            **(env or {}),
            "_EMH_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(parts) - 1),
        }
    )
    assert done.stderr == ""
    return done.stdout.split()


@pytest.fixture
def small_store(tmp_path: Path) -> Path:
    doc = tmp_path / "zebra_notes.txt"
    doc.write_text("What is a zebra spleen?\nA striped one.\n\nIs it rare?\nVery.\n")
    store = tmp_path / "small.json"
    run_emh({"EMH_CACHE_DIR": str(tmp_path / "cache")}, "build", str(doc), "-o", str(store), "-q")
    return store


# -- the scripts ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F _emh_completion emh"),
        ("zsh", "compdef _emh_completion emh"),
        ("fish", "complete --command emh"),
    ],
)
def test_show_completion(shell: str, marker: str) -> None:
    # typer detects the running shell; this variable makes it take the name instead.
    done = run_emh(
        {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}, "--show-completion", shell
    )
    assert "complete" in done.stdout
    assert marker in done.stdout
    assert "_EMH_COMPLETE=complete_" in done.stdout


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F _emh_completion emh"),
        ("zsh", "compdef _emh_completion emh"),
        ("fish", "complete --command emh"),  # the README's way, from any shell
    ],
)
def test_source_instruction_prints_a_script_for_any_shell(shell: str, marker: str) -> None:
    done = run_emh({"_EMH_COMPLETE": f"source_{shell}"})
    assert marker in done.stdout


def test_help_lists_completion_options() -> None:
    out = run_emh({}, "--help").stdout
    assert "--install-completion" in out and "--show-completion" in out


# -- the callbacks, called directly ---------------------------------------------


def test_topics_for() -> None:
    assert complete.topics_for(None, "thal") == ["thalassemia"]
    everything = complete.topics_for(None, "")
    assert "treatment" in everything and "spleen" in everything
    assert everything == sorted(everything)
    assert complete.topics_for(None, "zzz") == []


def test_sources_for() -> None:
    assert complete.sources_for(None, "004") == ["004_df62d6605becf123.txt"]
    assert complete.sources_for(None, "") == [
        "000_717d4dda9e782864.txt",
        "004_df62d6605becf123.txt",
    ]


def test_ids_for_carries_the_question() -> None:
    got = dict(complete.ids_for(None, "4"))
    assert got["4"] == TREATED
    ones = [i for i, _ in complete.ids_for(None, "1")]
    assert "1" in ones and "10" in ones and "4" not in ones
    assert complete.ids_for(None, "x") == []


def test_typer_callbacks() -> None:
    ctx = click.Context(click.Command("emh"))
    assert complete.complete_topic(ctx, "thal") == ["thalassemia"]
    assert complete.complete_source(ctx, "000") == ["000_717d4dda9e782864.txt"]
    assert ("4", TREATED) in complete.complete_id(ctx, "4")


def test_data_option_is_read_from_the_parent_context(small_store: Path) -> None:
    root = click.Context(click.Command("emh"))
    root.params["data"] = str(small_store)
    child = click.Context(click.Command("list"), parent=root)
    assert complete.data_option(child) == str(small_store)
    assert complete.sources_for(child, "") == ["zebra_notes.txt"]
    assert [i for i, _ in complete.ids_for(child, "")] == ["1", "2"]


def test_emh_data_is_used_without_data_option(
    small_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMH_DATA", str(small_store))
    assert complete.sources_for(None, "") == ["zebra_notes.txt"]


@pytest.mark.parametrize("kind", ["missing", "directory", "garbage", "empty"])
def test_callbacks_never_raise(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "store.json"
    if kind == "directory":
        path.mkdir()
    elif kind == "garbage":
        path.write_bytes(b"\xff{not json")
    elif kind == "empty":
        path.write_text("")
    root = click.Context(click.Command("emh"))
    root.params["data"] = str(path)
    assert complete.topics_for(root, "") == []
    assert complete.sources_for(root, "") == []
    assert complete.ids_for(root, "") == []
    assert complete.complete_id(root, "") == []


def test_help_text_is_one_inert_line() -> None:
    assert complete.help_text("What is\n  it?") == "What is it?"
    assert complete.help_text("evil \x1b[31m red") == "evil \\x1b[31m red"
    assert complete.help_text("[bold]x[/]") == "\\[bold]x\\[/]"
    long = complete.help_text("word " * 40)
    assert len(long) <= complete.HELP_WIDTH and long.endswith("…")


# -- the shells' protocol, through the installed script ---------------------------


def test_bash_completes_topics() -> None:
    assert bash_complete("emh list --topic thal") == ["thalassemia"]
    assert bash_complete("emh list -t thal") == ["thalassemia"]
    assert "treatment" in bash_complete("emh list --topic ")


def test_bash_completes_sources_and_ids() -> None:
    assert bash_complete("emh list --source 004") == ["004_df62d6605becf123.txt"]
    ids = bash_complete("emh show 1")
    assert "1" in ids and "19" in ids and "4" not in ids


def test_bash_completion_follows_data_option(small_store: Path) -> None:
    assert bash_complete(f"emh --data {small_store} list --source ") == ["zebra_notes.txt"]
    assert bash_complete("emh list --source ", {"EMH_DATA": str(small_store)}) == [
        "zebra_notes.txt"
    ]


def test_bash_completion_with_a_broken_store_offers_nothing(tmp_path: Path) -> None:
    assert bash_complete(f"emh --data {tmp_path / 'nope.json'} list --topic ") == []
    assert bash_complete(f"emh --data {tmp_path} show ") == []


def test_zsh_and_fish_show_the_question() -> None:
    zsh = run_emh({"_EMH_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "emh show 4"}).stdout
    assert f'"4":"{TREATED}"' in zsh
    fish = run_emh(
        {
            "_EMH_COMPLETE": "complete_fish",
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
            "_TYPER_COMPLETE_ARGS": "emh show 4",
        }
    ).stdout
    assert f"4\t{TREATED}" in fish.splitlines()


def test_cli_start_up_stays_light() -> None:
    watched = ("rich", "rapidfuzz", "sqlite3", "Stemmer")
    modules = ("emh_cli.index", "emh_cli.catalog", "emh_cli.store")
    assert modules_loaded_by("emh_cli.cli", (*watched, *modules)) == []
