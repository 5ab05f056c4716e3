"""Fault injection over real HTTP: error statuses, stalls, resets, flapping, and hit counting.

Faults change the server, so these tests use their own server (never the session one) and clear
its faults after each test.
"""

import http.client
import socket
import time
import urllib.error

import pytest

from sandbox import SandboxServer

from .fetch import SHARE, get, get_json

FINEWS = "finews.withounder.com"
CATEGORY = "/category/kejiribao.html"
TEXT_API = "/NewsData/GetNewsText.do?id=NW202201112243997097"


@pytest.fixture(scope="module")
def server(corpus_dir):
    with SandboxServer(corpus_dir=corpus_dir, fault_delay=1.0) as server:
        yield server


@pytest.fixture
def faulty(server):
    server.reset_hits()
    server.fault_delay = 1.0
    yield server
    server.clear_faults()


def url(server, host, path):
    return server.mirrors()[host] + path


@pytest.mark.parametrize("kind, status", [("404", 404), ("500", 500), ("502", 502), ("503", 503)])
def test_status_faults(faulty, kind, status):
    faulty.add_fault(FINEWS, r"/category/kejiribao\.html", kind)
    got, headers, body = get(url(faulty, FINEWS, CATEGORY))
    assert got == status
    assert str(status).encode() in body and len(body) < 200
    assert int(headers["Content-Length"]) == len(body)
    # other pages and other hosts are untouched
    assert get(url(faulty, FINEWS, "/category/quanshangzhongguo.html"))[0] == 200
    assert get(url(faulty, FINEWS, "/"))[0] == 200


def test_faulted_requests_are_counted(faulty):
    faulty.add_fault(FINEWS, r"/category/", "503")
    for _ in range(3):
        get(url(faulty, FINEWS, CATEGORY))
    assert faulty.hits(FINEWS, CATEGORY) == 3


def test_times_makes_it_flap(faulty):
    fault = faulty.add_fault(SHARE, r"/NewsData/GetNewsText\.do", "503", times=2)
    statuses = [get(url(faulty, SHARE, TEXT_API))[0] for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    assert fault.fired == 2
    assert faulty.hits(SHARE, "/NewsData/GetNewsText.do") == 4
    assert "content" in get_json(url(faulty, SHARE, TEXT_API))


def test_regex_sees_the_query(faulty):
    faulty.add_fault(SHARE, r"/NewsData/GetNewsText\.do\?id=NW202201112243997097$", "500")
    assert get(url(faulty, SHARE, TEXT_API))[0] == 500
    assert get(url(faulty, SHARE, "/NewsData/GetNewsText.do?id=NW202202112274017262"))[0] == 200


def test_any_host_and_clear(faulty):
    faulty.add_fault(None, r"/", "502")
    assert get(url(faulty, FINEWS, "/"))[0] == 502
    assert get(url(faulty, "finance.eastmoney.com", "/a/202201112243997097.html"))[0] == 502
    faulty.clear_faults()
    assert get(url(faulty, FINEWS, "/"))[0] == 200


def test_timeout_with_a_short_client_timeout(faulty):
    faulty.add_fault(FINEWS, r"/category/", "timeout")
    start = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        get(url(faulty, FINEWS, CATEGORY), timeout=0.3)
    assert time.monotonic() - start < 0.9
    assert faulty.hits(FINEWS, CATEGORY) == 1


def test_timeout_answers_normally_after_the_delay(faulty):
    faulty.fault_delay = 0.4
    faulty.add_fault(FINEWS, r"/category/", "timeout", times=1)
    start = time.monotonic()
    status, _, body = get(url(faulty, FINEWS, CATEGORY), timeout=5)
    assert status == 200 and "科技日报新闻".encode() in body
    assert time.monotonic() - start >= 0.4
    start = time.monotonic()
    assert get(url(faulty, FINEWS, CATEGORY), timeout=5)[0] == 200
    assert time.monotonic() - start < 0.4


def test_reset_drops_the_connection(faulty):
    faulty.add_fault(FINEWS, r"/feed\.xml", "reset", times=1)
    conn = http.client.HTTPConnection(faulty.host, faulty.port, timeout=5)
    try:
        conn.request("GET", f"/{FINEWS}/feed.xml")
        with pytest.raises(ConnectionError):
            conn.getresponse()
    finally:
        conn.close()
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        faulty.add_fault(FINEWS, r"/feed\.xml", "reset", times=1)
        get(url(faulty, FINEWS, "/feed.xml"))
    assert get(url(faulty, FINEWS, "/feed.xml"))[0] == 200
    assert faulty.hits(FINEWS, "/feed.xml") == 3


def test_unknown_kind_is_refused(faulty):
    with pytest.raises(ValueError):
        faulty.add_fault(FINEWS, r"/", "teapot")


def test_stop_does_not_wait_for_a_stalled_request(corpus_dir):
    server = SandboxServer(corpus_dir=corpus_dir, fault_delay=30).start()
    server.add_fault(None, r"/", "timeout")
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        get(url(server, FINEWS, "/"), timeout=0.2)
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 5
