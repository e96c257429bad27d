"""Keep secrets out of logs and the timeline: callback and subscription URLs may carry query-string secrets."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def redact_url(url: str) -> str:
    """``https://app/Events?secret=abc&x=1`` → ``https://app/Events?secret=***&x=***``.

    Example::

        redact_url("http://127.0.0.1:8000/Events?code=s3cret")   # 'http://127.0.0.1:8000/Events?code=%2A%2A%2A'
    """
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = urlencode([(name, "***") for name, _ in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
