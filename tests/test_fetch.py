"""Fetching one web page: the limits, the reasons given, and duplicates by address or text.

Everything runs against a real HTTP server on 127.0.0.1 (tests/local_web.py); the store is
a real SQLite and PostgreSQL database (tests/conftest.py). Where a test needs a host on the
internet, a fake network (name answers and one routed address) stands in front of the real
sockets.
"""

from __future__ import annotations

import html
import json
import socket
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.pipeline.actors import Registry
from bot.pipeline.ingest import Ingestor
from bot.pipeline.load import MAX_ARTICLE_BYTES
from bot.sources.fetch import USER_AGENT, Fetcher, FetchError, host_is_public
from bot.sources.pages import ingest_url
from bot.sources.urls import InvalidUrl, normalise_url
from storage.models import Article
from tests.helpers import SEEDS
from tests.local_web import LocalWeb, web

__all__ = ["web"]


def seed_text(number: int) -> str:
    return sorted(SEEDS.glob("*.txt"))[number].read_text(encoding="utf-8")


def article_page(title: str, text: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.splitlines() if p.strip())
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>{paragraphs}</article>"
        f"<footer>© 2025 The Example Times</footer></body></html>"
    )


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(timeout=1.0) as client:
        yield client


# --- addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("HTTPS://News.Example.COM:443/World/Story/", "https://news.example.com/World/Story"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com/a?b=2&a=1#comments", "https://example.com/a?a=1&b=2"),
        (
            "https://example.com/a?utm_source=rss&utm_medium=feed&id=7&fbclid=XYZ&gclid=1",
            "https://example.com/a?id=7",
        ),
        ("https://user:pw@example.com./a/", "https://example.com/a"),
        ("https://example.com/?", "https://example.com/"),
    ],
)
def test_addresses_are_normalised_to_one_spelling(given: str, normal: str) -> None:
    assert normalise_url(given) == normal


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("ftp://example.com/file", "only http:// and https://"),
        ("javascript:alert(1)", "only http:// and https://"),
        ("https:///no-host", "no host name"),
        ("http://example.com:99999/", "not a valid web address"),
        ("https://example.com/" + "a" * 3000, "longer than 2048 bytes"),
    ],
)
def test_addresses_that_cannot_be_fetched_are_refused_with_a_reason(
    given: str, reason: str
) -> None:
    with pytest.raises(InvalidUrl, match=reason):
        normalise_url(given)


# --- the fetcher --------------------------------------------------------------------------


def test_a_page_is_fetched_with_our_user_agent_and_its_declared_charset_honoured(
    web: LocalWeb, fetcher: Fetcher
) -> None:
    url = web.add(
        "/kyiv",
        body="<html><body><p>Київ і Зеленський</p></body></html>".encode("cp1251"),
        content_type="text/html; charset=windows-1251",
    )
    content, name = fetcher.get(url).page()
    assert "Київ і Зеленський" in content.decode("utf-8")
    assert name.endswith(".html")
    assert web.hits("/kyiv")[0].headers["user-agent"] == USER_AGENT


