"""The linter: a rule registry, one small function per rule, and an engine that runs them.

The API function is `promptsmith.lint` (defined in `promptsmith/__init__.py`): as an attribute of
`promptsmith` the name is that function, and this package is reached by importing from it
(`from promptsmith.lint.engine import Linter`), never as `promptsmith.lint.<module>`.
"""
