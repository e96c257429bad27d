"""A local emulator of ACS Call Automation and of Event Grid's delivery of IncomingCall.

Start it with ``python -m simulator`` (or ``callwright simulator``); embed it with
:func:`simulator.app.create_simulator` or :func:`simulator.server.run_simulator`.
"""
