"""The application's version: the one constant that pyproject.toml (setuptools' dynamic version), ``--version``,
设置 → 关于, exchange packages and the database's record of the program that last upgraded it all read."""

__version__ = "0.1.0"
