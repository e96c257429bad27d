"""Browser tests of the dev phone: Playwright from PyPI driving the system's Chromium, one browser per session.

The page is served by the emulator of the shared test stack (with the sample flows and the support line open),
so it talks to the real emulator, whose callbacks reach the real service. Every request the page makes is
recorded; anything not addressed to the loopback emulator is refused and fails the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Route, async_playwright

from app.testing.stack import CallwrightStack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIME_SCALE = 0.25  # slow enough that a prompt is still playing when the test reacts to its caption
ARTIFACTS = Path(__file__).resolve().parents[2] / ".test-artifacts"
# The page's own hook on the browser's speech API: what was spoken, in which language.
SPEECH_SPY = """
window.__spoken = [];
if (window.speechSynthesis) {
  const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
  window.speechSynthesis.speak = (utterance) => {
    window.__spoken.push({ text: utterance.text, lang: utterance.lang });
    try { speak(utterance); } catch (error) {}
  };
}
"""


@dataclass
class DevPhone:
    """The page, the emulator it was served by, and every URL the page asked for."""

    page: Page
    emulator_url: str
    http: httpx.AsyncClient
    requested: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system's Chromium; its absence fails the tests rather than skipping them."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)"
    return CHROMIUM


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def dev_phone(browser: Browser, callwright_stack: CallwrightStack) -> AsyncIterator[DevPhone]:
    environment = await callwright_stack.environment(
        time_scale=TIME_SCALE, flows=None, overrides={"ivr.force_open": True}
    )
    origin = urlsplit(environment.emulator_url)
    context = await browser.new_context(viewport={"width": 1600, "height": 900})
    await context.add_init_script(SPEECH_SPY)
    async with httpx.AsyncClient(base_url=environment.emulator_url, timeout=10.0) as http:
        await http.post("/simulator/reset")
        phone = DevPhone(await context.new_page(), environment.emulator_url, http)

        async def guard(route: Route) -> None:
            url = urlsplit(route.request.url)
            phone.requested.append(route.request.url)
            if (url.scheme, url.hostname, url.port) == (origin.scheme, "127.0.0.1", origin.port):
                await route.continue_()
            else:
                phone.refused.append(route.request.url)
                await route.abort()

        await context.route("**/*", guard)
        try:
            await phone.page.goto(f"{environment.emulator_url}/")
            yield phone
            assert phone.refused == [], f"the page asked for something off the machine: {phone.refused}"
        finally:
            await context.close()
            await http.post("/simulator/reset")
