"""The generic notebook runner (kamlab.publish.runner) and the report's declaration
(kamlab/notebooks/report.yaml), without running a kernel."""

from __future__ import annotations

import threading
import time

import pytest

import kamlab.report as report
from kamlab.errors import ConfigError
from kamlab.io.files import sha256
from kamlab.publish.runner import (
    file_checksums,
    previous_timings,
    publish_folder,
    run_notebooks,
    versions,
)


def test_notebooks_run_after_what_they_need_and_the_costly_first():
    order, lock = [], threading.Lock()

    def run(name):
        with lock:
            order.append(name)
        time.sleep(0.01)

    cost = {"a": 1, "b": 3, "c": 2}.get
    timings = run_notebooks(["a", "b", "c"], run, needs={"b": {"a"}}, jobs=1, cost=cost)
    assert order == ["c", "a", "b"]  # b is the costliest but waits for a
    assert list(timings) == ["a", "b", "c"] and all(t > 0 for t in timings.values())


def test_each_notebook_is_announced_as_it_starts_and_as_it_finishes_with_its_time():
    events = []

    def run(name):
        time.sleep({"slow": 0.2, "quick": 0.01, "after": 0.01}[name])
        if name == "after":
            raise ValueError("broken")

    with pytest.raises(ValueError):
        run_notebooks(
            ["slow", "quick", "after"],
            run,
            needs={"after": {"quick"}},
            jobs=2,
            on_start=lambda name: events.append(("start", name)),
            on_finish=lambda name, seconds: events.append(("done", name, seconds)),
        )
    assert events[:2] == [("start", "slow"), ("start", "quick")]  # in parallel
    assert events[2][:2] == ("done", "quick") and events[2][2] >= 0.01  # as it finishes
    assert events[3] == ("start", "after")  # once what it needs is done
    assert ("done", "after", None) in events  # a failure has no time
    assert events[-1][:2] == ("done", "slow") and events[-1][2] >= 0.2


def test_needs_that_cannot_be_met_are_a_config_error():
    with pytest.raises(ConfigError, match="x needs z, which is not run"):
        run_notebooks(["x"], print, needs={"x": {"z"}})
    with pytest.raises(ConfigError, match="wait for each other"):
        run_notebooks(["x", "y"], print, needs={"x": {"y"}, "y": {"x"}})


def test_the_first_failure_stops_the_run():
    ran = []

    def run(name):
        ran.append(name)
        if name == "a":
            raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        run_notebooks(["a", "b"], run, needs={"b": {"a"}}, jobs=2)
    assert ran == ["a"]


def test_publish_folder_swaps_the_build_into_place(tmp_path):
    final, build = tmp_path / "2026Q3", tmp_path / ".partial"
    final.mkdir()
    (final / "old.txt").write_text("old")
    build.mkdir()
    (build / "manifest.json").write_text('{"timings_s": {"a": 1.5}}')
    (build / "index.html").write_text("new")
    publish_folder(build, final)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026Q3"]
    assert sorted(p.name for p in final.iterdir()) == ["index.html", "manifest.json"]
    assert previous_timings(final) == {"a": 1.5} and previous_timings(tmp_path) == {}
    sums = file_checksums(final)
    assert list(sums) == ["index.html"]
    assert sums["index.html"] == {"bytes": 3, "sha256": sha256(final / "index.html")}
    assert {"python", "kamlab", "pandas"} <= set(versions())


