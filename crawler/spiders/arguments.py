"""Typed, validated spider arguments (``-a name=value``), in the style of zyte-spider-templates.

Each spider declares a pydantic model; unknown or malformed arguments fail before any request is
made, with one line that names the argument and what would be valid. Arguments starting with an
underscore are left to the runner (Scrapyd passes ``_job``).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pydantic


class SpiderArgumentError(ValueError):
    """Bad ``-a`` arguments; ``str()`` is the one-line message shown to the operator."""


class SpiderArguments(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


def parse_arguments(model: type[SpiderArguments], spider_name: str, kwargs: dict) -> SpiderArguments:
    given = {k: v for k, v in kwargs.items() if not k.startswith("_")}
    try:
        return model(**given)
    except pydantic.ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "arguments"
            if err["type"] == "extra_forbidden":
                known = ", ".join(model.model_fields) or "none"
                problems.append(f"unknown argument -a {name} (known: {known})")
            else:
                msg = err["msg"].removeprefix("Value error, ")
                problems.append(f"-a {name}: {msg}")
        raise SpiderArgumentError(f"spider {spider_name}: " + "; ".join(problems)) from None


def read_links(urls: str | None, file: str | None) -> tuple[str, ...]:
    links = [u.strip() for u in (urls or "").split(",") if u.strip()]
    if file:
        path = Path(file)
        if not path.is_file():
            raise ValueError(f"{file!r} is not a readable file (one link per line)")
        links += [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip() and not line.startswith("#")]
    return tuple(dict.fromkeys(links))


class LinkArguments(SpiderArguments):
    """Links to crawl, given as ``-a urls=<link>[,<link>…]`` or ``-a file=<path>`` (one per line).

    A spider narrows what a link must be with ``link_ok`` and names it in ``link_kind`` for the
    error, which lists the first few links that are not.
    """

    urls: str | None = None
    file: str | None = None
    link_kind: ClassVar[str] = "a link"

    @classmethod
    def link_ok(cls, url: str) -> bool:
        return True

    @pydantic.model_validator(mode="after")
    def _valid_links(self):
        links = read_links(self.urls, self.file)
        if not links:
            raise ValueError("give links with -a urls=<link>[,<link>…] or -a file=<path, one per line>")
        bad = [u for u in links if not self.link_ok(u)]
        if bad:
            raise ValueError(f"not {self.link_kind}: {', '.join(bad[:3])}")
        return self

    @property
    def links(self) -> tuple[str, ...]:
        return read_links(self.urls, self.file)
