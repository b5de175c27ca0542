"""The linter: a rule registry, one small function per rule, and an engine that runs them.

The package is `promptsmith.linter`; the API function that runs it is `promptsmith.lint` (in
`promptsmith/__init__.py`): a function and a package never share a name.
"""
