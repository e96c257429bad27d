"""Serve the bare baseline with exactly the uvicorn options ``callwright serve`` uses.

python -m benchmarks.serve_bare --port 8001
"""

from __future__ import annotations

import argparse

import uvicorn

from app.web.server import server_options


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run("benchmarks.bare_app:create_app", host="127.0.0.1", port=args.port, **server_options())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
