"""Kernels kept from one notebook to the next (:class:`WarmKernels`), for the notebook
runner (:mod:`kamlab.publish.runner`): a report does not start a kernel and import pandas,
matplotlib and kamlab for each of its notebooks, and between two notebooks a kept kernel
is put back as a fresh one has it (:data:`PRIME`, :data:`RESET`) in about 0.1 s.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_core.utils import run_sync

__all__ = ["DIED_AT_START", "KERNEL_OPTIONS", "KERNEL_STARTS", "PRIME", "RESET", "WarmKernels"]

KERNEL_OPTIONS = ["--IPKernelApp.log_level=CRITICAL"]  # no TCP/shutdown chatter on the terminal
KERNEL_STARTS = 3
"""Tries to start a notebook's kernel. Kernels started at the same moment can be handed the
same free port (jupyter_client picks ports before the kernel binds them): the loser dies
before it answers, before any cell ran, and is simply started again."""
DIED_AT_START = "Kernel died before replying to kernel_info"

_FRESH = "_kamlab_fresh_kernel"
PRIME = f"""
def _fresh_kernel():
    import copy, sys, types, warnings
    import matplotlib.pyplot as plt
    import pandas._config.config as pandas_config

    rc, filters = plt.rcParams.copy(), list(warnings.filters)
    options = copy.deepcopy(pandas_config._global_config)

    def reset():
        import ctypes, gc  # the notebook's names, and those of this cell, go with the reset
        plt.close("all")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plt.rcParams.update(rc)
        warnings.filters[:] = filters
        pandas_config._global_config.clear()
        pandas_config._global_config.update(copy.deepcopy(options))
        get_ipython().reset(new_session=True)
        gc.collect()
        try:  # hand the freed memory back to the system (glibc), not keep it for later
            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):
            pass

    sys.modules["{_FRESH}"] = types.ModuleType("{_FRESH}")
    sys.modules["{_FRESH}"].reset = reset


_fresh_kernel()
get_ipython().reset(new_session=True)
"""
"""Run once in a kernel kept between notebooks, before the first (after importing
:class:`WarmKernels`' ``preload``): note the settings a notebook may change (matplotlib's
rcParams, the warning filters, pandas' options) as a fresh kernel has them, once pyplot is
imported, for :data:`RESET`."""
RESET = f'__import__("sys").modules["{_FRESH}"].reset()'
"""Run after each notebook in a kept kernel: the settings back as :data:`PRIME` noted them,
the notebook's variables deleted, the execution count back at 1, the memory they held given
back to the system."""


class WarmKernels:
    """Kernels kept from one notebook to the next, for :func:`run_notebooks`' jobs: a
    notebook takes an idle kernel (or starts one, in ``cwd``) and gives it back with the
    namespace and the global settings a notebook may change put back (:data:`RESET`); a
    kernel whose notebook failed is shut down instead. Starting a kernel and importing
    pandas, matplotlib and kamlab takes some 2.5 s: once per job, not once per notebook.

    ``preload``: modules each kernel imports as it starts, before its first notebook.
    ``env``: environment variables the kernels get on top of this process's.
    :meth:`start` starts kernels in the background now (while the inputs are read, say).
    A context manager: leaving it shuts every kernel down."""

    def __init__(self, cwd: Path, *, preload: tuple[str, ...] = (), env: Mapping | None = None):
        self.cwd = Path(cwd)
        self.prime = "".join(f"import {m}\n" for m in preload) + PRIME
        self.env = dict(env or {})
        self._idle: list = []
        self._starting: list = []
        self._all: list = []
        self._lock = threading.Lock()
        self._background = ThreadPoolExecutor(thread_name_prefix="kernel-start")

    def __enter__(self) -> WarmKernels:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Shut every kernel down (after waiting for those being started)."""
        self._background.shutdown(wait=True)  # a kernel being started is then in _all
        with self._lock:
            kernels, self._all, self._idle, self._starting = self._all, [], [], []
        for km in kernels:
            _shut_down(km)

    def start(self, count: int = 1) -> None:
        """Start ``count`` kernels in the background, for the next notebooks."""
        with self._lock:
            self._starting += [self._background.submit(self._start) for _ in range(count)]

    def kernel(self):
        """An idle kernel, one being started, or a new one."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
            starting = self._starting.pop(0) if self._starting else None
        return starting.result() if starting is not None else self._start()

    def release(self, km, *, reuse: bool) -> None:
        """After a notebook: reset ``km`` for the next one, or shut it down (``reuse``
        False, or the reset fails)."""
        if reuse:
            try:
                _run_code(km, RESET)
            except Exception:  # noqa: BLE001 - a kernel that cannot reset is not reused
                pass
            else:
                with self._lock:
                    self._idle.append(km)
                return
        with self._lock:
            if km in self._all:
                self._all.remove(km)
        _shut_down(km)

    def _start(self):
        from jupyter_client.manager import AsyncKernelManager  # the kind nbclient drives

        for attempt in range(1, KERNEL_STARTS + 1):
            km = AsyncKernelManager(
                kernel_name="python3", client_class=f"{__name__}.KeptKernelClient"
            )
            run_sync(km.start_kernel)(
                cwd=str(self.cwd), extra_arguments=KERNEL_OPTIONS, env={**os.environ, **self.env}
            )
            with self._lock:
                self._all.append(km)
            try:
                _run_code(km, self.prime, timeout_s=120, started=False)
            except Exception:
                self.release(km, reuse=False)
                if attempt == KERNEL_STARTS:
                    raise
                continue  # two kernels started at once can be handed the same port
            return km
        raise AssertionError("unreachable")


class KeptKernelClient(AsyncKernelClient):
    """The client nbclient uses for a kept kernel (the kernel manager's ``client_class``):
    it waits for the kernel's answer but not 0.2 s more, once per notebook."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        # jupyter_client's, without its last step: reading the output channel until it
        # has been silent for 0.2 s. The kernel's answer to kernel_info, and the status
        # its output channel carries for it, show the client connected; a message left
        # over is one nbclient passes by (it reads only its own cells' messages).
        limit = 60.0 if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass  # not connected yet: ask again
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError(DIED_AT_START)
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {limit:g} seconds")


def _run_code(km, code: str, timeout_s: float = 60, *, started: bool = True) -> None:
    """Run ``code`` in ``km``'s kernel; raise if it fails. ``started``: the kernel has run
    code before, so it is not waited for (a new client's wait for a kernel flushes its
    output channel for 0.2 s): the execution's reply is read, its output not listened to."""
    from jupyter_client.blocking import BlockingKernelClient

    kc = BlockingKernelClient()
    kc.load_connection_info(km.get_connection_info())
    kc.start_channels(iopub=not started, stdin=False, hb=not started)
    try:
        if not started:
            kc.wait_for_ready(timeout=timeout_s)
        asked = kc.execute(code, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                reply = kc.get_shell_msg(timeout=1)
            except Empty:  # a kernel that died meanwhile never answers: ask its manager
                if not run_sync(km.is_alive)() or time.monotonic() > deadline:
                    raise RuntimeError("the kernel did not answer") from None
                continue
            if reply["parent_header"].get("msg_id") == asked:
                break
    finally:
        kc.stop_channels()
    if reply["content"]["status"] != "ok":
        content = reply["content"]
        raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")


def _shut_down(km) -> None:
    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - already gone
        pass