@pytest.mark.parametrize(
    ("content_type", "meta"),
    [
        ("text/html", '<meta charset="windows-1251">'),
        (None, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'),
    ],
)
def test_a_charset_declared_only_in_the_page_is_honoured(
    web: LocalWeb, fetcher: Fetcher, content_type: str | None, meta: str
) -> None:
    page = f"<html><head>{meta}</head><body><p>Київ і Зеленський</p></body></html>"
    url = web.add("/meta", body=page.encode("cp1251"), content_type=content_type)
    content, _name = fetcher.get(url).page()
    assert "Київ і Зеленський" in content.decode("utf-8")


@pytest.mark.parametrize(
    ("route", "reason", "transient"),
    [
        ({"status": 404, "body": b"gone"}, "HTTP 404 Not Found", False),
        ({"status": 500, "body": b"oops"}, "HTTP 500 Internal Server Error", True),
        ({"status": 429, "body": b"slow down"}, "HTTP 429 Too Many Requests", True),
        ({"delay": 2.5, "body": b"late"}, "timed out after 1 s", True),
        ({"body": b"x" * (MAX_ARTICLE_BYTES + 1)}, "too large", False),
        ({"body": b"x" * (MAX_ARTICLE_BYTES + 1), "chunked": True}, "too large", False),
    ],
    ids=["404", "500", "429", "slow", "huge", "huge-chunked"],
)
def test_each_fault_is_reported_with_a_reason_and_whether_to_try_again(
    web: LocalWeb, fetcher: Fetcher, route: dict, reason: str, transient: bool
) -> None:
    url = web.add("/fault", **route)
    with pytest.raises(FetchError) as caught:
        fetcher.get(url)
    assert reason in caught.value.reason
    assert caught.value.transient is transient


def test_a_non_html_page_is_not_taken_for_an_article(web: LocalWeb, fetcher: Fetcher) -> None:
    url = web.add("/report.pdf", body=b"%PDF-1.7 ...", content_type="application/pdf")
    with pytest.raises(FetchError, match=r"not an article page \(content type application/pdf\)"):
        fetcher.get(url).page()


def test_redirects_are_followed_but_only_a_few_and_only_to_web_addresses(
    web: LocalWeb, fetcher: Fetcher
) -> None:
    web.add("/final", body=b"<html><body><p>here</p></body></html>")
    web.add("/moved", status=301, headers={"Location": "/final"})
    assert fetcher.get(web.url("/moved")).url == web.url("/final")
    web.add("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError, match="too many redirects"):
        fetcher.get(web.url("/loop"))
    assert len(web.hits("/loop")) == 6  # the first request and five redirects
    web.add("/elsewhere", status=302, headers={"Location": "ftp://127.0.0.1/file"})
    with pytest.raises(FetchError, match="not http or https"):
        fetcher.get(web.url("/elsewhere"))


@pytest.mark.parametrize(
    ("host", "public"),
    [
        ("127.0.0.1", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("192.168.0.10", False),
        ("169.254.169.254", False),  # cloud metadata
        ("fd00::1", False),
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("", False),
    ],
)
def test_private_and_local_addresses_are_told_from_public_ones(host: str, public: bool) -> None:
    assert host_is_public(host) is public


def test_a_public_only_fetch_refuses_a_local_address_without_connecting(
    web: LocalWeb, fetcher: Fetcher
) -> None:
    url = web.add("/internal", body=b"<html><body><p>secret</p></body></html>")
    with pytest.raises(FetchError, match=r"^refused: 127\.0\.0\.1 is a private or local address$"):
        fetcher.get(url, public_only=True)
    assert web.hits("/internal") == []
    assert fetcher.get(url).status == 200  # the operator's own addresses stay reachable


PUBLIC_ADDRESS = "93.184.215.14"  # a global address; the fake network routes it to a local server


class FakeNetwork:
    """Name answers and routing under the test's control, over the real sockets.

    ``answers[name]`` is one answer per lookup of ``name`` (the last one repeats); other names
    and address literals resolve as usual. A connection to PUBLIC_ADDRESS reaches ``site``, a
    local server standing in for a host on the internet, so nothing leaves the machine.
    """

    def __init__(self, site: LocalWeb, monkeypatch: pytest.MonkeyPatch) -> None:
        self.site = site
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: Counter[str] = Counter()
        resolve, connect = socket.getaddrinfo, socket.create_connection
        site_port = urlsplit(site.base).port

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
            answers = self.answers.get(host)
            if answers is None:
                return resolve(host, port, *args, **kwargs)
            answer = answers[min(self.lookups[host], len(answers) - 1)]
            self.lookups[host] += 1
            return [found for ip in answer for found in resolve(ip, port, *args, **kwargs)]

        def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
            host, port = address
            ip = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4][0]
            if ip == PUBLIC_ADDRESS:
                ip, port = "127.0.0.1", site_port
            return connect((ip, port), *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket, "create_connection", create_connection)


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeNetwork]:
    with LocalWeb() as site:
        yield FakeNetwork(site, monkeypatch)


@pytest.mark.parametrize("redirected", [False, True], ids=["first-request", "after-redirect"])
def test_a_public_only_fetch_connects_to_the_address_it_checked_not_to_a_later_answer(
    web: LocalWeb, fetcher: Fetcher, network: FakeNetwork, redirected: bool
) -> None:
    # DNS rebinding: the name answers a public address once, the operator's own ever after.
    network.answers["rebind.test"] = [[PUBLIC_ADDRESS], ["127.0.0.1"]]
    web.add("/admin", body=b"<html><body><p>internal</p></body></html>")
    network.site.add("/admin", body=b"<html><body><p>public</p></body></html>")
    url = f"http://rebind.test:{urlsplit(web.base).port}/admin"
    if redirected:
        network.answers["news.test"] = [[PUBLIC_ADDRESS]]
        network.site.add("/moved", status=302, headers={"Location": url})
        url = "http://news.test/moved"
    response = fetcher.get(url, public_only=True)
    assert web.hits("/admin") == []
    assert b"public" in response.content
    assert network.lookups["rebind.test"] == 1


@pytest.mark.parametrize("redirected", [False, True], ids=["mixed-answer", "redirect-to-local"])
def test_a_public_only_fetch_refuses_any_private_or_local_address_without_connecting(
    web: LocalWeb, fetcher: Fetcher, network: FakeNetwork, redirected: bool
) -> None:
    internal = web.add("/admin", body=b"<html><body><p>internal</p></body></html>")
    network.answers["news.test"] = [[PUBLIC_ADDRESS]]
    network.answers["mixed.test"] = [[PUBLIC_ADDRESS, "127.0.0.1"]]
    if redirected:
        network.site.add("/moved", status=302, headers={"Location": internal})
        url, refused = "http://news.test/moved", r"127\.0\.0\.1"
    else:
        url, refused = f"http://mixed.test:{urlsplit(web.base).port}/admin", r"mixed\.test"
    with pytest.raises(FetchError, match=rf"^refused: {refused} is a private or local address$"):
        fetcher.get(url, public_only=True)
    assert web.hits("/admin") == []


def test_a_closed_port_is_a_connection_failure_worth_retrying(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="cannot connect") as caught:
        fetcher.get("http://127.0.0.1:9/nothing-listens-here")
    assert caught.value.transient


# --- storing pages ------------------------------------------------------------------------


def test_a_page_is_stored_with_its_headline_and_address_and_never_fetched_twice(
    web: LocalWeb, fetcher: Fetcher, sessions: sessionmaker[Session], registry: Registry
) -> None:
    web.add("/world/talks", body=article_page("Talks resume in Geneva", seed_text(1)).encode())
    ingestor = Ingestor(sessions, registry)
    first = ingest_url(ingestor, fetcher, web.url("/world/talks?utm_source=x"))
    assert (first.status, first.title) == ("added", "Talks resume in Geneva")
    again = ingest_url(ingestor, fetcher, web.url("/world/talks/#top"))
    assert again.status == "duplicate" and again.article_id == first.article_id
    assert again.reason == f"already stored from {web.url('/world/talks?utm_source=x')}"
    assert len(web.hits("/world/talks")) == 1  # the second address was known, not fetched
    with sessions.begin() as session:
        stored = session.scalars(select(Article)).one()
        assert stored.url == web.url("/world/talks")
        assert "Home | World" not in stored.text and "© 2025" not in stored.text


def test_the_same_article_at_another_address_is_a_duplicate_by_its_text(
    web: LocalWeb, fetcher: Fetcher, sessions: sessionmaker[Session], registry: Registry
) -> None:
    page = article_page("Security guarantees", seed_text(0))
    web.add("/a", body=page.encode())
    web.add("/b", body=page.replace("The Example Times", "A Syndicating Site").encode())
    web.add("/c", body=page.encode())
    ingestor = Ingestor(sessions, registry)
    assert ingest_url(ingestor, fetcher, web.url("/a")).status == "added"
    reworded = ingest_url(ingestor, fetcher, web.url("/b"))
    assert (reworded.status, reworded.reason) == ("duplicate", f"same text as {web.url('/a')}")
    identical = ingest_url(ingestor, fetcher, web.url("/c"))
    assert (identical.status, identical.reason) == (
        "duplicate",
        f"already stored from {web.url('/a')}",
    )


def test_a_page_without_article_text_is_rejected_and_nothing_is_stored(
    web: LocalWeb, fetcher: Fetcher, sessions: sessionmaker[Session], registry: Registry
) -> None:
    web.add("/empty", body=b"<html><body><nav>Home</nav></body></html>")
    result = ingest_url(Ingestor(sessions, registry), fetcher, web.url("/empty"))
    assert result.status == "rejected" and "no article text" in (result.reason or "")
    with sessions.begin() as session:
        assert session.scalars(select(Article)).first() is None


def test_a_feed_entry_keeps_its_own_headline_and_date(
    web: LocalWeb, fetcher: Fetcher, sessions: sessionmaker[Session], registry: Registry
) -> None:
    web.add("/story", body=article_page("Page headline | Example Times", seed_text(2)).encode())
    published = datetime(2025, 3, 4, 5, 6, tzinfo=UTC)
    result = ingest_url(
        Ingestor(sessions, registry),
        fetcher,
        web.url("/story"),
        headline="The feed's headline",
        published=published,
    )
    assert (result.status, result.title) == ("added", "The feed's headline")
    with sessions.begin() as session:
        assert session.scalars(select(Article.published_at)).one() == published


# --- the command --------------------------------------------------------------------------


def test_briefbot_ingest_takes_web_addresses_and_says_what_happened_to_each(
    web: LocalWeb,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    story = web.add("/story", body=article_page("Talks resume in Geneva", seed_text(3)).encode())
    missing = web.url("/missing")
    assert main(["ingest", story, missing, "ftp://example.com/x"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{story}: stored “Talks resume in Geneva”",
        "Ingested 3 file(s): 1 added, 0 already stored, 2 rejected.",
    ]
    assert captured.err.splitlines() == [
        f"rejected {missing}: HTTP 404 Not Found",
        "rejected ftp://example.com/x: only http:// and https:// addresses can be fetched",
    ]
    assert main(["ingest", "--json", story + "?utm_campaign=x"]) == 0
    [result] = json.loads(capsys.readouterr().out)["files"]
    assert (result["status"], result["reason"]) == ("duplicate", f"already stored from {story}")
    assert len(web.hits("/story")) == 1
