"""Publishing the period report: tables, figures, ``index.html``, ``report.pdf``, ``summary.xlsx``.

In a notebook, :func:`save_table` hands a table to the report's workbook (a no-op when
the notebook runs on its own). :func:`kamlab.report.run_report` then calls
:func:`publish_report` on the executed notebooks. :mod:`kamlab.publish.runner` is the
generic notebook runner the report and the teaching packs share (execute, schedule by
``needs``, publish a build folder atomically, manifest checksums and versions).

Only :mod:`kamlab.publish.tables` is imported eagerly, so that notebooks importing
:func:`save_table` stay quick to start.
"""

from kamlab.publish.tables import SavedTable, load_tables, save_table

__all__ = ["SavedTable", "load_tables", "publish_report", "save_table"]


def __getattr__(name: str):
    if name == "publish_report":
        from kamlab.publish.build import publish_report

        return publish_report
    raise AttributeError(f"module 'kamlab.publish' has no attribute {name!r}")
