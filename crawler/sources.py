"""The outlet registry (``sources.yaml``) and its loader.

Outlets are data, not code, so that operators add one by editing a single commented YAML file;
spider classes are generated from what ``load_sources`` returns. Because that file is edited by
hand and a slug ends up in spider names and in the live site's URLs, everything is checked on
load and a mistake stops the crawler with one line that says where it is and how to fix it,
instead of crawling the wrong pages or writing posts under a wrong category.
"""

from __future__ import annotations

import functools
import re
import types
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import yaml

#: A slug is a file name on the site and a spider name: no path separators, no leading dot
#: (hidden files, ``..``), no spaces or control characters.
SLUG_PATTERN = re.compile(r"^(?!\.)[\w·()（）.\-]{1,100}$")

DEFAULT_PATH = Path(__file__).with_name("sources.yaml")
DEFAULT_SITE = "https://finews.withounder.com"
TAG_SUFFIX = "新闻"

OUTLET_KEYS = ("name", "slug", "tag", "listings", "aliases", "selectors")
DEFAULT_KEYS = ("site",)
TOP_KEYS = ("defaults", "outlets")

# Jekyll's URL.escape_path keeps RFC 3986 sub-delimiters, so the live site's category links do.
_URL_SAFE = "!$&'()*+,;=:@"
_FULLWIDTH_BRACKETS = str.maketrans({"（": "(", "）": ")"})


class SourcesError(ValueError):
    """A broken registry file; ``str()`` is the single line shown to the operator."""


@dataclass(frozen=True)
class Source:
    """One media outlet: what to crawl and how its posts are filed."""

    name: str
    slug: str
    tag: str
    listings: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    # A read-only mapping cannot be hashed; leaving it out of the hash keeps Source usable in sets.
    selectors: Mapping[str, str] = field(default_factory=lambda: types.MappingProxyType({}), hash=False)

    @property
    def media_names(self) -> tuple[str, ...]:
        """Every spelling of the outlet in a （文章来源：X） line."""
        return (self.name, *self.aliases)


def slugify(name: str) -> str:
    """The category slug the live site derives from a media name.

    Matches the site's existing file names (``21财经`` → ``21caijing``, ``Wind资讯`` →
    ``Windzixun``): only Chinese characters become pinyin, everything else stays as written.
    """
    # Imported here: loading the pinyin dictionaries costs ~0.2 s, and only unslugged entries need it.
    from pypinyin import Style, lazy_pinyin

    text = "".join(str(name).split()).translate(_FULLWIDTH_BRACKETS)
    return "".join(lazy_pinyin(text, style=Style.NORMAL, errors="default"))


def category_url(slug: str, site: str = DEFAULT_SITE) -> str:
    """The listing page of a category, percent-encoded the way the live site links it."""
    return f"{site.rstrip('/')}/category/{quote(slug, safe=_URL_SAFE)}.html"


def load_sources(path: str | Path | None = None) -> tuple[Source, ...]:
    """The validated outlets of ``path`` (default: the packaged ``sources.yaml``).

    Re-reads the file only when it changed, so calling this from every spider is cheap.
    """
    if path is None:
        return _load_packaged()
    path = Path(path)
    try:
        resolved = path.resolve()
        stat = resolved.stat()
    except OSError as exc:
        raise SourcesError(f"{path}: cannot read the outlet registry ({exc.strerror or exc}); check the path") from None
    return _load_cached(str(resolved), stat.st_mtime_ns, stat.st_size)


def by_slug(sources: Iterable[Source], slug: str) -> Source | None:
    slug = slug.strip()
    return next((s for s in sources if s.slug == slug), None)


def by_media_name(sources: Iterable[Source], name: str) -> Source | None:
    """The outlet a source line names; exact, so that e公司 never matches 证券时报·e公司."""
    name = name.strip()
    return next((s for s in sources if name in s.media_names), None)


# ── loading ─────────────────────────────────────────────────────────────────────────────────────


