"""What Scrapy's per-call ``WARN_ON_GENERATOR_RETURN_VALUE`` check would say, said once here.

The setting is off (crawler/settings.py: it re-parses a callback's source on every response), so
this test is where a generator callback that ``return``s a value (whose value Scrapy would
silently drop) gets caught.
"""

import inspect

from scrapy.utils.misc import is_generator_with_return_value, load_object
from scrapy.utils.project import get_project_settings

import crawler.settings as project_settings
from crawler.spiders.base import ArticleSpider


def spider_classes():
    settings = get_project_settings()
    loader = load_object(settings["SPIDER_LOADER_CLASS"]).from_settings(settings)  # the registry's outlets too
    return {name: loader.load(name) for name in loader.list()}


def test_the_check_is_what_the_setting_turns_off():
    assert project_settings.WARN_ON_GENERATOR_RETURN_VALUE is False


def test_the_check_catches_a_generator_returning_a_value():
    class Bad(ArticleSpider):
        name = "bad"

        def parse(self, response):
            yield {"a": 1}
            return "lost"

    assert is_generator_with_return_value(Bad.parse)


def test_no_spider_callback_is_a_generator_returning_a_value():
    classes = spider_classes()
    assert "kejiribao" in classes and "finews" in classes and "share" in classes
    checked = 0
    for name, cls in classes.items():
        for attr, member in inspect.getmembers(cls, inspect.isfunction):
            if inspect.isgeneratorfunction(member):
                checked += 1
                assert not is_generator_with_return_value(member), f"{name}.{attr} returns a value from a generator"
    assert checked >= 10
