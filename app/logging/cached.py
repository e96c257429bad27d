"""A structlog logger assembled once, and again only when structlog's configuration changes.

``structlog.get_logger`` returns a lazy proxy that assembles a new bound logger (a new wrapped logger, a new context)
for every line, because Callwright does not let structlog cache loggers on first use: a reconfiguration (a test, a
reload, ``configure_logging`` again) must reach loggers created before it. That assembly costs more than a dropped
debug line, on every line. A :class:`CachedLogger` keeps the logger it assembled and, per line, checks that the
configuration it was assembled from is still the one in force (the processor list, the logger factory, the wrapper
and context classes, by identity); when one changed, it assembles again, exactly as the proxy would.

Example::

    log = CachedLogger("callwright.web")
    log.info("event_received", flow="front_desk")
    if log.is_enabled_for(logging.DEBUG):
        log.debug("detail", value=expensive())
"""

from __future__ import annotations

from typing import Any

import structlog


class CachedLogger:
    """What ``structlog.get_logger(name)`` gives, without assembling a logger per line (see the module docstring).

    Example::

        log = CachedLogger("callwright.dispatch")
        log.warning("flow_unknown", flow="x")
    """

    __slots__ = ("_name", "_logger", "_processors", "_factory", "_wrapper", "_context")

    def __init__(self, name: str) -> None:
        self._name = name
        self._logger: Any = None
        self._processors: object = None
        self._factory: object = None
        self._wrapper: object = None
        self._context: object = None

    @property
    def name(self) -> str:
        return self._name

    def current(self) -> Any:
        """The bound logger for structlog's configuration as it is now (assembled again only after a change)."""
        config = structlog.get_config()
        if (
            self._logger is None
            or config["processors"] is not self._processors
            or config["logger_factory"] is not self._factory
            or config["wrapper_class"] is not self._wrapper
            or config["context_class"] is not self._context
        ):
            self._logger = structlog.get_logger(self._name).bind()
            self._processors = config["processors"]
            self._factory = config["logger_factory"]
            self._wrapper = config["wrapper_class"]
            self._context = config["context_class"]
        return self._logger

    # The methods every hot path calls, spelled out (an attribute miss through __getattr__ costs a lookup more).
    def debug(self, event: str, *args: Any, **kw: Any) -> Any:
        return self.current().debug(event, *args, **kw)

    def info(self, event: str, *args: Any, **kw: Any) -> Any:
        return self.current().info(event, *args, **kw)

    def warning(self, event: str, *args: Any, **kw: Any) -> Any:
        return self.current().warning(event, *args, **kw)

    def error(self, event: str, *args: Any, **kw: Any) -> Any:
        return self.current().error(event, *args, **kw)

    def exception(self, event: str, *args: Any, **kw: Any) -> Any:
        return self.current().exception(event, *args, **kw)

    def log(self, level: int, event: str, *args: Any, **kw: Any) -> Any:
        return self.current().log(level, event, *args, **kw)

    def is_enabled_for(self, level: int) -> bool:
        return bool(self.current().is_enabled_for(level))

    def bind(self, **new_values: Any) -> Any:
        return self.current().bind(**new_values)

    def __getattr__(self, name: str) -> Any:
        # Everything else a bound logger has (critical, new, ainfo...), from the current one.
        return getattr(self.current(), name)

    def __repr__(self) -> str:
        return f"<CachedLogger {self._name!r}>"
