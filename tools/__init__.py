"""Maintenance scripts that rewrite checked-in files (config/README.md's table, ``envs/*.yaml``).

They are not part of the installed ``ge2e`` package: run them from a checkout as
``python tools/<name>.py``; the tests import them as ``tools.<name>`` (pytest's
``pythonpath`` in pyproject.toml puts the repository root on the path).
"""
