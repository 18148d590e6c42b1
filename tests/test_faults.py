"""Faults end cleanly (issue 16).

- A run killed outright (SIGKILL) leaves its temporary folders; the next run of that
  period removes them, and never the folders of a run that is still alive.
- An output that cannot be written (no permission, read-only or full disk, a file or a
  folder in the way, too long a name) is one line naming the path and the fix, exit 2;
  no temporary file or folder is left and the previous output is intact. Any other
  error while writing is still a bug: "unexpected error", exit 1.
- Every file the CLI writes follows the user's umask.
"""

import errno
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import kamlab.publish.build as build_module
import kamlab.report as report
from kamlab.cli import main
from kamlab.errors import OutputError
from kamlab.publish import scratch
from kamlab.publish.runner import publish_folder, recover_previous
from kamlab.publish.scratch import LOCK_NAME, make_locked_folder, release, remove_stale
from kamlab.safe import atomic_path, write_csv

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2026Q3"
PREFIXES = (f".{PERIOD}.partial-", f".{PERIOD}.cache-")
GOOD = (
    "CustomerID,InvoiceDate,InvoiceNo,Quantity,UnitPrice\n"
    "1,2026-01-05,I1,2,3\n1,2026-02-05,I2,1,3\n2,2026-07-05,I3,1,5\n,2026-01-05,I4,1,1\n"
)


# --------------------------------------------------------------------------- helpers


def _python(code: str, *args) -> subprocess.Popen:
    """A Python subprocess running ``code`` (kamlab importable), its stdout a pipe."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )


def _wait_for_line(proc: subprocess.Popen, startswith: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith(startswith):
            return
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"the subprocess never printed {startswith!r}")


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL, as ``kill -9``: the process cannot clean anything up."""
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    try:  # its children (none expected) go too: the group is the one this test started
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


HOLD = """
    import sys, time
    from kamlab.publish.scratch import make_locked_folder
    for prefix in sys.argv[2:]:
        print("made", make_locked_folder(sys.argv[1], prefix), flush=True)
    print("holding", flush=True)
    time.sleep(600)
"""


def _holder(out: Path, *prefixes: str) -> subprocess.Popen:
    """A live process holding locked temporary folders in ``out``."""
    proc = _python(HOLD, out, *prefixes)
    _wait_for_line(proc, "holding")
    return proc


