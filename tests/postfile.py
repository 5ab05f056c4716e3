"""Read a Jekyll post file the way a person reads it, independently of the crawler's own code.

Expectations in the tests come from the real corpus files through this module; the crawler's
output is read through it too, so both sides are compared as *content*: front-matter values,
visible paragraph text, and the source, share and return-link lines. It uses BeautifulSoup (the
crawler uses lxml/parsel), so a shared bug cannot make both sides agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from bs4 import BeautifulSoup, Comment

HIDDEN = re.compile(r"display\s*:\s*none", re.I)
BLOCKS = ["p", "center", "h1", "h2", "h3", "h4", "h5", "h6", "div", "blockquote", "li"]


@dataclass
class PostFile:
    path: Path
    front_matter: dict
    front_matter_text: str
    body: str  # everything between the front matter and the footer lines
    source_line: str | None = None
    share_line: str | None = None
    link_line: str | None = None  # a bare <url> line that is not a share link (digest posts)
    return_line: str | None = None
    lines: list = field(default_factory=list)

    @property
    def paragraphs(self) -> list[str]:
        return visible_paragraphs(self.body)


def read_post(path) -> PostFile:
    text = Path(path).read_text("utf-8")
    m = re.match(r"---\n(.*?)\n---\n(.*)\Z", text, re.S)
    assert m, f"{path}: no front matter"
    fm_text, rest = m.groups()
    post = PostFile(Path(path), yaml.safe_load(fm_text), fm_text, "")
    body_lines = []
    for line in rest.split("\n"):
        stripped = line.strip()
        if re.fullmatch(r"<https?://[^>]+>", stripped):
            if "NewsShare.html" in stripped:
                post.share_line = stripped
            else:
                post.link_line = stripped
        elif stripped.startswith("[返回"):
            post.return_line = stripped if post.return_line is None else post.return_line + "\n" + stripped
        else:
            body_lines.append(line)
    body = "\n".join(body_lines)
    source = re.search(r'<p class="em_media">[^<]*</p>', body)
    if source:
        post.source_line = source.group(0)
        body = body.replace(source.group(0), "")
    post.body = body
    return post


def visible_soup(html: str) -> BeautifulSoup:
    """The body with what a reader never sees removed: stock widgets and hidden blocks."""
    soup = BeautifulSoup(html, "html.parser")
    # Stock widgets: everything between <!-- EM_StockImg_Start --> and <!-- EM_StockImg_End -->.
    for start in soup.find_all(string=lambda s: isinstance(s, Comment) and "EM_StockImg_Start" in s):
        node = start.next_sibling
        while node is not None and not (isinstance(node, Comment) and "EM_StockImg_End" in node):
            following = node.next_sibling
            node.extract()
            node = following
    for el in soup.find_all(style=HIDDEN):
        el.decompose()
    return soup


def visible_paragraphs(html: str) -> list[str]:
    """Text of each visible block, in order: no hidden blocks, no stock-chart widgets, no empties."""
    soup = visible_soup(html)
    texts = []
    top = [el for el in soup.find_all(BLOCKS) if el.find_parent(BLOCKS) is None]
    loose = "".join(s for s in soup.find_all(string=True, recursive=False) if not isinstance(s, Comment)).strip()
    if loose:  # a digest post: plain Markdown text, no HTML blocks
        texts.extend(" ".join(t.split()) for t in loose.split("\n\n") if t.strip())
    for el in top:
        text = " ".join(el.get_text().replace("\u3000", " ").split())
        if text or el.find("img"):
            texts.append(text)
    return texts


def images(html: str) -> list[str]:
    """Content images a reader sees, in order."""
    return [img["src"] for img in visible_soup(html).find_all("img")]
