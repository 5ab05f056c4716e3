"""Scores for Chinese extraction: bags of characters, not whitespace tokens.

Chinese has no spaces, so a whitespace tokenizer (waddle's and scrapinghub's scorers) turns a
whole clause into one token and a one-character slip fails the clause. The unit here is the
character: text is NFKC-folded (full-width letters and digits become ASCII), lower-cased, and
whitespace, punctuation and control characters are removed, because extractors differ in how
they join paragraphs and normalise quotes, which is not what is being measured.

``char_prf`` compares the two multisets of characters (a bag: order is ignored, so no LCS). It
is cheap, it does not care how paragraphs were split or joined, and with ~3,500 common
characters a wrong block still costs precision roughly in proportion to its length. A bag is
lenient towards boilerplate made of very common characters, so ``shingle_prf`` (multisets of
character 4-grams, the unit of scrapinghub's benchmark, over the same folded text) is reported
beside it as the order-aware check: if the two disagree in ranking, the bag is being gamed.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

#: Unicode major categories dropped before scoring: separators, punctuation, controls/format.
_DROP = ("Z", "P", "C")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in _DROP)


def _prf(pred: Counter, ref: Counter) -> tuple[float, float, float]:
    n_pred, n_ref = sum(pred.values()), sum(ref.values())
    if not n_pred or not n_ref:
        # Nothing extracted (or nothing to find) scores zero rather than being skipped, so an
        # extractor cannot raise its mean by giving up on hard pages.
        return (1.0, 1.0, 1.0) if n_pred == n_ref else (0.0, 0.0, 0.0)
    common = sum((pred & ref).values())
    p, r = common / n_pred, common / n_ref
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def char_prf(pred: str, ref: str) -> tuple[float, float, float]:
    return _prf(Counter(fold(pred)), Counter(fold(ref)))


def shingles(text: str, n: int = 4) -> Counter:
    folded = fold(text)
    if len(folded) < n:
        return Counter([folded]) if folded else Counter()
    return Counter(folded[i : i + n] for i in range(len(folded) - n + 1))


def shingle_prf(pred: str, ref: str, n: int = 4) -> tuple[float, float, float]:
    return _prf(shingles(pred, n), shingles(ref, n))


def same_title(pred: str | None, ref: str | None) -> bool:
    """Exact match after NFKC and whitespace collapsing (extractors differ only in those)."""
    if not pred or not ref:
        return False
    norm = lambda s: " ".join(unicodedata.normalize("NFKC", s).split())  # noqa: E731
    return norm(pred) == norm(ref)
