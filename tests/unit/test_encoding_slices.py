"""The encoding check decodes big bodies a slice at a time: it must say exactly what one whole
``bytes.decode`` says, characters split across slice edges included."""

import random

import pytest

from crawler.middlewares.encoding import _SLICE, _clean


def whole(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("written_as", ["utf-8", "gb18030", "gbk"])
def test_sliced_check_agrees_with_a_whole_decode(written_as):
    rng = random.Random(written_as)
    # Mostly 2-4 byte characters, so that many of them straddle a slice edge.
    text = "".join(rng.choice("科技日报，。“”abc\U00020000") for _ in range(_SLICE))
    if written_as == "gbk":
        text = text.replace("\U00020000", "x")
    body = text.encode(written_as)
    assert len(body) > _SLICE + 1
    for body_variant in (body, body[:-1], body[: _SLICE + 1], body + b"\xff"):
        for candidate in ("utf-8", "gb18030", "gbk", "iso-8859-1"):
            assert _clean(body_variant, candidate) == whole(body_variant, candidate), (written_as, candidate, len(body_variant))
