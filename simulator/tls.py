"""TLS for ``--tls`` mode: a local CA (kept in the state directory) and a server certificate for loopback.

``CallAutomationClient.from_connection_string`` always dials ``https://``, so the emulator must speak TLS for it.
The CA is created once and reused on later starts, so trusting it once is enough; the server certificate is
reissued on every start. Trust it with ``REQUESTS_CA_BUNDLE=<ca.pem>`` (sync SDK client) or
``connection_verify=<ca.pem>`` / ``SSL_CERT_FILE=<ca.pem>`` (async client).

Example::

    files = ensure_tls_files(".callwright/simulator")
    files.ca_path        # PosixPath('.callwright/simulator/ca.pem')
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import trustme

DEFAULT_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class TlsFiles:
    """PEM files: the CA to trust, and the server's certificate chain and key."""

    ca_path: Path
    cert_path: Path
    key_path: Path


def _load_or_create_ca(directory: Path) -> trustme.CA:
    try:
        import trustme  # the emulator extra: a runtime-only install (the container) has no TLS mode
    except ImportError:
        raise RuntimeError("the emulator's --tls needs its extra: pip install 'callwright[emulator]'") from None
    ca_path, ca_key_path = directory / "ca.pem", directory / "ca-key.pem"
    if ca_path.is_file() and ca_key_path.is_file():
        try:
            return trustme.CA.from_pem(ca_path.read_bytes(), ca_key_path.read_bytes())
        except ValueError:
            pass  # unreadable leftovers: replace them with a fresh CA below
    ca = trustme.CA(organization_name="Callwright ACS emulator (local development only)")
    ca.cert_pem.write_to_path(str(ca_path))
    _write_private(ca_key_path, ca.private_key_pem.bytes())
    return ca


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def ensure_tls_files(state_dir: str | os.PathLike[str], hosts: Sequence[str] = DEFAULT_HOSTS) -> TlsFiles:
    """Create (or reuse) the CA in ``state_dir`` and issue a server certificate for ``hosts``.

    Blocking file I/O: call it before serving, or through ``asyncio.to_thread``.
    """
    directory = Path(state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    ca = _load_or_create_ca(directory)
    server = ca.issue_cert(*hosts)
    cert_path, key_path = directory / "server.pem", directory / "server-key.pem"
    with cert_path.open("wb") as handle:
        for pem in server.cert_chain_pems:
            handle.write(pem.bytes())
    _write_private(key_path, server.private_key_pem.bytes())
    return TlsFiles(ca_path=directory / "ca.pem", cert_path=cert_path, key_path=key_path)
