"""A page parser for any Chinese news article page, with no selectors for the site.

Two uses: the fallback when a layout's own selectors find no title or no body (a template
change), and the ``generic`` spider for sites we have no layout for. It offers the same field
methods as the layout parsers, so ``load_article`` does not know which one it got.

Why our own code and not a library: measured on the waddle/DAnIEL Chinese pages and on our
corpus pages (``benchmarks/extraction.py``), trafilatura, GNE, newspaper4k and readability-lxml
were all both less accurate on Chinese body text and slower (trafilatura about ten times
slower on the waddle pages), and none knows the Chinese cues a news page carries: ``来源：``,
``作者：``, ``（文章来源：…）``, ``责任编辑``, ``年月日`` dates, disclaimers. It is lxml only and
makes one pass over the tree to score it, so a page costs a few milliseconds.

How the body is found, in short:

1. Clean a private copy of the tree: scripts, styles, forms' controls, hidden elements and
   Eastmoney's stock-chart widgets go.
2. Score paragraphs. A *paragraph* is the inline text of a block (a ``<p>``, or a ``<div>``/
   ``<td>`` holding text between ``<br>``s). Its score is its non-link character count, weighted
   by how much it reads like prose (Chinese commas and full stops): navigation is links and
   labels, boilerplate has no punctuation, article text has both length and punctuation.
3. Each paragraph's score goes to the block that holds it and, halved, to that block's parent
   (readability's scheme). The best block, discounted by its link density and weighed by its
   class/id (``content``, ``article`` help; ``comment``, ``sidebar``, ``footer`` hurt), is the
   article container; siblings of the same tag scoring at least 30% of it (a lead paragraph in
   its own ``<div>``) join it. The headline's own block never qualifies.
4. The container's blocks are emitted in order as paragraphs (inner HTML, as the layout parsers
   give), skipping what comes before the headline, the date/source line under it, link-only
   blocks that end the article (related links after the text, share and return links), and
   lines that are boilerplate by their wording (editor, disclaimer, app promotion, tags).
   A ``（文章来源：X）`` or ``来源：X`` line is taken as the source, not as text.
"""

from __future__ import annotations

import hashlib
import re
from functools import cached_property
from urllib.parse import urljoin

from lxml import etree

from crawler.dates import parse_date
from crawler.pages.finews import post_link_info
from crawler.pages.html import drop, inner_html, outer_html

# --- vocabulary ----------------------------------------------------------------------------------

#: Never content; removed with everything inside them.
_DROP_TAGS = {
    "script", "style", "noscript", "template", "iframe", "object", "embed", "button", "select",
    "option", "textarea", "input", "svg", "canvas", "video", "audio", "map", "link", "meta",
}
#: Blocks that are one paragraph each, whatever they hold (never split on ``<br>``).
_PARAGRAPH_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "center", "blockquote", "li", "dt", "dd",
                   "figcaption", "address", "caption"}
#: Blocks that wrap other blocks; their own loose text is split on ``<br>``.
_WRAPPER_TAGS = {"div", "section", "article", "main", "table", "tbody", "thead", "tfoot", "tr", "td", "th",
                 "ul", "ol", "dl", "figure", "form", "body", "header", "footer", "aside", "nav", "fieldset",
                 "hgroup", "details", "summary", "font", "span"}
_BLOCK_TAGS = _PARAGRAPH_TAGS | _WRAPPER_TAGS - {"font", "span"}
_HEADINGS = ("h1", "h2", "h3")

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SPACE = re.compile(r"\s+")
#: Punctuation that marks running prose (Chinese and ASCII clause/sentence marks).
_PROSE_MARKS = re.compile(r"[，。！？；、,;!?]")
_SENTENCE_END = re.compile(r"[。！？!?…]")

#: A full date with optional time. Every match is also matched by ``crawler.dates`` fast path,
#: so ``parse_date`` on it never falls through to dateparser.
DATE = re.compile(
    r"(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"(?:\s*T?\s*\d{1,2}\s*[:：时]\s*\d{1,2}(?:\s*[:：分]\s*\d{1,2})?(?:\s*(?:Z|[+-]\d\d:?\d\d))?)?"
)
_HAS_TIME = re.compile(r"\d{1,2}\s*[:：时]\s*\d{1,2}")
_DATE_LABEL = re.compile(r"发布时间|发表时间|时间[：:]|日期[：:]|发布于|发表于|更新时间|published", re.I)