def _temporary(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def _fake_notebooks(spec, build, parameters, jobs, progress, expected, kernels):
    """Stand-in for the kernels: one executed notebook per name, as papermill writes it."""
    for name in spec.notebooks:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        nb.cells = [
            nbformat.v4.new_markdown_cell("# Tiny"),
            nbformat.v4.new_code_cell(
                "print(1)", outputs=[nbformat.v4.new_output("stream", text="1\n")]
            ),
        ]
        nbformat.write(nb, build / name)
    return {name: 0.0 for name in spec.notebooks}


@pytest.fixture
def tiny_report(tmp_path, monkeypatch):
    """run(out) -> a report of one notebook (no kernel), built on a four-line file."""
    transactions = tmp_path / "t.csv"
    transactions.write_text(GOOD, encoding="utf-8")
    spec = report.ReportSpec(folder=tmp_path, notebooks=["01_tiny.ipynb"])
    monkeypatch.setattr(report, "_run_notebooks", _fake_notebooks)

    def run(out: Path, log=None) -> Path:
        return report.run_report(
            PERIOD, transactions, out=out, spec=spec, log=log or (lambda line: None)
        )

    return run


# --------------------------------------------------------------------------- stale folders


def test_the_folders_of_a_run_killed_with_sigkill_are_removed_by_the_next_cleanup(tmp_path):
    proc = _holder(tmp_path, *PREFIXES)
    assert len(_temporary(tmp_path)) == 2
    _kill(proc)
    removed = remove_stale(tmp_path, PREFIXES)
    assert len(removed) == 2
    assert _temporary(tmp_path) == []


def test_the_folders_of_a_live_run_are_left_alone(tmp_path):
    proc = _holder(tmp_path, *PREFIXES)
    try:
        assert remove_stale(tmp_path, PREFIXES) == []
        assert len(_temporary(tmp_path)) == 2
    finally:
        _kill(proc)
    assert len(remove_stale(tmp_path, PREFIXES)) == 2


def test_this_processs_own_folders_are_never_stale(tmp_path):
    mine = make_locked_folder(tmp_path, PREFIXES[0])
    try:
        assert remove_stale(tmp_path, PREFIXES) == []
        assert mine.is_dir()
        # even seen through another open file: flock is per open file, not per process
        assert not scratch._remove_if_dead(mine)
    finally:
        release(mine)
    assert not mine.exists()


def test_only_the_periods_own_folders_are_touched(tmp_path):
    proc = _holder(tmp_path, ".2026Q2.partial-", "2026Q3.partial-")
    _kill(proc)
    (tmp_path / "2026Q3").mkdir()
    assert remove_stale(tmp_path, PREFIXES) == []
    assert len(_temporary(tmp_path)) == 1
    assert len(list(tmp_path.glob("2026Q3*"))) == 2


def test_a_folder_without_a_lock_file_is_stale_only_after_the_grace_period(tmp_path):
    """A folder caught between creation and locking, or left by an older kamlab."""
    folder = tmp_path / f"{PREFIXES[0]}old"
    folder.mkdir()
    assert remove_stale(tmp_path, PREFIXES) == []
    past = time.time() - scratch.GRACE_S - 1
    os.utime(folder, (past, past))
    assert remove_stale(tmp_path, PREFIXES) == [folder]


def test_after_a_report_killed_with_sigkill_the_next_run_leaves_no_temporary_folder(
    tiny_report, tmp_path
):
    """The issue's must-show, with a live concurrent holder of the same period beside it."""
    out = tmp_path / "reports"
    transactions = tmp_path / "t.csv"
    killed = _python(
        """
        import sys, time
        from pathlib import Path
        import kamlab.report as report

        report._run_notebooks = lambda *args: time.sleep(600)  # killed while "running"
        spec = report.ReportSpec(folder=Path(sys.argv[2]).parent, notebooks=["01_tiny.ipynb"])
        report.run_report("2026Q3", sys.argv[1], out=sys.argv[2], spec=spec,
                          log=lambda line: print(line, flush=True))
        """,
        transactions,
        out,
    )
    _wait_for_line(killed, "running 1 notebook")
    _kill(killed)
    left = _temporary(out)
    assert len(left) == 2 and all(name.startswith(PREFIXES) for name in left)

    live = _holder(out, PREFIXES[0])
    try:
        held = set(_temporary(out)) - set(left)
        lines = []
        tiny_report(out, log=lines.append)
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [PERIOD]
        assert set(_temporary(out)) == held  # the live run's folder, and nothing else
        assert sum("left by a run that was killed" in line for line in lines) == 2
    finally:
        _kill(live)
    tiny_report(out)
    assert _temporary(out) == []
    assert (out / PERIOD / "index.html").exists()
    assert not (out / PERIOD / LOCK_NAME).exists()


def test_a_run_killed_between_the_two_renames_of_publishing_gets_its_report_back(tmp_path):
    dead = _python("import os; print(os.getpid())")
    pid = int(dead.stdout.readline())
    dead.wait()
    old = tmp_path / f".{PERIOD}.old-{pid}"
    old.mkdir()
    (old / "index.html").write_text("last good report")
    assert recover_previous(tmp_path / PERIOD) == []
    assert (tmp_path / PERIOD / "index.html").read_text() == "last good report"
    # beside a newer report, the dead run's old copy is simply removed
    old.mkdir()
    assert recover_previous(tmp_path / PERIOD) == [old]
    assert not old.exists()
    # a live process's old copy (it is publishing right now) is left alone
    mine = tmp_path / f".{PERIOD}.old-{os.getpid()}"
    mine.mkdir()
    assert recover_previous(tmp_path / PERIOD) == []
    assert mine.exists()


# --------------------------------------------------------------------------- output faults


def _refuse(monkeypatch, folder: Path, code: int) -> None:
    """Creating a file or folder in ``folder`` fails with ``code`` (what a read-only
    folder, a full disk... does: works as root, where chmod does not bite)."""
    real_mkstemp, real_mkdtemp = tempfile.mkstemp, tempfile.mkdtemp

    def refused(real):
        def make(*args, dir=None, **kwargs):
            if dir is not None and Path(dir).resolve() == folder.resolve():
                raise OSError(code, os.strerror(code), str(folder / "x"))
            return real(*args, dir=dir, **kwargs)

        return make

    monkeypatch.setattr(tempfile, "mkstemp", refused(real_mkstemp))
    monkeypatch.setattr(tempfile, "mkdtemp", refused(real_mkdtemp))


def _one_line_error(capsys) -> str:
    """The error line: one, the last on stderr (after any progress), not a bug's."""
    err = capsys.readouterr().err.strip()
    errors = [line for line in err.splitlines() if "error" in line]
    assert len(errors) == 1 and err.endswith(errors[0]), err
    assert "unexpected error" not in err and "Traceback" not in err
    return errors[0]


def _summarize(tmp_path, out) -> int:
    transactions = tmp_path / "t.csv"
    transactions.write_text(GOOD, encoding="utf-8")
    return main(["summarize", str(transactions), "--until", "2026-09-30", "--out", str(out)])


@pytest.mark.parametrize(
    ("code", "what"),
    [
        (errno.EACCES, "cannot write here (permission denied); choose another output path"),
        (errno.EROFS, "cannot write here (read-only file system)"),
        (errno.ENOSPC, "cannot write here (no space left on the disk); free some space"),
    ],
)
def test_an_output_folder_that_cannot_be_written_is_one_line_and_exit_2(
    tmp_path, monkeypatch, capsys, code, what
):
    folder = tmp_path / "out"
    folder.mkdir()
    _refuse(monkeypatch, folder, code)
    assert _summarize(tmp_path, folder / "summary.csv") == 2
    err = _one_line_error(capsys)
    assert err.startswith("kamlab summarize: error: ")
    assert f"{folder / 'summary.csv'}: {what}" in err
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a 0o555 folder")
def test_a_read_only_folder_for_real(tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert _summarize(tmp_path, folder / "summary.csv") == 2
    finally:
        folder.chmod(0o755)
    assert "cannot write here (permission denied)" in _one_line_error(capsys)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("where", "what"),
    [
        ("a_folder", "cannot write here (it is a folder); give a file name"),
        ("a_file/summary.csv", "cannot write here (a file is in the way)"),
        ("x" * 300 + ".csv", "cannot write here (name too long); choose a shorter output path"),
    ],
)
def test_a_path_in_the_way_or_too_long_is_one_line_and_exit_2(tmp_path, capsys, where, what):
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "a_file").write_text("not a folder")
    assert _summarize(tmp_path, tmp_path / where) == 2
    assert what in _one_line_error(capsys)
    assert (tmp_path / "a_file").read_text() == "not a folder"
    assert list((tmp_path / "a_folder").iterdir()) == []


