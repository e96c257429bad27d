"""Developer tools around the ACS emulator: drive calls from a terminal, follow them live, reload on edits.

``callwright calls | dial | press | say | hangup | tail`` (:mod:`app.devtools.cli`) talk to the emulator's control
API over HTTP, as the dev phone page does; :mod:`app.devtools.reload` restarts the service when a flow, handler or
config file changes (``callwright dev``). Nothing here imports the emulator: the wire is the only contract.
"""
