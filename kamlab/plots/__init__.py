"""One function per chart, seaborn style: ``f(data, *, ax=None, ...) -> Axes``.

Each draws on ``ax`` (or a new figure's axes), titles and labels it, and never
shows or saves the figure. Grouped by the notebook that uses them
(:mod:`kamlab.plots.teaching`: the teaching notebooks'). Helpers shared by the modules are
in ``kamlab.plots._common``, used inside this package only.
"""

from kamlab.plots import (
    allocation,
    contacts,
    explore,
    global_accounts,
    performance,
    plans,
    portfolio,
    relationships,
    segments,
    teaching,
    value,
)

_MODULES = (
    allocation,
    contacts,
    explore,
    performance,
    plans,
    global_accounts,
    portfolio,
    relationships,
    segments,
    teaching,
    value,
)
globals().update({name: getattr(m, name) for m in _MODULES for name in m.__all__})
__all__ = sorted(name for m in _MODULES for name in m.__all__)
