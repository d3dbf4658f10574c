"""torch._C: the few entries of torch's C extension module that Python libraries built on torch call.

Only what such libraries use on their common paths is here; anything else is missing, as a missing
attribute of a module is.
"""


def _log_api_usage_once(event: str) -> None:
    """torch sends `event` to an API-usage logger that applications may install (none by default, when the call
    does nothing); minitorch has no such logger."""
