"""End-to-end tests: every call-control action of the seed guide through Callwright and the ACS emulator."""
