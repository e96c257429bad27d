"""The dev phone in a real browser: place a call, hear it, act as the caller and the agent, watch it, steer it.

Every element is found by its accessible name, as a screen reader (or a user) finds it.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.devphone.conftest import ARTIFACTS, DevPhone

pytestmark = pytest.mark.asyncio(loop_scope="session")

SUPPORT = "+18005550100"
CALLER = "+15551230001"
AGENT = "+18005550199"
LANGUAGE = "For English, press 1. Para español, oprima 2."
MAIN_MENU = "For billing, press 1."
BILLING = "For an existing account, press 1."
WAIT = 15_000  # ms


async def dial(page: Page, to: str = SUPPORT, from_: str = CALLER) -> None:
    await page.get_by_role("textbox", name="From", exact=True).fill(from_)
    await page.get_by_role("textbox", name="To", exact=True).fill(to)
    await page.get_by_role("button", name="Call", exact=True).click()


async def press(page: Page, keys: str) -> None:
    for key in keys:
        await page.get_by_role("button", name=key, exact=True).click()


def timeline(page: Page):  # type: ignore[no-untyped-def]  # a Locator
    return page.get_by_role("region", name="Timeline")


async def test_dial_the_support_line_and_hear_the_greeting(dev_phone: DevPhone) -> None:
    page = dev_phone.page
    await dial(page)
    captions = page.get_by_role("log", name="Captions")
    await expect(captions).to_contain_text(LANGUAGE, timeout=WAIT)
    # Before the caller picks a language the prompt names no locale: the browser's default voice speaks it.
    assert {"text": LANGUAGE, "lang": ""} in await page.evaluate("window.__spoken")
    await expect(captions.locator(".time").first).to_have_text(re.compile(r"^\d+\.\d\ds–(\d+\.\d\ds|…)$"))
    await expect(timeline(page)).to_contain_text("dial " + SUPPORT)
    await expect(timeline(page)).to_contain_text("IncomingCall")


async def test_press_keys_reach_the_agent_answer_as_the_agent_and_hang_up(dev_phone: DevPhone) -> None:
    page = dev_phone.page
    await page.get_by_role("checkbox", name="Dialled parties ring on this page").check()
    await dial(page)
    captions = page.get_by_role("log", name="Captions")
    await expect(captions).to_contain_text(LANGUAGE, timeout=WAIT)
    await press(page, "1")
    await expect(captions).to_contain_text(MAIN_MENU, timeout=WAIT)
    spoken = await page.evaluate("window.__spoken")
    assert any(s["text"].startswith(MAIN_MENU) and s["lang"] == "en-US" for s in spoken), spoken
    await page.keyboard.press("1")  # the keyboard's keys press DTMF too
    await expect(captions).to_contain_text(BILLING, timeout=WAIT)
    await press(page, "2")  # a new account: the agent

    ringing = page.get_by_role("group", name=f"{AGENT} is ringing")
    await expect(ringing).to_be_visible(timeout=WAIT)
    await ringing.get_by_role("button", name="Answer", exact=True).click()
    await expect(ringing).to_be_hidden(timeout=WAIT)
    await expect(timeline(page)).to_contain_text(f"transfer({AGENT}", timeout=WAIT)
    await expect(timeline(page)).to_contain_text("CallTransferAccepted", timeout=WAIT)
    diagram = page.get_by_role("region", name="Diagram")
    await expect(diagram.locator("svg")).to_contain_text(f"transfer({AGENT}", timeout=WAIT)
    await expect(page.get_by_role("combobox", name="Acting as")).to_have_value(f"4:{AGENT}")

    await save_screenshot(page)
    await page.get_by_role("button", name="Hang up", exact=True).click()
    await expect(page.get_by_role("status", name="Call state")).to_have_text("ended", timeout=WAIT)
    await expect(timeline(page)).to_contain_text("call ended")


async def test_say_sends_speech_and_stay_silent_fires_the_timeout(dev_phone: DevPhone) -> None:
    page = dev_phone.page
    await dial(page)
    await expect(page.get_by_role("log", name="Captions")).to_contain_text(LANGUAGE, timeout=WAIT)
    await page.get_by_role("button", name="Stay silent", exact=True).click()
    await expect(timeline(page)).to_contain_text("stay silent", timeout=WAIT)
    await expect(timeline(page)).to_contain_text("RecognizeFailed (400/8510)", timeout=WAIT)
    await page.get_by_role("textbox", name="Say", exact=True).fill("billing")
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(timeline(page)).to_contain_text('say "billing"', timeout=WAIT)


async def test_a_fault_toggled_on_the_page_shows_in_the_timeline(dev_phone: DevPhone) -> None:
    page = dev_phone.page
    await page.get_by_role("checkbox", name="Duplicate callbacks").check()
    await expect(page.get_by_role("list", name="Active faults")).to_contain_text("duplicate", timeout=WAIT)
    await dial(page)
    await expect(timeline(page)).to_contain_text("CallConnected — duplicate #1 (fault)", timeout=WAIT)
    subscriptions = page.get_by_role("region", name="Event Grid subscriptions")
    await expect(subscriptions).to_contain_text("validated", timeout=WAIT)


async def test_the_page_asks_nothing_of_the_network_beyond_loopback(dev_phone: DevPhone) -> None:
    page = dev_phone.page
    await expect(page.get_by_role("status", name="Connection")).to_have_text("live", timeout=WAIT)
    await dial(page)
    await expect(page.get_by_role("log", name="Captions")).to_contain_text(LANGUAGE, timeout=WAIT)
    assert dev_phone.requested, "the page made no requests at all"
    assert all(url.startswith(dev_phone.emulator_url + "/") for url in dev_phone.requested), dev_phone.requested
    assert any(url.endswith("/simulator/stream") for url in dev_phone.requested)


async def save_screenshot(page: Page) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dev-phone.png"
    await page.screenshot(path=str(shot))  # docs/img/dev-phone.png is a copy, checked by eye
