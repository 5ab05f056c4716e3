"""What the Eastmoney side (share pages, JSON APIs, public article pages) knows about a post.

A finews post is a copy of an Eastmoney article: its body HTML came from the text API, its footer
keeps the link it was found under. The sandbox serves the Eastmoney pages by reading those facts
back out of the post, so every page kind shows the same article without a second corpus.

Two kinds of post exist: *share* articles (``NW`` + 18 digits, HTML body, share-link footer) and
*digest* posts (18 digits, one plain-text digest, link to ``…eastmoney.com/news/<col>,<code>.html``).
"""

from __future__ import annotations

import re
from functools import cached_property

import lxml.html

from .corpus import Post

SHARE_URL = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode={code}"
ARTICLE_URL = "http://finance.eastmoney.com/a/{digits}.html"
EASTMONEY_MEDIA = "东方财富网"  # digests are Eastmoney's own text

_SHARE_CODE = re.compile(r"NW(\d{18})")
_DIGEST_CODE = re.compile(r"\d{18}")
_AUTOLINK = re.compile(r"^<(https?://[^>\s]+)>[ \t]*$", re.M)
_EM_MEDIA = re.compile(r'<p class="em_media">（文章来源：(.*?)）</p>')
_QUOTE_MARK = re.compile(r"^>[ \t]?", re.M)


def code_digits(info_code: str) -> str | None:
    """The 18-digit code Eastmoney URLs use, or None for a post that is not an Eastmoney article."""
    m = _SHARE_CODE.fullmatch(info_code)
    if m:
        return m.group(1)
    return info_code if _DIGEST_CODE.fullmatch(info_code) else None


def _text(el) -> str:
    return " ".join(el.text_content().split())


class Article:
    """Facts of one post, each computed on first use: list pages touch only a page of posts."""

    def __init__(self, post: Post):
        self.post = post

    @property
    def code(self) -> str:
        return self.post.info_code

    @cached_property
    def digits(self) -> str | None:
        return code_digits(self.post.info_code)

    @property
    def is_share(self) -> bool:
        return self.post.info_code.startswith("NW") and self.digits is not None

    @property
    def is_digest(self) -> bool:
        return not self.is_share and self.digits is not None

    @cached_property
    def _footer(self) -> re.Match | None:
        matches = list(_AUTOLINK.finditer(self.post.body))
        return matches[-1] if matches else None

    @cached_property
    def html(self) -> str:
        """The body before the markdown footer: for a share article, what the text API returned."""
        body = self.post.body
        return (body[: self._footer.start()] if self._footer else body).strip()

    @cached_property
    def link(self) -> str:
        """Where the post says it came from (share link or Eastmoney news link); built if absent."""
        if self._footer:
            return self._footer.group(1)
        if self.is_share:
            return SHARE_URL.format(code=self.code)
        return ARTICLE_URL.format(digits=self.digits)

    @cached_property
    def media(self) -> str:
        """The outlet named by the ``em_media`` line; digests are Eastmoney's own."""
        if self.is_digest:
            return EASTMONEY_MEDIA
        found = _EM_MEDIA.findall(self.html)
        if found:
            return found[-1]
        tag = self.post.tags[0] if self.post.tags else ""
        return tag.removesuffix("新闻") or EASTMONEY_MEDIA

    @cached_property
    def digest(self) -> str:
        """A digest post's text (a ``> `` quote in posts our own writer makes, plain in old ones)."""
        return " ".join(_QUOTE_MARK.sub("", self.html).split())

    @cached_property
    def summary(self) -> str:
        """The digest, or the text of the first paragraph a reader sees."""
        if self.is_digest:
            return self.digest
        if not self.html:
            return ""
        for fragment in lxml.html.fragments_fromstring(self.html):
            if isinstance(fragment, str):
                if fragment.strip():
                    return " ".join(fragment.split())
                continue
            for p in fragment.iter("p"):
                style = (p.get("style") or "").replace(" ", "").lower()
                if "display:none" in style or p.get("class") == "em_media":
                    continue
                text = _text(p)
                if text:
                    return text
        return ""
