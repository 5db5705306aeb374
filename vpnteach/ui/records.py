"""Answer records shown as cell outputs through IPython (see :mod:`vpnteach.exercises.records`).

:func:`install_publisher` (run when ``vpnteach.ui`` is imported, hence by ``%load_ext
vpnteach``) makes every ``ex.check(...)`` publish its record as a ``display_data`` output of
the running cell at once, whether or not the returned feedback is displayed.
"""

from __future__ import annotations

from vpnteach.exercises.records import AnswerRecord, output, set_publisher


def ipython_publisher(record: AnswerRecord) -> bool:
    """Publish ``record`` in the running cell; ``False`` outside a Jupyter kernel."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return False
    from IPython.display import publish_display_data

    publish_display_data(output(record)["data"])  # type: ignore[no-untyped-call]
    return True


def install_publisher() -> None:
    """Make :func:`ipython_publisher` the publisher of answer records."""
    set_publisher(ipython_publisher)
