"""The dev phone under load: 50 busy calls, with and without pages watching, and the page's own responsiveness.

    python -m benchmarks devphone [--quick]          # or: python -m benchmarks.devphone_bench

Everything runs on loopback: the emulator (in-process uvicorn), a recording callback sink, the real async SDK,
SSE readers standing in for pages, and (when /usr/bin/chromium exists) the real page in headless Chromium. Each
figure is a ratio against a baseline measured in the same run; nothing asserts.

- emulator: REST get_call_properties/s while 50 calls play prompts in a loop, with 3 pages streaming vs none;
- batching: timeline entries vs SSE frames one page received (many entries per frame);
- page: key press → its line in the Timeline region, with the 50 busy calls vs an idle emulator.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from azure.communication.callautomation import PhoneNumberIdentifier, TextSource
from azure.communication.callautomation.aio import CallAutomationClient
from azure.core.credentials import AzureKeyCredential

from simulator.delivery.sink import RecordingSink
from simulator.server import RunningSimulator, run_asgi, run_simulator

CALLS = 50
PAGES = 3
CHROMIUM = "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
TIME_SCALE = 0.05  # a 2-simulated-second prompt lasts 0.1 s
PLAY_EVERY = 2.0  # real seconds: each call plays a prompt (a request, two callbacks, two media entries) this often


@dataclass
class Load:
    """50 calls whose app leg plays a prompt every ``PLAY_EVERY`` seconds, until stopped."""

    client: CallAutomationClient
    connections: list[str] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self, sim: RunningSimulator, callback: str) -> None:
        source = PhoneNumberIdentifier(sim.config.owned_numbers[0])
        for i in range(CALLS):
            props = await self.client.create_call(
                PhoneNumberIdentifier(f"+1555{i:06d}1"), callback, source_caller_id_number=source
            )
            self.connections.append(str(props.call_connection_id))
        await asyncio.sleep(2.0 * TIME_SCALE * 10)  # every party has answered
        self.tasks = [asyncio.create_task(self._play(cid)) for cid in self.connections]

    async def _play(self, connection_id: str) -> None:
        connection = self.client.get_call_connection(connection_id)
        while True:
            with contextlib.suppress(Exception):
                await connection.play_media_to_all(TextSource(text="Your call is important to us."))
            await asyncio.sleep(PLAY_EVERY)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def rest_rate(client: CallAutomationClient, connections: list[str], seconds: float) -> float:
    done = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        await asyncio.gather(*(client.get_call_connection(c).get_call_properties() for c in connections[:10]))
        done += 10
    return done / seconds


@contextlib.asynccontextmanager
async def pages(base_url: str, count: int) -> AsyncIterator[list[list[int]]]:
    """``count`` SSE readers; each records, per frame, how many entries it carried."""
    frames: list[list[int]] = [[] for _ in range(count)]

    async def read(index: int, http: httpx.AsyncClient) -> None:
        async with http.stream("GET", f"{base_url}/simulator/stream") as stream:
            async for line in stream.aiter_lines():
                if line.startswith("data: "):
                    frames[index].append(line.count('"seq":'))

    async with httpx.AsyncClient(timeout=None) as http:
        tasks = [asyncio.create_task(read(i, http)) for i in range(count)]
        try:
            await asyncio.sleep(0.3)
            yield frames
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def press_latency(base_url: str, presses: int) -> float | None:
    """Median seconds from a keypad click to its line in the Timeline region, in headless Chromium."""
    if not HAVE_CHROMIUM:
        return None
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            async with (
                httpx.AsyncClient() as http
            ):  # a caller who rings for ever: the newest call, which the page shows
                call = {"from": "+15559990002", "to": "+15559990001", "ringingTimeout": 1e6}
                (await http.post(f"{base_url}/simulator/calls", json=call)).raise_for_status()
            page = await browser.new_page()
            await page.goto(f"{base_url}/")
            timeline = page.get_by_role("region", name="Timeline")
            await timeline.get_by_text("dial +15559990001").wait_for()
            times = []
            for i in range(presses):
                started = time.perf_counter()
                await page.get_by_role("button", name="1", exact=True).click()
                try:
                    await timeline.get_by_text("press 1").nth(i).wait_for(timeout=30_000)
                except PlaywrightTimeout:
                    return None
                times.append(time.perf_counter() - started)
            return statistics.median(times)
        finally:
            await browser.close()


async def api_press_latency(base_url: str, presses: int) -> float:
    """Median seconds of the control API's key press alone (what the page's click waits for, without the page)."""
    call = {"from": "+15559990003", "to": "+15559990001", "ringingTimeout": 1e6}
    async with httpx.AsyncClient(base_url=base_url) as http:
        placed = (await http.post("/simulator/calls", json=call)).json()
        path = f"/simulator/calls/{placed['serverCallId']}/parties/4:+15559990003/dtmf"
        times = []
        for _ in range(presses):
            started = time.perf_counter()
            (await http.post(path, json={"tones": "1"})).raise_for_status()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


async def run(quick: bool) -> list[tuple[str, str, str]]:
    seconds = 2.0 if quick else 5.0
    presses = 5 if quick else 15
    sink = RecordingSink()
    rows: list[tuple[str, str, str]] = []
    async with run_asgi(sink) as served, run_simulator(time_scale=TIME_SCALE) as sim:
        idle_press = await press_latency(sim.base_url, presses)
        client = CallAutomationClient(sim.base_url, AzureKeyCredential(sim.config.access_key), retry_total=0)
        async with client:
            load = Load(client)
            await load.start(sim, f"{served.base_url}/Events")
            try:
                alone = await rest_rate(client, load.connections, seconds)
                async with pages(sim.base_url, PAGES) as frames:
                    watched = await rest_rate(client, load.connections, seconds)
                busy_press = await press_latency(sim.base_url, presses)
                busy_api = await api_press_latency(sim.base_url, presses)
            finally:
                await load.stop()
    rows.append(("emulator REST/s, 50 busy calls", f"{alone:,.0f}", "no page watching (baseline)"))
    rows.append(("  with 3 pages streaming", f"{watched:,.0f}", f"ratio {watched / alone:.2f} to the baseline"))
    entries = sum(frames[0])
    rows.append(
        (
            "entries per SSE frame (1 page)",
            f"{entries / max(1, len(frames[0])):.1f}",
            f"{entries} entries in {len(frames[0])} frames over {seconds:.0f} s",
        )
    )
    if not HAVE_CHROMIUM:
        rows.append(("page: key press → timeline", "n/a", f"{CHROMIUM} not found"))
    elif idle_press is None or busy_press is None:
        rows.append(("page: key press → timeline", "n/a", "a press took over 30 s to show"))
    else:
        rows.append(("page: key press → timeline", f"{idle_press * 1000:.0f} ms", "idle emulator (baseline), median"))
        rows.append(
            (
                "  with 50 busy calls",
                f"{busy_press * 1000:.0f} ms",
                f"ratio {busy_press / idle_press:.2f} to the baseline",
            )
        )
        added = max(0.0, busy_press - busy_api) * 1000
        rows.append(("  of it the control API's own", f"{busy_api * 1000:.0f} ms", f"the page adds {added:.0f} ms"))
    return rows


def run_benchmark(quick: bool = False, json_path: str | None = None) -> list[tuple[str, str, str]]:
    rows = asyncio.run(run(quick))
    print(f"\nDev phone under load ({CALLS} calls, each playing a prompt every {PLAY_EVERY:g} s)")
    print(f"{'measure':<34} {'value':>10}  note")
    print("-" * 100)
    for name, value, note in rows:
        print(f"{name:<34} {value:>10}  {note}")
    if json_path:
        Path(json_path).write_text(
            json.dumps([dict(zip(("measure", "value", "note"), row, strict=True)) for row in rows])
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter measurements")
    run_benchmark(parser.parse_args(argv).quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