@functools.lru_cache(maxsize=1)
def _load_packaged() -> tuple[Source, ...]:
    """The registry shipped in the package, read through importlib.resources so it also loads
    from a zipped egg (Scrapyd), where it is no file on disk."""
    import importlib.resources

    text = importlib.resources.files("crawler").joinpath("sources.yaml").read_text(encoding="utf-8")
    return _parse(text, str(DEFAULT_PATH))


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int) -> tuple[Source, ...]:
    # mtime and size are only part of the cache key: an edited file is a new key.
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: cannot read the outlet registry ({exc}); save it as UTF-8 text") from None
    return _parse(text, path)


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice, which plain YAML loading silently resolves
    to the last value (an operator's second ``slug:`` line would win unnoticed)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, str):
                if key in seen:
                    raise _DuplicateKey(key, key_node.start_mark.line + 1)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _DuplicateKey(Exception):
    def __init__(self, key, line):
        super().__init__(key, line)
        self.key, self.line = key, line


def _parse(text: str, where: str) -> tuple[Source, ...]:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except _DuplicateKey as exc:
        raise SourcesError(f"{where}:{exc.line}: key {exc.key!r} is given twice; keep only one") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SourcesError(f"{where}{line}: not valid YAML ({problem}); check indentation and quoting") from None
    finally:
        loader.dispose()

    if not isinstance(data, dict):
        raise SourcesError(f"{where}: expected a mapping with 'defaults' and 'outlets' at the top level")
    _check_keys(data, TOP_KEYS, f"{where}: top level")

    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise SourcesError(f"{where}: 'defaults' must be a mapping like {{site: {DEFAULT_SITE}}}")
    _check_keys(defaults, DEFAULT_KEYS, f"{where}: defaults")
    site = defaults.get("site", DEFAULT_SITE)
    if not _is_http_url(site):
        raise SourcesError(f"{where}: defaults.site {site!r} is not an http(s) URL; write it like {DEFAULT_SITE}")
    site = site.rstrip("/")

    outlets = data.get("outlets")
    if not isinstance(outlets, list) or not outlets:
        raise SourcesError(f"{where}: 'outlets' must be a non-empty list of entries like '- name: 科技日报'")
    item_lines = _item_lines(root)

    sources: list[Source] = []
    slug_owner: dict[str, str] = {}
    name_owner: dict[str, str] = {}
    for index, entry in enumerate(outlets):
        line = item_lines[index] if index < len(item_lines) else None
        at = f"{where}:{line}" if line else where
        label = f"{at}: outlet #{index + 1}"
        source = _build(entry, label, site)
        label = f"{label} ({source.name})"
        if source.slug in slug_owner:
            raise SourcesError(
                f"{label}: slug {source.slug!r} is already used by {slug_owner[source.slug]}; "
                "give one of them a different slug"
            )
        slug_owner[source.slug] = f"outlet #{index + 1} ({source.name})"
        for media in source.media_names:
            if media in name_owner:
                raise SourcesError(
                    f"{label}: media name {media!r} already belongs to {name_owner[media]}; "
                    "a source line must map to one outlet, so remove it from one of them"
                )
            name_owner[media] = f"outlet #{index + 1} ({source.name})"
        sources.append(source)
    return tuple(sources)


def _build(entry, label: str, site: str) -> Source:
    if not isinstance(entry, dict):
        raise SourcesError(f"{label}: expected a mapping like '- name: 科技日报', got {type(entry).__name__}")
    name = entry.get("name")
    if isinstance(name, str) and name.strip():
        name = name.strip()
        if _one_line(name):
            label = f"{label} ({name})"
    # Unknown keys first: a misspelt 'name' is better reported as the typo than as a missing name.
    _check_keys(entry, OUTLET_KEYS, label)
    if name is None or (isinstance(name, str) and not name.strip()):
        raise SourcesError(f"{label}: missing 'name'; add the media name as in its （文章来源：X） line")
    if not isinstance(name, str) or not _one_line(name):
        raise SourcesError(f"{label}: name {name!r} must be one line of text; put it in quotes")

    slug = entry.get("slug")
    if slug is None:
        slug = slugify(name)
        if not SLUG_PATTERN.fullmatch(slug):
            raise SourcesError(
                f"{label}: the slug generated from the name, {slug!r}, is not a safe category slug; "
                "add an explicit 'slug:' (letters, digits, _ · ( ) . -, not starting with a dot)"
            )
    elif not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        raise SourcesError(
            f"{label}: slug {slug!r} is not a safe category slug; use 1-100 letters, digits, _ · ( ) （ ） . -, "
            "not starting with a dot, no spaces or slashes"
        )

    tag = entry.get("tag")
    if tag is None:
        tag = name + TAG_SUFFIX
    elif not isinstance(tag, str) or not tag.strip() or not _one_line(tag):
        raise SourcesError(f"{label}: tag {tag!r} must be one line of text; remove it to use {name + TAG_SUFFIX!r}")
    tag = tag.strip()

    listings = entry.get("listings")
    if listings is None or listings == []:
        listings = [category_url(slug, site)]
    elif not isinstance(listings, list):
        raise SourcesError(f"{label}: listings must be a list of URLs like [{category_url(slug, site)}]")
    for url in listings:
        if not _is_http_url(url):
            raise SourcesError(
                f"{label}: listing {url!r} is not an http(s) URL; write a full URL like {category_url(slug, site)}"
            )

    aliases = entry.get("aliases")
    if aliases is None:
        aliases = []
    elif not isinstance(aliases, list):
        raise SourcesError(f"{label}: aliases must be a list of media names like [中证报]")
    clean_aliases: list[str] = []
    for alias in aliases:
        if not isinstance(alias, str) or not alias.strip() or not _one_line(alias):
            raise SourcesError(f"{label}: alias {alias!r} must be a non-empty media name; quote it or remove it")
        alias = alias.strip()
        if alias == name or alias in clean_aliases:
            raise SourcesError(f"{label}: alias {alias!r} is given twice; remove the repeat")
        clean_aliases.append(alias)

    selectors = entry.get("selectors")
    if selectors is None:
        selectors = {}
    if not isinstance(selectors, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in selectors.items()
    ):
        raise SourcesError(
            f"{label}: selectors must map attribute names to text, like {{title_xpath: \".//h1\"}}; "
            f"got {selectors!r}"
        )

    return Source(
        name=name,
        slug=slug,
        tag=tag,
        listings=tuple(u.strip() for u in listings),
        aliases=tuple(clean_aliases),
        selectors=types.MappingProxyType(dict(selectors)),
    )


def _check_keys(mapping: dict, known: tuple[str, ...], label: str) -> None:
    unknown = [k for k in mapping if k not in known]
    if unknown:
        raise SourcesError(
            f"{label}: unknown key {unknown[0]!r}; known keys are {', '.join(known)} (fix the spelling or remove it)"
        )


def _one_line(text: str) -> bool:
    # Names and tags end up in one-line messages, front matter and file names: no control
    # characters or line breaks (an ideographic space is fine, so str.isprintable is too strict).
    return not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text)


def _is_http_url(value) -> bool:
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _item_lines(root) -> list[int]:
    """1-based line of each ``outlets`` entry, so errors point at the line to edit."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key_node, value_node in root.value:
        if getattr(key_node, "value", None) == "outlets" and isinstance(value_node, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value_node.value]
    return []
