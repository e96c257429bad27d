"""``query_values`` answers what Starlette's ``QueryParams`` answers, for every query string, plain or not."""

from __future__ import annotations

import random

import pytest
from starlette.datastructures import QueryParams

from app.web.query import query_values

CASES = [
    b"",
    b"flow=front_desk",
    b"flow=front_desk&seed=abcdefgh12",
    b"flow=a&flow=b",
    b"flow",
    b"flow=",
    b"=x",
    b"=",
    b"&&flow=a&&",
    b"a=b=c",
    b"secret=bench-eventgrid-secret",
    b"flow=front%5Fdesk",
    b"flow=front+desk",
    b"fl%6Fw=a",
    b"flow=%zz",
    b"name=caf\xc3\xa9",
    b"name=caf%C3%A9",
    b"a;b=c",
    b"flow=x#frag",
]


@pytest.mark.parametrize("query", CASES)
def test_the_same_values_as_starlette(query: bytes) -> None:
    assert query_values(query) == dict(QueryParams(query).items())


def test_the_same_values_as_starlette_for_random_query_strings() -> None:
    alphabet = b"ab=&%+2F5fz;\xc3\xa9 "
    rng = random.Random(20261201)
    for _ in range(5000):
        query = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert query_values(query) == dict(QueryParams(query).items()), query