#: ``（文章来源：X）``, ``来源：X``, ``稿源：X``; the name runs to a bracket, a space or another label.
#: Traditional forms too: a third of Chinese news pages are from Taiwan and Hong Kong.
_SOURCE = re.compile(r"(?:文章|新闻|新聞|稿件)?(?:来源|來源|稿源|出处|出處)\s*[：:]\s*(?P<name>[^\s）)】\]|｜,，。;；]{1,30})")
_SOURCE_LINE = re.compile(r"^\s*[（(【\[]?\s*(?:文章|新闻|新聞|稿件)?(?:来源|來源|稿源)\s*[：:][^。！？]{1,40}$")
_AUTHOR = re.compile(r"(?:作者|记者|記者|撰文|文)\s*[：:/／]\s*(?P<name>[^\s）)】\]|｜,，。;；]{1,20})")
#: ``记者张三／台北报导``, ``（记者 张三）``: a reporter named without a colon.
_REPORTER = re.compile(r"(?:记者|記者)\s*(?P<name>[\u4e00-\u9fff]{2,4})(?=\s*(?:[／/）)\s]|报道|報導|摄|攝))")
#: Lines that are about the article, never the article: editor, disclaimers, promotion, sharing.
_BOILERPLATE = re.compile(
    r"^\s*[（(【\[]?\s*(?:责任编辑|責任編輯|责编|責編|编辑|編輯|校对|校對|审核|審核|值班编辑|编审|监制|实习编辑)\s*[：:]"
    r"|^\s*[（(]?\s*(?:本文)?(?:编辑|編輯|责编|責編)[：:]?\s*\S{1,10}\s*[）)]\s*$"
    r"|^\s*[【\[]?(?:郑重声明|鄭重聲明|免责声明|免責聲明|版权声明|版權聲明|特别声明|特別聲明)[】\]]?\s*[：:]?"
    r"|^\s*(?:声明|聲明|注)[：:].{0,20}(?:本站|本网|本網|立场|立場|观点|觀點)"
    r"|本文仅代表作者|本文僅代表作者|与本站立场无关|與本站立場無關|与本网无关|與本網無關|不代表本(?:站|网|網)"
    r"|未经(?:授权|许可).{0,10}(?:转载|使用)|未經(?:授權|許可).{0,10}(?:轉載|使用)"
    r"|^\s*(?:分享到|分享至|转发到|轉寄|打印|列印|关闭窗口|關閉視窗|返回顶部|回到頂端|字号[：:]|字體[：:]|调整字体|調整字體|点击[：:]|浏览[：:]|阅读[：:])"
    r"|^\s*(?:上一篇|下一篇|上一页|下一页|上一頁|下一頁|相关阅读|相關閱讀|相关新闻|相關新聞|推荐阅读|推薦閱讀|热门推荐|猜你喜欢)\s*[：:]?\s*$"
    r"|^\s*(?:标签|標籤|关键词|關鍵詞|关键字|關鍵字|tags?)\s*[：:]"
    r"|^\s*\S{0,12}(?:APP|App|app|客户端|客戶端)\s*[：:]"
    r"|(?:扫描|掃描|扫码|掃碼|长按|長按).{0,8}(?:二维码|二維碼)|(?:下载|下載|打开|打開).{0,8}(?:APP|App|客户端|客戶端)"
    r"|(?:关注|關注|追蹤|登陸|登陆|开设|開設).{0,12}(?:微信|公众号|公眾號|微博|facebook|google\s*plus)"
    r"|^\s*(?:copyright|版权所有|版權所有|©)",
    re.I,
)
_AD_TEXT = re.compile(r"^\s*(?:广告|AD|推广|赞助)\s*$", re.I)
_SHARE_LINK = re.compile(r"NewsShare\.html", re.I)
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—+|\s-\s|\s·\s)\s*")
_TITLE_HINT = re.compile(r"title|headline|biaoti|tit\b|art_tit|hd\b", re.I)
_NEGATIVE_HINT = re.compile(
    r"comment|footer|foot\b|sidebar|side\b|nav|menu|breadcrumb|crumb|related|recommend|share|copyright|"
    r"advert|\bad\b|banner|hot|rank|login|pinglun|xgxw|tuijian|friend|links?\b", re.I)
_POSITIVE_HINT = re.compile(r"article|content|artibody|text|main|body|zhengwen|post|entry|detail|news", re.I)


