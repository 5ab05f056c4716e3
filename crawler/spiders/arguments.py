"""Typed, validated spider arguments (``-a name=value``), in the style of zyte-spider-templates.

Each spider declares a pydantic model; unknown or malformed arguments fail before any request is
made, with one line that names the argument and what would be valid. Arguments starting with an
underscore are left to the runner (Scrapyd passes ``_job``).
"""

from __future__ import annotations

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
