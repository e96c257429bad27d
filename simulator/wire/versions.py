"""The ``api-version`` values the emulator accepts: every one SDK 1.1 to 1.6 can send."""

from __future__ import annotations

from simulator.world.errors import AcsError

GA_VERSIONS = (
    "2023-03-06",
    "2023-10-15",
    "2024-04-15",
    "2024-09-15",
    "2025-05-15",
    "2025-06-15",
    "2026-03-12",
)
PREVIEW_VERSIONS = (
    "2023-01-15-preview",
    "2023-06-15-preview",
    "2023-10-03-preview",
    "2024-01-22-preview",
    "2024-06-15-preview",
    "2024-09-01-preview",
    "2024-11-15-preview",
    "2025-03-15-preview",
    "2025-08-15-preview",
)
API_VERSIONS = frozenset(GA_VERSIONS + PREVIEW_VERSIONS)


def check_api_version(value: str | None) -> str:
    """The version, or AcsError(400) when it is missing or unknown."""
    if not value:
        raise AcsError(400, "MissingApiVersionParameter", "The api-version query parameter is required.")
    if value not in API_VERSIONS:
        supported = ", ".join(GA_VERSIONS)
        raise AcsError(
            400, "UnsupportedApiVersion", f"The api-version '{value}' is not supported. Supported: {supported}."
        )
    return value
