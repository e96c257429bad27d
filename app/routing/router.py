"""``Router``: where flow modules register handlers, and where the dispatcher finds the one to run."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from app import errors
from app.context import OperationContext
from app.events.base import CallEvent
from app.routing.handler import ErrorHandler, Handler
from app.routing.matching import ContextMatcher, ContextSpec, NumberSpec, When
from app.routing.shortcuts import EventShortcuts

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R", bound="Router")


@dataclass(frozen=True)
class Match:
    """The result of ``Router.find``: the handler to run, the router that owns it, and the parsed operation context."""

    handler: Handler
    router: Router
    ctx: OperationContext | None


class Router(EventShortcuts):
    """Handlers of one flow, registered with decorators; routers nest with :meth:`include`.

    Matching order: within a router, handlers are tried in registration order; then each included child router
    is searched the same way, in inclusion order (depth first). The first handler whose event type,
    ``context=`` and ``when=`` all match wins, so register specific handlers before general ones. A handler
    registered for a base class (``CallEvent``, ``CallAutomationEvent``) listens to every subclass.

    Example::

        router = Router(name="support_line")

        @router.recognize_completed(context=Menu, when=lambda event: event.digits == "1")
        async def to_agent(call: CallActions, settings: Settings) -> None:
            await call.transfer(settings.flows.agent_number)

        @router.error(CallActionError)
        async def apologise(call: CallActions, error: CallActionError) -> None: ...
    """

    def __init__(self, name: str, *, safety_net: bool = True) -> None:
        if not isinstance(name, str) or not name.strip():
            raise errors.HandlerRegistrationError(errors.router_bad_name(name))
        self.name = name
        self._safety_net = safety_net
        self._handlers: list[Handler] = []
        self._error_handlers: list[ErrorHandler] = []
        self._children: list[Router] = []
        self._parent: Router | None = None
        self._by_type: dict[type[CallEvent], tuple[Handler, ...]] = {}
        self._tree_listens: dict[type[CallEvent], bool] = {}

    @property
    def safety_net(self) -> bool:
        """Whether a failure no error handler takes ends in an apology and a hang-up (the top-level router's
        choice, default on; ``Router(name, safety_net=False)`` opts out)."""
        root = self
        while root._parent is not None:
            root = root._parent
        return root._safety_net

    def __repr__(self) -> str:
        return f"Router(name={self.name!r})"

    # --- registration ---------------------------------------------------------------------------------------------

    def on(self, *events: type[CallEvent], context: ContextSpec = None, when: When = ()) -> Callable[[F], F]:
        """Register a handler for one or more event classes; returns the function unchanged.

        Example::

            @router.on(CallTransferFailed, AddParticipantFailed)
            async def apologise(call: CallActions) -> None: ...
        """
        return self._register(events, context=context, when=when)

    def _register(
        self,
        events: tuple[type[CallEvent], ...],
        *,
        context: ContextSpec = None,
        when: When = (),
        to: NumberSpec = None,
        from_: NumberSpec = None,
    ) -> Callable[[F], F]:
        if not events:
            raise errors.HandlerRegistrationError(errors.no_event_classes())
        for event in events:
            if not (isinstance(event, type) and issubclass(event, CallEvent)):
                raise errors.HandlerRegistrationError(errors.not_an_event_class(event))

        def register(func: F) -> F:
            handler = Handler.build(func, tuple(events), context=context, when=when, to=to, from_=from_)
            self._handlers.append(handler)
            self._by_type.clear()
            self._tree_changed()
            return func

        return register

    def error(self, *exception_types: type[BaseException]) -> Callable[[F], F]:
        """Register an error handler for failures of this router's handlers and its included routers'.

        Default type: any ``Exception``. It receives the usual arguments plus ``error``; the first registered
        handler whose types match runs (the nearest router first, see :meth:`handle_error`).

        Example::

            @router.error(CallActionError)
            async def call_gone(error: CallActionError, log: BoundLogger) -> None: ...
        """
        for kind in exception_types:
            if not (isinstance(kind, type) and issubclass(kind, BaseException)):
                raise errors.HandlerRegistrationError(errors.not_an_exception_class(kind))
        types = exception_types or (Exception,)

        def register(func: F) -> F:
            self._error_handlers.append(ErrorHandler.build(func, types))
            return func

        return register

    def include(self, child: R, *more: Router) -> R:
        """Nest ``child`` (and ``more``): their handlers are tried after this router's own, in inclusion order.
        Returns ``child``. Kits are routers too: a flow includes the kits it uses, in any order.

        Example::

            root = Router(name="app")
            root.include(support_line.router)
            router.include(main_menu, billing_menu, voicemail)
        """
        routers: list[Router] = [child, *more]
        for router in routers:
            self._adopt(router)
        for router in routers:
            for descendant in router.walk():
                descendant._on_included()
        return child

    def _adopt(self, child: Router) -> None:
        if not isinstance(child, Router):
            raise errors.HandlerRegistrationError(f"router.include() takes a Router, got {type(child).__name__}")
        if child is self:
            raise errors.HandlerRegistrationError(errors.router_self_include(self.name))
        if any(router is self for router in child.walk()):
            raise errors.HandlerRegistrationError(errors.router_cycle(self.name, child.name))
        if child._parent is not None:
            raise errors.HandlerRegistrationError(errors.router_already_included(child.name, child._parent.name))
        child._parent = self
        self._children.append(child)
        self._tree_changed()

    def _on_included(self) -> None:
        """Called on this router and its descendants each time the subtree is included somewhere; kits finish
        their wiring here, once they know the flow they belong to."""

    @property
    def parent(self) -> Router | None:
        return self._parent

    def check(self) -> None:
        """Raise ``HandlerRegistrationError`` if this router tree cannot serve yet (the dispatcher calls it once, at
        startup, for every flow). Routers check their children; kits also check that what they route to is
        included."""
        for child in self._children:
            child.check()

    # --- lookup (used by the dispatcher) ---------------------------------------------------------------------------

    @property
    def children(self) -> tuple[Router, ...]:
        return tuple(self._children)

    def walk(self) -> Iterator[Router]:
        """This router, then its descendants in matching order (depth first, inclusion order)."""
        yield self
        for child in self._children:
            yield from child.walk()

    def listens_to(self, event_type: type[CallEvent]) -> bool:
        """True when a handler of this router or of a router it includes listens to ``event_type`` (its context
        and ``when=`` aside): when no flow listens, the dispatcher knows an event can have no effect.

        Example::

            router.listens_to(ParticipantsUpdated)   # False for a flow with no such handler
        """
        known = self._tree_listens.get(event_type)
        if known is None:
            known = any(router._own(event_type) for router in self.walk())
            self._tree_listens[event_type] = known
        return known

    def _tree_changed(self) -> None:
        router: Router | None = self
        while router is not None:
            router._tree_listens.clear()
            router = router._parent

    def handlers_for(self, event_type: type[CallEvent]) -> list[Handler]:
        """This router's own handlers listening to ``event_type``, in registration order (children excluded)."""
        return list(self._own(event_type))

    def _own(self, event_type: type[CallEvent]) -> tuple[Handler, ...]:
        cached = self._by_type.get(event_type)
        if cached is None:
            cached = tuple(handler for handler in self._handlers if handler.listens_to(event_type))
            self._by_type[event_type] = cached
        return cached

    async def find(self, event: CallEvent, args: Mapping[str, object]) -> Match | None:
        """The first handler (in matching order) whose event type, context and ``when=`` accept ``event``.

        ``args`` holds the injectable values except ``ctx`` and ``router``, which come from the match (see
        ``HandlerArgs``). Predicates see them too. An exception raised by a predicate propagates to the caller.

        Example::

            match = await router.find(event, args)
            if match is None:
                log.warning(EVENT_UNHANDLED, suggestion=suggest_handler(event))
        """
        base = {"event": event, "raw": event.raw, **args}
        # Handlers registered with the same context= read the event's context once (contexts are frozen: shared).
        contexts: dict[ContextMatcher, tuple[bool, OperationContext | None]] = {}
        for router in self.walk():
            for handler in router._own(type(event)):
                read = contexts.get(handler.context)
                if read is None:
                    read = contexts[handler.context] = handler.context.match(event.operation_context)
                matched, ctx = read
                if matched and await handler.accepts({**base, "ctx": ctx, "router": router}):
                    return Match(handler=handler, router=router, ctx=ctx)
        return None

    async def handle_error(self, error: BaseException, args: Mapping[str, object]) -> bool:
        """Run the first error handler that accepts ``error``; False when none does.

        This router's error handlers are tried in registration order, then its parent's, up to the root (so a
        flow's top-level router can hold one error handler for all of its included routers). An exception raised
        by the error handler itself propagates, so the dispatcher can fall back safely.

        Example::

            if not await match.router.handle_error(error, {**args, "ctx": match.ctx, "router": match.router}):
                ...  # the dispatcher's safe default
        """
        router: Router | None = self
        while router is not None:
            for handler in router._error_handlers:
                if handler.handles(error):
                    await handler.invoke({"router": self, **args, "error": error})
                    return True
            router = router._parent
        return False