def test_a_full_disk_halfway_through_a_file_leaves_the_previous_file_and_no_temporary(
    tmp_path, monkeypatch, capsys
):
    out = tmp_path / "summary.csv"
    out.write_text("the previous summary")

    def half_then_full(self, path, *args, **kwargs):
        Path(path).write_text("account_id,frequ")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_full)
    assert _summarize(tmp_path, out) == 2
    assert f"{out}: cannot write here (no space left on the disk)" in _one_line_error(capsys)
    assert out.read_text() == "the previous summary"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.csv", "t.csv"]


def test_a_fault_of_another_file_met_while_writing_is_not_called_an_output_fault(tmp_path):
    """e.g. a missing input or notebook: its own error, not "cannot write here"."""
    from kamlab.safe import writing

    with pytest.raises(FileNotFoundError), writing(tmp_path / "reports"):
        (tmp_path / "inputs" / "missing.csv").read_text()
    with pytest.raises(OutputError, match="cannot write here"), writing(tmp_path / "reports"):
        (tmp_path / "reports" / "2026Q3" / "index.html").write_text("x")


def test_ctrl_c_is_one_line_and_leaves_no_temporary_file(tmp_path, monkeypatch, capsys):
    def interrupted(self, path, *args, **kwargs):
        Path(path).write_text("half")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    assert _summarize(tmp_path, tmp_path / "summary.csv") == 130
    assert capsys.readouterr().err.strip().endswith("kamlab summarize: interrupted")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_sigterm_ends_like_ctrl_c_one_line_exit_143_no_temporary_file(
    tmp_path, monkeypatch, capsys
):
    def terminated(self, path, *args, **kwargs):
        Path(path).write_text("half")
        os.kill(os.getpid(), signal.SIGTERM)  # as a scheduler stopping the job would

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(pd.DataFrame, "to_csv", terminated)
    assert _summarize(tmp_path, tmp_path / "summary.csv") == 143
    assert capsys.readouterr().err.strip().endswith("kamlab summarize: stopped (terminated)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is the CLI's only


def test_any_other_error_while_writing_is_still_a_bug(tmp_path, monkeypatch, capsys):
    def broken(self, path, *args, **kwargs):
        raise OSError(errno.EBADF, "Bad file descriptor")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    assert _summarize(tmp_path, tmp_path / "summary.csv") == 1
    assert "unexpected error: OSError" in capsys.readouterr().err


def test_every_cli_writer_goes_through_the_one_door():
    """Every CLI writer writes through :func:`kamlab.safe.atomic_path` or ``write_csv``
    (or, for generated samples and teaching packs, inside :func:`kamlab.safe.writing`)."""
    writers = ("to_csv(", "savefig(", "write_text(", "write_bytes(", "to_excel(", ".open(")
    for module in sorted((ROOT / "kamlab" / "cli").glob("*.py")):
        text = module.read_text(encoding="utf-8")
        for writer in writers:
            for line in (line for line in text.splitlines() if writer in line):
                assert "savefig(tmp" in line, f"{module.name}: {line.strip()}"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict:
    """A generated portfolio of 60 accounts (transactions, accounts); one_bad_line."""
    from kamlab.datasets import make_sample

    folder = tmp_path_factory.mktemp("sample")
    (folder / "one_bad_line.csv").write_text(GOOD, encoding="utf-8")  # one line quarantined
    return {"one_bad_line": folder / "one_bad_line.csv", **make_sample(60, seed=0).write(folder)}


@pytest.mark.parametrize(
    "command",
    [
        ["validate", "--quarantine", "OUT"],
        ["summarize", "--until", "2026-09-30", "--out", "OUT"],
        ["segment", "--bootstrap", "0", "--out", "OUT"],
        ["pnl", "--out", "OUT"],
        ["value", "--out", "OUT"],
        ["uplift", "--draws", "0", "--out", "OUT"],
        ["portfolio", "--period", "2026Q3", "--out", "OUT"],
        ["allocate", "--period", "2026Q3", "--hours", "500", "--out", "OUT"],
    ],
    ids=lambda command: command[0],
)
def test_every_command_that_writes_says_a_full_disk_in_one_line(
    sample, tmp_path, monkeypatch, capsys, command
):
    out = tmp_path / "out.csv"
    out.write_text("the previous output")

    def full(self, path, *args, **kwargs):
        Path(path).write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    name, *options = command
    argv = [name, str(sample["one_bad_line" if name == "validate" else "transactions"])]
    if name not in ("validate", "summarize", "segment"):
        argv += ["--accounts", str(sample["accounts"])]
    code = main(argv + [str(out) if o == "OUT" else o for o in options])
    assert code == 2, capsys.readouterr().err
    assert f"{out}: cannot write here (no space left on the disk)" in _one_line_error(capsys)
    assert out.read_text() == "the previous output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_sample_names_an_unwritable_folder(tmp_path, capsys):
    (tmp_path / "a_file").write_text("x")
    code = main(["sample", "--accounts", "20", "--out", str(tmp_path / "a_file" / "sample")])
    assert code == 2
    assert "cannot write here (a part of the path is a file, not a folder)" in _one_line_error(
        capsys
    )


def test_a_report_into_a_folder_that_cannot_be_written_is_one_line_and_exit_2(
    tmp_path, monkeypatch, capsys
):
    out = tmp_path / "reports"
    (out / PERIOD).mkdir(parents=True)
    (out / PERIOD / "index.html").write_text("last good report")
    _refuse(monkeypatch, out, errno.EACCES)
    transactions = tmp_path / "t.csv"
    transactions.write_text(GOOD, encoding="utf-8")
    code = main(["report", "--period", PERIOD, "--transactions", str(transactions),
                 "--out", str(out)])  # fmt: skip
    assert code == 2
    err = _one_line_error(capsys)
    assert f"kamlab report: error: {out}{os.sep}: cannot write here (permission denied)" in err
    assert sorted(p.name for p in out.iterdir()) == [PERIOD]
    assert (out / PERIOD / "index.html").read_text() == "last good report"


def test_a_report_whose_out_is_a_file_is_one_line_and_exit_2(tmp_path, capsys):
    out = tmp_path / "reports"
    out.write_text("a file")
    transactions = tmp_path / "t.csv"
    transactions.write_text(GOOD, encoding="utf-8")
    code = main(["report", "--period", PERIOD, "--transactions", str(transactions),
                 "--out", str(out)])  # fmt: skip
    assert code == 2
    assert "cannot write here (a file is in the way)" in _one_line_error(capsys)
    assert out.read_text() == "a file"


@pytest.mark.parametrize("step", ["figures", "report.pdf", "manifest"])
def test_a_full_disk_in_the_middle_of_a_report_keeps_the_previous_one_and_leaves_nothing(
    tiny_report, tmp_path, monkeypatch, step
):
    out = tmp_path / "reports"
    (out / PERIOD).mkdir(parents=True)
    (out / PERIOD / "index.html").write_text("last good report")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if step == "figures":
        monkeypatch.setattr(build_module, "render_report", full)
    elif step == "report.pdf":

        def half_a_pdf(html, path):
            Path(path).write_bytes(b"%PDF-1.7 half")
            full()

        monkeypatch.setattr(build_module, "write_pdf", half_a_pdf)
    else:
        monkeypatch.setattr(report, "make_readable", full)
    with pytest.raises(OutputError, match=rf"^{out}{os.sep}: cannot write here \(no space left"):
        tiny_report(out)
    assert sorted(p.name for p in out.iterdir()) == [PERIOD]
    assert (out / PERIOD / "index.html").read_text() == "last good report"


def test_a_failing_publish_step_that_is_not_an_output_fault_is_still_named(
    tiny_report, tmp_path, monkeypatch
):
    def broken_pdf(html, path):
        raise OSError("no fonts")

    monkeypatch.setattr(build_module, "write_pdf", broken_pdf)
    with pytest.raises(report.ReportError, match=r"writing report.pdf: OSError: no fonts"):
        tiny_report(tmp_path / "reports")


# --------------------------------------------------------------------------- umask


def _modes(folder: Path) -> set[tuple[str, int]]:
    return {
        ("dir" if p.is_dir() else "file", p.stat().st_mode & 0o777)
        for p in [folder, *folder.rglob("*")]
    }


@pytest.fixture(params=[0o022, 0o077], ids=["umask022", "umask077"])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_every_file_of_the_cli_follows_the_umask(tmp_path, umask, capsys):
    import matplotlib.pyplot as plt

    file_mode, dir_mode = 0o666 & ~umask, 0o777 & ~umask
    assert _summarize(tmp_path, tmp_path / "out" / "summary.csv") == 0, capsys.readouterr().err
    fig, ax = plt.subplots()
    with atomic_path(tmp_path / "out" / "matrix.png") as tmp:  # as `kamlab portfolio --chart`
        fig.savefig(tmp, format="png")
    plt.close(fig)
    write_csv(pd.DataFrame({"a": [1]}), tmp_path / "out" / "portfolio.csv")
    assert main(["sample", "--accounts", "20", "--out", str(tmp_path / "sample")]) == 0
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert written == {"summary.csv", "summary_quarantine.csv", "matrix.png", "portfolio.csv"}
    assert _modes(tmp_path / "out") == {("dir", dir_mode), ("file", file_mode)}
    assert _modes(tmp_path / "sample") == {("dir", dir_mode), ("file", file_mode)}


def test_every_file_and_folder_of_the_report_follows_the_umask(tiny_report, tmp_path, umask):
    path = tiny_report(tmp_path / "reports")
    names = {p.name for p in path.rglob("*")}
    assert {"index.html", "report.pdf", "summary.xlsx", "manifest.json"} <= names
    assert _modes(path) == {("dir", 0o777 & ~umask), ("file", 0o666 & ~umask)}


def test_a_published_folder_follows_the_umask_not_the_temporary_folders_0700(tmp_path, umask):
    build = Path(tempfile.mkdtemp(dir=tmp_path))
    publish_folder(build, tmp_path / "pack")
    assert (tmp_path / "pack").stat().st_mode & 0o777 == 0o777 & ~umask
