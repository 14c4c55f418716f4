"""Issue 13.12: caches filled from what users type are bounded, so memory does not grow with traffic."""

from __future__ import annotations

import uuid

from bot.matching.textnorm import COMMON_WORD_CACHE, is_common_word


def test_the_common_word_cache_is_bounded():
    for _ in range(COMMON_WORD_CACHE + 5_000):
        is_common_word("zq" + uuid.uuid4().hex[:10])
    info = is_common_word.cache_info()
    assert info.maxsize == COMMON_WORD_CACHE
    assert info.currsize <= COMMON_WORD_CACHE
    assert is_common_word("coming") and not is_common_word("kuberntes")
