"""`callwright serve` imports flow modules from the working directory: a user's own package next to the checkout."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

MY_FLOW = """
from app import CallActions, Router

router = Router(name="myivr")


@router.incoming_call(to="+18005550100")
async def answer(call: CallActions) -> None:
    await call.answer()
"""


async def test_serve_loads_flows_from_a_package_in_the_working_directory(tmp_path: Path) -> None:
    package = tmp_path / "myivr"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "flows.py").write_text(MY_FLOW)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CALLWRIGHT_")},
        "CALLWRIGHT_FLOW_MODULES": "myivr.flows",
        "CALLWRIGHT_ALLOW_UNAUTHENTICATED_CALLBACKS": "true",  # no emulator to fetch signing keys from
        "CALLWRIGHT_LOG_FORMAT": "json",
    }
    command = Path(sys.executable).with_name("callwright")
    process = await asyncio.create_subprocess_exec(
        str(command),
        "serve",
        "--port",
        "0",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(30):
            while not any('"service_started"' in line for line in lines):
                line = (await process.stdout.readline()).decode()
                if not line:
                    break
                lines.append(line)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 15)
    started = [line for line in lines if '"service_started"' in line]
    assert started, "".join(lines)[-3000:]
    assert json.loads(started[0])["flows"] == ["myivr"]
