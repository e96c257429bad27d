"""Testing tools for flow authors: call-script fixtures that run the service and the ACS emulator on loopback."""
