"""Emulator tests."""