def _norm(text: str | None) -> str:
    return _SPACE.sub(" ", (text or "").replace("\u3000", " ").replace("\xa0", " ")).strip()


def _compact(text: str | None) -> str:
    # str.split() knows every Unicode space (\u3000 and \xa0 included) and runs in C
    return "".join(text.split()) if text else ""


def _text(el) -> str:
    return "".join(el.itertext())


def _parser():
    # Plain lxml elements: lxml.html's element classes cost a lookup per node and add nothing
    # here. A parser per page: lxml parsers must not be shared between threads.
    return etree.HTMLParser(remove_pis=True, huge_tree=True, default_doctype=False)


def derive_info_code(url: str) -> str:
    """``GN`` + 18 digits of a BLAKE2 hash of the URL: a page with no code of its own still gets
    a key that is the same on every crawl (dedupe, incremental skips and the post file name depend
    on that) and passes ``loaders.INFO_CODE``. 18 digits keep collisions out of reach for any
    realistic number of pages (birthday bound around 10^9 pages)."""
    digest = hashlib.blake2b(url.encode("utf-8"), digest_size=16).digest()
    return "GN" + f"{int.from_bytes(digest, 'big') % 10**18:018d}"


def canonical_url(url: str) -> str:
    """A URL as a stable key: no fragment, lower-case scheme and host, sorted query, so the same
    article asked for twice in different spellings gets one code."""
    from w3lib.url import canonicalize_url

    return canonicalize_url(url, keep_fragments=False)


