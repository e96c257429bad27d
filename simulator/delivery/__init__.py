"""Event delivery: signed mid-call callbacks and Event Grid IncomingCall, with retries and injected faults.

Example::

    from simulator.delivery import build_delivery

    delivery = build_delivery(config, clock, timeline)
    routes = [*delivery.public_routes(), *delivery.control_routes()]
"""

from __future__ import annotations

from simulator.delivery.service import DeliveryService, Publisher, build_delivery

__all__ = ["DeliveryService", "Publisher", "build_delivery"]