def test_the_report_is_declared_in_report_yaml():
    spec = report.report_spec()
    assert spec.folder == report.notebooks_dir()
    assert spec.notebooks == sorted(p.name for p in spec.folder.glob("[0-9][0-9]_*.ipynb"))
    assert spec.needs["00_summary.ipynb"] == {"04_portfolio.ipynb"}
    assert set(spec.parameters) <= set(report.REPORT_PARAMETERS)
    assert spec.cell_timeout_s == 600


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("notebooks: [a.ipynb]\nparameters: [nope]\n", "unknown parameter.*nope"),
        ("notebooks:\n  - {name: a.ipynb, needs: [b.ipynb]}\n", "a.ipynb needs b.ipynb"),
        ("notebooks: [a.ipynb, a.ipynb]\n", "listed twice"),
        ("cell_timeout_s: 5\n", "expected a 'notebooks:' list"),
        ("notebooks: [a.ipynb]\ncell_timeout_s: soon\n", "cell_timeout_s must be a number"),
    ],
)
def test_a_mistake_in_report_yaml_is_named(tmp_path, text, message):
    (tmp_path / report.SPEC_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        report.report_spec(tmp_path)


def test_needs_all_means_every_other_notebook(tmp_path):
    text = "notebooks:\n  - {name: a.ipynb, needs: all}\n  - b.ipynb\n  - c.ipynb\n"
    (tmp_path / report.SPEC_FILE).write_text(text, encoding="utf-8")
    spec = report.report_spec(tmp_path)
    assert spec.needs == {"a.ipynb": {"b.ipynb", "c.ipynb"}, "b.ipynb": set(), "c.ipynb": set()}


def test_a_kernel_that_dies_at_start_is_started_again_a_bounded_number_of_times(
    tmp_path, monkeypatch
):
    """Two kernels started at once can be handed the same port; the loser dies before any
    cell ran and is simply started again, up to KERNEL_STARTS tries."""
    import papermill as pm

    from kamlab.publish import runner

    calls = []

    def dies_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(pm, "execute_notebook", dies_once)
    runner.execute_notebook(tmp_path / "a.ipynb", tmp_path / "b.ipynb", {}, tmp_path)
    assert len(calls) == 2

    def always_dies(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")

    calls.clear()
    monkeypatch.setattr(pm, "execute_notebook", always_dies)
    with pytest.raises(RuntimeError, match="Kernel died"):
        runner.execute_notebook(tmp_path / "a.ipynb", tmp_path / "b.ipynb", {}, tmp_path)
    assert len(calls) == runner.KERNEL_STARTS


def _notebook(path, *sources):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def _printed(path) -> str:
    import nbformat

    cells = nbformat.read(path, as_version=4).cells
    return "".join(o.get("text", "") for c in cells for o in c.get("outputs", []))


def test_a_kept_kernel_runs_the_next_notebook_as_a_fresh_one_would(tmp_path):
    """WarmKernels: the same kernel process for each notebook of a job, but nothing of
    the one before shows: its variables, matplotlib's rcParams, pandas' options and the
    warning filters it changed are back as a fresh kernel has them."""
    from kamlab.publish.runner import WarmKernels, execute_notebook

    changes = _notebook(
        tmp_path / "changes.ipynb",
        "import os, warnings\nimport matplotlib.pyplot as plt\nimport pandas as pd\n"
        "leftover = 1\nplt.rcParams['figure.dpi'] = 17\npd.set_option('display.max_rows', 3)\n"
        "warnings.filterwarnings('ignore', message='kamlab test')\nprint(os.getpid())",
    )
    looks = _notebook(
        tmp_path / "looks.ipynb",
        "import os, warnings\nimport matplotlib.pyplot as plt\nimport pandas as pd\n"
        "print(os.getpid(), 'leftover' in dir(), plt.rcParams['figure.dpi'] == 17,\n"
        "      pd.get_option('display.max_rows') == 3,\n"
        "      any(f[1] and f[1].pattern == 'kamlab test' for f in warnings.filters))",
    )
    with WarmKernels(tmp_path) as kernels:
        execute_notebook(changes, tmp_path / "out1.ipynb", {}, tmp_path, kernels=kernels)
        execute_notebook(looks, tmp_path / "out2.ipynb", {}, tmp_path, kernels=kernels)
    first_pid = _printed(tmp_path / "out1.ipynb").split()[0]
    assert _printed(tmp_path / "out2.ipynb").split() == [first_pid] + ["False"] * 4


def test_a_kernel_whose_notebook_failed_is_not_kept(tmp_path):
    from kamlab.publish.runner import NotebookError, WarmKernels, execute_notebook

    fails = _notebook(tmp_path / "fails.ipynb", "import os\nprint(os.getpid())\n1 / 0")
    pid = _notebook(tmp_path / "pid.ipynb", "import os\nprint(os.getpid())")
    with WarmKernels(tmp_path) as kernels:
        with pytest.raises(NotebookError, match="ZeroDivisionError"):
            execute_notebook(fails, tmp_path / "out1.ipynb", {}, tmp_path, kernels=kernels)
        execute_notebook(pid, tmp_path / "out2.ipynb", {}, tmp_path, kernels=kernels)
    assert _printed(tmp_path / "out1.ipynb").split()[0] != _printed(tmp_path / "out2.ipynb").strip()


def test_the_reports_kernels_hand_freed_arrow_memory_back(tmp_path, monkeypatch):
    """The report's kernels allocate Arrow memory with the system's malloc (which returns
    a freed table), unless the environment names another pool."""
    from kamlab.publish.runner import WarmKernels, execute_notebook

    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    pool = _notebook(
        tmp_path / "pool.ipynb",
        "import pyarrow as pa\nprint(pa.default_memory_pool().backend_name)",
    )
    with WarmKernels(tmp_path, env=report.kernel_env(None)) as kernels:
        execute_notebook(pool, tmp_path / "out.ipynb", {}, tmp_path, kernels=kernels)
    assert _printed(tmp_path / "out.ipynb").strip() == "system"
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
    assert "ARROW_DEFAULT_MEMORY_POOL" not in report.kernel_env("4GB")
    assert report.kernel_env(None)[report.MEMORY_ENV] == report.NOTEBOOK_MEMORY
    assert report.kernel_env(None, scratch=tmp_path)[report.SPILL_ENV] == str(tmp_path)


def test_running_a_notebook_in_a_kept_kernel_leaves_this_process_where_it_is(tmp_path):
    """The report runs two notebooks at once, in threads: running one must not change the
    process's working directory (papermill's ``cwd`` would, for the whole run), or the
    other thread, and whatever runs after the report, would find relative paths moved."""
    import os

    from kamlab.publish.runner import WarmKernels, execute_notebook

    folder = tmp_path / "notebooks"
    folder.mkdir()
    slow = _notebook(folder / "slow.ipynb", "import os, time\ntime.sleep(1.5)\nprint(os.getcwd())")
    here, seen = os.getcwd(), set()
    with WarmKernels(folder) as kernels:
        run = threading.Thread(
            target=execute_notebook,
            args=(slow, tmp_path / "out.ipynb", {}, folder),
            kwargs={"kernels": kernels},
        )
        run.start()
        while run.is_alive():
            seen.add(os.getcwd())
            time.sleep(0.05)
        run.join()
    assert seen == {here} and os.getcwd() == here
    assert _printed(tmp_path / "out.ipynb").strip() == str(folder)  # the kernel runs there


def test_the_executed_notebook_is_written_once_when_it_ends(tmp_path):
    """Not after every cell (papermill's default, 2.4 s of the 100k-account report): a cell
    does not find it on disk; after the run it holds every cell's output, and after a
    timeout it names the cell that was running (test_report checks the message)."""
    from kamlab.publish.runner import execute_notebook

    target = tmp_path / "out.ipynb"
    nb = _notebook(
        tmp_path / "in.ipynb",
        "print('first')",
        f"import os\nprint(os.path.exists({str(target)!r}))",
    )
    execute_notebook(nb, target, {}, tmp_path)
    assert _printed(target).split() == ["first", "False"]


def test_a_kept_kernel_that_died_between_notebooks_is_replaced_at_once(tmp_path):
    """The reset after a notebook finds the kernel dead within seconds (not the minute a
    reply is waited for): it is not kept, and the next notebook gets a new kernel."""
    import os
    import signal
    import time

    from kamlab.publish.kernels import WarmKernels
    from kamlab.publish.runner import execute_notebook

    pid = _notebook(tmp_path / "pid.ipynb", "import os\nprint(os.getpid())")
    with WarmKernels(tmp_path) as kernels:
        execute_notebook(pid, tmp_path / "out1.ipynb", {}, tmp_path, kernels=kernels)
        first = int(_printed(tmp_path / "out1.ipynb"))
        km = kernels.kernel()
        os.kill(first, signal.SIGKILL)
        started = time.monotonic()
        kernels.release(km, reuse=True)
        assert time.monotonic() - started < 30
        execute_notebook(pid, tmp_path / "out2.ipynb", {}, tmp_path, kernels=kernels)
    assert int(_printed(tmp_path / "out2.ipynb")) != first