class _Paragraph:
    """One emitted paragraph: a block element, or a run of inline content between ``<br>``s."""

    __slots__ = ("el", "nodes", "text", "links", "pos", "kind")

    def __init__(self, el, nodes, text: str, links: int, pos: int):
        self.el, self.nodes, self.text, self.links, self.pos = el, nodes, text, links, pos
        self.kind = "text"

    @property
    def html(self) -> str:
        if self.el is not None:
            return inner_html(self.el) if self.el.tag != "img" else outer_html(self.el)
        parts = []
        for node in self.nodes:
            if isinstance(node, str):
                parts.append(node.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
            else:
                parts.append(etree.tostring(node, encoding="unicode", method="html", with_tail=False))
        return "".join(parts).strip()

    def images(self):
        if self.el is not None:
            return [self.el] if self.el.tag == "img" else list(self.el.iter("img"))
        return [img for node in self.nodes if not isinstance(node, str) for img in node.iter("img")]


class GenericPage:
    """Any Chinese news article page. Raw values only, like the layout parsers."""

    layout = "generic"

    def __init__(self, response, *, key_url: str | None = None):
        self.response = response
        self.key_url = key_url

    @classmethod
    def from_html(cls, html: str, url: str, *, key_url: str | None = None) -> GenericPage:
        """For callers that hold text rather than a Scrapy response (the benchmark, tools)."""
        page = cls.__new__(cls)
        page.response, page.key_url = None, key_url
        page._url, page._text = url, html
        return page

    @property
    def url(self) -> str:
        return self.response.url if self.response is not None else self._url

    @property
    def _html_text(self) -> str:
        return self.response.text if self.response is not None else self._text

    # --- the tree --------------------------------------------------------------------------------
    @cached_property
    def root(self):
        text = self._html_text
        if text.lstrip().startswith("<?xml"):  # lxml refuses str input with an encoding declaration
            text = text.split("?>", 1)[-1]
        try:
            root = etree.fromstring(text, _parser()) if text.strip() else None
        except (etree.ParserError, ValueError):
            root = None
        if root is None:
            root = etree.fromstring("<html><body></body></html>", _parser())
        return root

    @cached_property
    def _head(self) -> dict:
        """``<title>`` and the meta tags, read before cleaning removes them."""
        root = self.root
        meta = {}
        for el in root.iter("meta"):
            key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
            if key and key not in meta and el.get("content"):
                meta[key] = el.get("content").strip()
        title_el = next(root.iter("title"), None)
        return {"title": _norm(_text(title_el)) if title_el is not None else "", "meta": meta}

    @cached_property
    def _tree(self):
        """The cleaned ``<body>`` and each element's document position."""
        self._head  # noqa: B018 - read the head before its tags are dropped
        root = self.root
        body = root.find("body")
        if body is None:
            body = root
        doomed, in_widget = [], False
        for node in body.iter():
            if isinstance(node, etree._Comment):
                text = node.text or ""
                if "EM_StockImg_Start" in text:
                    in_widget = True
                elif "EM_StockImg_End" in text:
                    in_widget = False
                doomed.append(node)
                continue
            if not isinstance(node.tag, str):
                doomed.append(node)
                continue
            if in_widget or node.tag in _DROP_TAGS or _HIDDEN_STYLE.search(node.get("style") or "") \
                    or node.get("hidden") is not None:
                doomed.append(node)
        for node in doomed:
            drop(node)
        order = {el: i for i, el in enumerate(body.iter())}
        return body, order

    # --- scoring ---------------------------------------------------------------------------------
    @cached_property
    def _scores(self) -> dict:
        """Paragraph scores credited to their holders and the holders' parents."""
        body, order = self._tree
        stats: dict = {}  # el -> [inline chars, inline link chars, inline prose marks]
        totals: dict = {}  # el -> [all chars, link chars]
        for el in reversed(list(order)):  # descendants before ancestors
            own = _compact(el.text)
            chars, marks = len(own), len(_PROSE_MARKS.findall(own))
            links = chars if el.tag == "a" else 0
            all_chars, all_links = chars, links
            for child in el:
                tail = _compact(child.tail)
                chars += len(tail)
                marks += len(_PROSE_MARKS.findall(tail))
                all_chars += len(tail)
                c_all, c_links = totals.get(child, (0, 0))
                all_chars += c_all
                all_links += c_all if el.tag == "a" else c_links
                if child.tag not in _BLOCK_TAGS:  # inline child: its text is part of this paragraph
                    s = stats.get(child)
                    if s:
                        chars += s[0]
                        links += s[0] if el.tag == "a" else s[1]
                        marks += s[2]
            stats[el] = (chars, links, marks)
            totals[el] = (all_chars, all_links)
        scores: dict = {}
        for el, (chars, links, marks) in stats.items():
            if el.tag not in _BLOCK_TAGS:
                continue
            prose = chars - links
            if prose < 10:
                continue
            density = marks / prose
            score = prose * min(1.0, 0.25 + 12 * density)
            if prose <= 80 and marks <= 1:  # a label or a date/source line, whatever its length
                score *= 0.3
            holder = el.getparent() if el.tag in _PARAGRAPH_TAGS else el
            if holder is None:
                continue
            scores[holder] = scores.get(holder, 0.0) + score
            parent = holder.getparent()
            if parent is not None:
                scores[parent] = scores.get(parent, 0.0) + score / 2
        self._totals = totals
        return scores

    def _class_weight(self, el) -> float:
        hint = f"{el.get('class') or ''} {el.get('id') or ''}"
        weight = 1.0
        if _NEGATIVE_HINT.search(hint):
            weight *= 0.5
        if _POSITIVE_HINT.search(hint):
            weight *= 1.25
        return weight

    @cached_property
    def _containers(self) -> list:
        scores = self._scores
        if not scores:
            return []
        totals = self._totals

        def final(el):
            all_chars, links = totals.get(el, (0, 0))
            density = links / all_chars if all_chars else 0.0
            return scores[el] * (1 - density) * self._class_weight(el)

        # The headline's own block reads like a short paragraph; it is never the article.
        title, title_el = self._title_info
        title_len = len(_compact(title)) + 2 if title_el is not None else -1
        ranked = [el for el in sorted(scores, key=final, reverse=True) if totals.get(el, (0, 0))[0] > title_len]
        if not ranked:
            return []
        top = ranked[0]
        best = final(top)
        parent = top.getparent()
        if parent is None:
            return [top]
        chosen = []
        for sibling in parent:
            if sibling is top:
                chosen.append(sibling)
            elif sibling in scores and final(sibling) >= best * 0.3 and sibling.tag == top.tag:
                chosen.append(sibling)
        return chosen

    # --- paragraphs ------------------------------------------------------------------------------
    @cached_property
    def _paragraphs(self) -> list[_Paragraph]:
        out: list[_Paragraph] = []
        order = self._tree[1]
        for container in self._containers:
            _emit(container, out, order)
        return out

    @cached_property
    def _title_info(self) -> tuple[str | None, object]:
        """The headline and the element that shows it (None if only ``<title>`` has it).

        The headline is what the page shows that the ``<title>`` also names (sites append their
        own name and column there): the longest such element wins, headings and ``title``-ish
        classes breaking ties. Matching the ``<title>`` rather than trusting ``<h1>`` is what keeps
        this working when a template renames or restyles the headline element."""
        body, order = self._tree
        self._scores  # noqa: B018 - fills self._totals
        totals = self._totals
        page_title = self._head["title"]
        page_key = _compact(page_title)
        og = _norm(self._head["meta"].get("og:title") or self._head["meta"].get("twitter:title"))
        og_key = _compact(og)
        segments = [_compact(s) for s in _TITLE_SEPARATORS.split(page_title) if _compact(s)]
        main_segment = max(segments[:2], key=len) if segments else page_key
        min_len = max(4, len(main_segment) // 2)
        max_len = max(len(page_key), len(og_key)) + 2
        candidates = []
        for el in body.iter():
            if el.tag in ("a", "body", "li", "ul", "title") or not isinstance(el.tag, str):
                continue
            total = totals.get(el, (0, 0))[0]
            heading = el.tag in _HEADINGS
            if not (2 if heading else min_len) <= total <= (120 if heading else max_len):
                continue
            text = _norm(_text(el))
            key = _compact(text)
            matches = bool(key) and (key in page_key or key == og_key)
            if not matches and len(main_segment) >= 6 and main_segment in key and len(key) <= 2 * len(main_segment):
                # breadcrumbs and the headline in one element: the headline is the <title>'s part
                text = next(_norm(s) for s in _TITLE_SEPARATORS.split(page_title) if _compact(s) == main_segment)
                key, matches = main_segment, True
            # An <h1> the <title> does not name is taken only if it starts like it (an <h1> left
            # unclosed by a broken template can hold the whole footer).
            if not matches and not (el.tag == "h1" and (not page_key or key[:4] in page_key)):
                continue
            hinted = bool(_TITLE_HINT.search(f"{el.get('class') or ''} {el.get('id') or ''}"))
            score = len(key) * (2 if matches else 1) + (6 if el.tag == "h1" else 3 if heading else 0) + (3 if hinted else 0)
            candidates.append((score, -order.get(el, 0), text, el))
        if candidates:
            _, _, text, el = max(candidates, key=lambda c: (c[0], c[1]))
            return text, el
        if og:
            return og, None
        if page_title:
            parts = [p for p in _TITLE_SEPARATORS.split(page_title) if p.strip()]
            return (max(parts[:2], key=len) if parts else page_title), None
        return None, None

    @cached_property
    def _body(self) -> tuple[list[_Paragraph], str | None, str | None]:
        """Body paragraphs, the source line and the author, after the filters described above."""
        paragraphs = self._paragraphs
        title, title_el = self._title_info
        order = self._tree[1]
        title_pos = order.get(title_el, -1) if title_el is not None else -1
        if title_pos >= 0:
            # Blocks before the headline are chrome (breadcrumbs, a kicker), unless the "headline"
            # found comes after most of the text: then it was not the headline.
            before = sum(len(_compact(p.text)) for p in paragraphs if p.pos <= title_pos)
            if before > 0.5 * sum(len(_compact(p.text)) for p in paragraphs):
                title_pos = -1
        title_key = _compact(title) if title else ""
        source = author = None
        kept: list[_Paragraph] = []
        seen_content = False
        for para in paragraphs:
            if para.pos <= title_pos:
                continue
            text = para.text
            key = _compact(text)
            images = para.images()
            if not key and not images:
                continue
            if title_key and key == title_key:
                continue
            if _AD_TEXT.match(text) or (not key and images and all(_linked(img) for img in images)):
                continue
            if _SOURCE_LINE.match(text) or (len(key) <= 40 and text.startswith(("（", "(")) and _SOURCE.search(text)):
                source = source or text
                para.kind = "source"
                kept.append(para)
                continue
            if not seen_content and len(key) <= 120 and not _reads_like_prose(text) and (
                DATE.search(text) or _SOURCE.search(text) or _author_in(text)
            ):
                # the date/source/author line under the headline
                if source is None and (m := _SOURCE.search(text)):
                    source = f"来源：{m['name']}"
                if author is None:
                    author = _author_in(text)
                continue
            if _BOILERPLATE.search(text) and len(key) <= 200:
                continue
            if key and para.links >= 0.6 * len(key):
                para.kind = "link"
            elif len(key) >= 12 or images or _SENTENCE_END.search(text):
                seen_content = True
            kept.append(para)
        # Link-only blocks count as article only when article text or the source line follows them
        # (a related-reports list the author put before the source); the rest is navigation.
        out: list[_Paragraph] = []
        pending: list[_Paragraph] = []
        for para in kept:
            if para.kind == "link":
                pending.append(para)
                continue
            out.extend(pending)
            pending = []
            out.append(para)
        # Trailing short lines without prose after the last real paragraph: labels, bylines.
        while out and out[-1].kind == "text" and not out[-1].images() and len(_compact(out[-1].text)) < 12 \
                and not _SENTENCE_END.search(out[-1].text):
            out.pop()
        # Headings left hanging at the end (a "相关报道" heading whose links were dropped).
        body = [p for p in out if p.kind != "source"]
        while body and body[-1].el is not None and body[-1].el.tag in ("h2", "h3", "h4", "h5", "h6", "strong") \
                and not body[-1].images():
            body.pop()
        return body, source, author

    # --- the field methods load_article calls ---------------------------------------------------
    def title(self) -> str | None:
        return self._title_info[0] or None

    @cached_property
    def _date(self) -> str | None:
        meta = self._head["meta"]
        for key in ("article:published_time", "og:article:published_time", "pubdate", "publishdate",
                    "publish_date", "datepublished", "og:published_time", "og:release_date", "date",
                    "dc.date.issued", "dc.date", "sailthru.date", "weibo:article:create_at"):
            value = meta.get(key)
            if value and (m := DATE.search(value)):
                return m.group(0).strip()
        body, order = self._tree
        for el in body.iter("time"):
            if (m := DATE.search(el.get("datetime") or "")) or (m := DATE.search(_text(el) or "")):
                return m.group(0).strip()
        title_el = self._title_info[1]
        title_pos = order.get(title_el, None) if title_el is not None else None
        best, best_score = None, None
        for el, pos in order.items():
            for text in (el.text, el.tail):
                if not text or len(text) > 200:
                    continue
                m = DATE.search(text)
                if not m:
                    continue
                value = m.group(0).strip()
                score = 0.0
                if _HAS_TIME.search(value):
                    score += 40
                if _DATE_LABEL.search(text):
                    score += 30
                if len(_compact(text)) <= 60:
                    score += 20
                if title_pos is not None:
                    distance = pos - title_pos
                    score -= abs(distance) * (0.5 if distance > 0 else 1.5)
                else:
                    score -= pos * 0.05
                if best_score is None or score > best_score:
                    best, best_score = value, score
        return best

    def published_raw(self) -> str | None:
        return self._date

    def published_at(self):
        return parse_date(self._date) if self._date else None

    def body(self) -> list[str]:
        if self.digest():
            return []
        return [p.html for p in self._body[0]]

    def body_text(self) -> list[str]:
        """Plain text of each body paragraph (what the benchmark scores)."""
        return [_norm(p.text) for p in self._body[0]]

    @cached_property
    def _byline(self) -> tuple[str | None, str | None]:
        """``来源：`` and ``作者：`` from the lines between the headline and the article text,
        where most templates put them (outside the text block the body comes from)."""
        title_el = self._title_info[1]
        containers = self._containers
        if title_el is None or not containers:
            return None, None
        order = self._tree[1]
        start, end = order.get(title_el, 0), order.get(containers[0], 0)
        if end <= start:
            end = start + 40
        source = author = None
        for el, pos in order.items():
            if not start <= pos <= end:
                continue
            for text in (el.text, el.tail):
                if not text or len(text) > 100:
                    continue
                if source is None and (m := _SOURCE.search(text)):
                    source = f"来源：{m['name']}"
                if author is None:
                    author = _author_in(text)
        return source, author

    def source_raw(self) -> str | None:
        """``来源：<name>``, whatever the page wrote (``（文章來源：X）``, ``稿源：X``…): the loader
        reads the simplified form only."""
        source = self._body[1] or self._byline[0]
        if source and (m := _SOURCE.search(source)):
            return f"来源：{m['name']}"
        meta = self._head["meta"]
        return meta.get("article:source") or meta.get("source") or None

    def author(self) -> str | None:
        return self._body[2] or self._byline[1] or self._head["meta"].get("author") or None

    def images(self) -> list[str]:
        return [urljoin(self.url, img.get("src")) for p in self._body[0] for img in p.images() if img.get("src")]

    def share_url(self) -> str | None:
        body = self._tree[0]
        for a in body.iter("a"):
            href = (a.get("href") or "").strip()
            if _SHARE_LINK.search(href) and "infoCode=" in href:
                return urljoin(self.url, href)
        return None

    def info_code(self) -> str | None:
        """The finews permalink's code, else one derived from the URL the article was asked for
        (``key_url``, default the page URL; see ``derive_info_code``). That URL, not the page's
        ``<link rel=canonical>``, so a spider knows the code before fetching and can skip
        articles it already has; ``load_article`` still prefers a share link's ``infoCode``."""
        info = post_link_info(self.url)
        return info["info_code"] if info else derive_info_code(canonical_url(self.key_url or self.url))

    def category(self) -> str | None:
        info = post_link_info(self.url)
        return info["category"] if info else None

    def tags(self) -> list[str]:
        return []

    @cached_property
    def _autolinks(self) -> list[str]:
        out = []
        for p in self._paragraphs:
            el = p.el
            if el is None or el.tag != "p" or len(el) != 1 or el[0].tag != "a" or (el.text or "").strip() \
                    or (el[0].tail or "").strip():
                continue
            href = (el[0].get("href") or "").strip()
            if href and _norm(_text(el[0])) == href:
                out.append(href)
        return out

    def article_url(self) -> str | None:
        for href in self._autolinks:
            if not _SHARE_LINK.search(href):
                return urljoin(self.url, href)
        return None

    def digest(self) -> str | None:
        """A teaser page: one plain paragraph and a bare link to the full article, nothing else
        (the finews digest posts; a generic page with this shape is the same kind of thing)."""
        paragraphs, source, _ = self._body
        if source or self.share_url() or len(paragraphs) != 1 or paragraphs[0].el is None or not self.article_url():
            return None
        return _norm(paragraphs[0].text)


# --- tree helpers ---------------------------------------------------------------------------------


def _linked(img) -> bool:
    parent = img.getparent()
    while parent is not None and parent.tag not in _BLOCK_TAGS:
        if parent.tag == "a":
            return True
        parent = parent.getparent()
    return False


def _link_chars(el) -> int:
    if el.tag == "a":
        return len(_compact(_text(el)))
    return sum(len(_compact(_text(a))) for a in el.iter("a"))


def _has_block_child(el) -> bool:
    return any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el)


def _emit(el, out: list, order: dict) -> None:
    """Append the paragraphs of ``el`` in document order: paragraph blocks whole, wrappers by
    their children, loose inline content split at ``<br>``."""
    if el.tag in _PARAGRAPH_TAGS or (el.tag == "img") or not _has_block_child(el) and not _has_br(el):
        text = _text(el) if el.tag != "img" else ""
        out.append(_Paragraph(el, None, text, _link_chars(el), order.get(el, 0)))
        return
    run: list = []
    run_pos = order.get(el, 0)

    def flush():
        nonlocal run
        text = "".join(n if isinstance(n, str) else _text(n) for n in run)
        if _compact(text) or any(not isinstance(n, str) and (n.tag == "img" or next(n.iter("img"), None) is not None) for n in run):
            links = sum(_link_chars(n) for n in run if not isinstance(n, str))
            if len(run) == 1 and not isinstance(run[0], str):
                out.append(_Paragraph(run[0], None, text, links, order.get(run[0], run_pos)))
            else:
                out.append(_Paragraph(None, list(run), text, links, run_pos))
        run = []

    if el.text:
        run.append(el.text)
    for child in el:
        if child.tag in ("br", "hr"):
            flush()
            run_pos = order.get(child, run_pos)
        elif child.tag in _BLOCK_TAGS or (child.tag in _WRAPPER_TAGS and _br_lines(child) >= 2):
            # (an inline <font>/<span> holding <br>-separated lines is a text block in disguise)
            flush()
            _emit(child, out, order)
            run_pos = order.get(child, run_pos)
        else:
            if not run:
                run_pos = order.get(child, run_pos)
            run.append(child)
        if child.tail:
            run.append(child.tail)
    flush()


def _author_in(text: str) -> str | None:
    m = _AUTHOR.search(text) or _REPORTER.search(text)
    return m["name"] if m else None


def _reads_like_prose(text: str) -> bool:
    return bool(_SENTENCE_END.search(text)) or len(re.findall(r"[，,]", text)) >= 2


def _br_lines(el) -> int:
    return sum(1 for c in el if c.tag == "br")


def _has_br(el) -> bool:
    return next(el.iter("br"), None) is not None and el.tag not in _PARAGRAPH_TAGS
