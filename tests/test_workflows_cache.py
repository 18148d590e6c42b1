"""The report run's cache: notebooks share what one of them computed."""

import threading
import time

from kamlab.workflows.cache import CACHE_ENV, memo, store


def test_outside_a_report_run_memo_just_calls_the_function(monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    calls = []
    assert memo("x", 1, lambda: calls.append(1) or "a") == "a"
    assert memo("x", 1, lambda: calls.append(1) or "a") == "a"
    assert len(calls) == 2


def test_in_a_run_a_result_is_computed_once_per_key(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    calls = []
    assert memo("x", 1, lambda: calls.append(1) or {"v": 1}) == {"v": 1}
    assert memo("x", 1, lambda: calls.append(1) or {"v": 2}) == {"v": 1}
    assert memo("x", 2, lambda: calls.append(1) or {"v": 3}) == {"v": 3}
    assert len(calls) == 2


def test_a_result_held_already_is_stored_for_the_others_unless_there(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    store("part", 1, {"v": 1})  # outside a report run: nowhere to put it
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert not list(tmp_path.iterdir())
    store("part", 1, {"v": 1})
    store("part", 1, {"v": 2})  # there already: left as it is
    assert memo("part", 1, lambda: {"v": 3}) == {"v": 1}


def test_two_notebooks_asking_at_once_compute_it_once(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    calls, results = [], []

    def slow():
        calls.append(1)
        time.sleep(0.3)  # long enough for the other to ask meanwhile
        return "fitted"

    workers = [
        threading.Thread(target=lambda: results.append(memo("fit", "k", slow))) for _ in range(2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert results == ["fitted", "fitted"]
    assert len(calls) == 1


def test_a_folder_or_glob_is_known_by_its_files_names_and_contents(tmp_path):
    """A report's input may be a folder or glob of files: its cache key is their content,
    wherever the folder is, and changes when a file's content or name does."""
    from kamlab.workflows.cache import content_key

    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.csv").write_text("account_id,date\nA1,2026-01-01\n")
        (tmp_path / name / "b.csv").write_text("account_id,date\nA2,2026-01-02\n")
    one, two = tmp_path / "one", tmp_path / "two"
    assert content_key(one) == content_key(two) == content_key(str(one / "*.csv"))
    (two / "b.csv").write_text("account_id,date\nA2,2026-01-03\n")
    assert content_key(one) != content_key(two)
    (one / "b.csv").rename(one / "c.csv")
    assert content_key(one) != content_key(str(tmp_path / "one" / "a.csv"))
    assert content_key(one, None)[1] == "none"


def test_in_a_run_a_files_content_is_read_once_and_a_changed_file_again(monkeypatch, tmp_path):
    """Every notebook keys its results by the inputs' contents: within a report run the
    digest is kept under the file's size and modification time, so a notebook does not
    read the file again, and a file changed since is read again."""
    import os

    from kamlab.io import files
    from kamlab.workflows.cache import content_key

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    data = tmp_path / "tx.csv"
    data.write_text("account_id,date\nA1,2026-01-01\n")
    reads = []
    real = files.content_sha256
    monkeypatch.setattr(
        "kamlab.workflows.cache.content_sha256", lambda p: reads.append(p) or real(p)
    )
    first = content_key(data)
    assert content_key(data) == first and len(reads) == 1
    data.write_text("account_id,date\nA2,2026-01-01\n")
    os.utime(data, ns=(0, 1))  # same size: the modification time tells
    assert content_key(data) != first and len(reads) == 2
