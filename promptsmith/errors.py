"""One base error; each error says what to do next."""

from __future__ import annotations


class PromptsmithError(Exception):
    """Base class for errors that are the caller's to fix; the message says how."""


class RuleDataError(PromptsmithError):
    """A rule file (built-in or the user's) is missing or malformed."""


class ConfigError(PromptsmithError):
    """A configuration value is wrong: the message names the source and the fix."""


class UnknownRule(PromptsmithError):
    """A rule code or name that no rule has."""


class ModelNotFound(PromptsmithError):
    """A model file or package is missing; the message says how to get one."""


class BackendUnavailable(PromptsmithError):
    """An optional backend's library is not installed; the message names the extra."""
