"""HTTP(S) GET with the limits a news reader needs: a time budget, a size cap (the article
limit of ``bot.pipeline.load``), a bounded number of redirects, conditional requests, and
a one-line reason for every failure.

Nothing else is ever downloaded: one call, one address (plus its redirects).

A public-only fetch (an address from third-party content) connects only to global
addresses, and only to the very addresses it checked: the name is resolved once, when
connecting, so a second DNS answer (rebinding to 127.0.0.1 or a cloud metadata address)
is never the one used. TLS still verifies the certificate against the name.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from typing import Any

import httpcore
import httpx

from bot.pipeline.load import MAX_ARTICLE_BYTES
from bot.sources.urls import InvalidUrl, check_url

USER_AGENT = "briefbot/0.1 (news briefings; +https://github.com/briefbot)"
TIMEOUT = 20.0  # seconds for the whole response, not per read
MAX_REDIRECTS = 5
# Article pages by media type, with the file suffix that tells the loader their format.
PAGE_SUFFIXES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
}


# <meta charset="…"> or <meta http-equiv="Content-Type" content="text/html; charset=…">
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


class FetchError(Exception):
    """The address gave nothing usable. ``transient``: worth trying again later."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    content: bytes
    media_type: str  # lower-case, without parameters; "" when the server sent none
    charset: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == HTTPStatus.NOT_MODIFIED

    def page(self) -> tuple[bytes, str]:
        """The body as an article page: UTF-8 bytes (the declared charset honoured) and a
        name whose suffix tells the loader the format."""
        if self.media_type and self.media_type not in PAGE_SUFFIXES:
            raise FetchError(f"not an article page (content type {self.media_type})")
        suffix = PAGE_SUFFIXES.get(self.media_type, "")
        charset = self.charset
        if charset is None and suffix in ("", ".html"):
            declared = _META_CHARSET.search(self.content[:4096])
            charset = declared.group(1).decode("ascii") if declared else None
        return to_utf8(self.content, charset), "page" + suffix


def to_utf8(content: bytes, charset: str | None) -> bytes:
    """``content`` re-encoded as UTF-8 when the server declared another known charset."""
    if not charset:
        return content
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        return content  # an unknown label: the loader's own detection decides
    if codec == "utf-8":
        return content
    return content.decode(codec, errors="replace").encode("utf-8")


def _content_type(value: str | None) -> tuple[str, str | None]:
    if not value:
        return "", None
    header = Message()
    header["content-type"] = value
    charset = header.get_param("charset")
    return header.get_content_type().lower(), charset if isinstance(charset, str) else None


def _is_global(address: str) -> bool:
    return ipaddress.ip_address(address.split("%")[0]).is_global


def host_is_public(host: str | None) -> bool:
    """Whether every address ``host`` resolves to is a global (internet) address; an
    unresolvable name counts as public and fails when connecting."""
    if not host:
        return False
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return True
    return all(_is_global(str(info[4][0])) for info in found)


class _CheckedGlobalAddresses(httpcore.SyncBackend):
    """Connects to a name only if all its addresses are global, and then to those very
    addresses: a link found in third-party content may not reach the operator's own
    network (cloud metadata, admin pages, databases), not even by answering differently
    the second time it is asked. Called for the first request and for every redirect."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:  # no such name: the failure connecting would have given
            raise httpcore.ConnectError(str(error)) from error
        addresses = [str(info[4][0]) for info in found]
        if not all(_is_global(address) for address in addresses):
            raise FetchError(f"refused: {host} is a private or local address")
        *others, last = addresses
        for address in others:  # as socket.create_connection does: the next one on failure
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        return super().connect_tcp(last, port, timeout, local_address, socket_options)


class _PublicOnlyTransport(httpx.HTTPTransport):
    """httpx's own transport on a connection pool with :class:`_CheckedGlobalAddresses`.

    Direct connections only (no proxy from the environment): through a proxy, the proxy
    would resolve the name again."""

    def __init__(self, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context)
        # httpx takes no network backend, httpcore's pool does; ``_pool`` is where
        # HTTPTransport keeps it (tests/test_fetch.py fails if that ever changes).
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context, network_backend=_CheckedGlobalAddresses()
        )


class Fetcher:
    """One HTTP client shared by the requests of a scan (connections are reused)."""

    def __init__(
        self,
        *,
        timeout: float = TIMEOUT,
        max_bytes: int = MAX_ARTICLE_BYTES,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes

        ssl_context = httpx.create_ssl_context()  # built once: ~20 ms each

        def client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
            return httpx.Client(
                timeout=httpx.Timeout(timeout),
                follow_redirects=True,
                max_redirects=max_redirects,
                headers={"User-Agent": USER_AGENT},
                verify=ssl_context,
                transport=transport,
            )

        self._client = client()
        self._public_client = client(_PublicOnlyTransport(ssl_context))

    def close(self) -> None:
        self._client.close()
        self._public_client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        accept: str = "text/html, application/xhtml+xml, text/plain;q=0.8, */*;q=0.1",
        etag: str | None = None,
        last_modified: str | None = None,
        public_only: bool = False,
    ) -> Response:
        """GET ``url``; a 304 (only possible with ``etag``/``last_modified``) has no body.

        ``public_only``: refuse, also after a redirect, a host on a private or local address,
        and connect to the addresses that were checked (see :class:`_CheckedGlobalAddresses`).
        """
        try:
            url = check_url(url)
        except InvalidUrl as error:
            raise FetchError(str(error)) from error
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = time.monotonic() + self.timeout
        client = self._public_client if public_only else self._client
        try:
            with client.stream("GET", url, headers=headers) as response:
                return self._read(response, deadline)
        except httpx.TimeoutException as error:
            raise FetchError(f"timed out after {self.timeout:g} s", transient=True) from error
        except httpx.TooManyRedirects as error:
            raise FetchError("too many redirects") from error
        except httpx.UnsupportedProtocol as error:
            raise FetchError("redirected to an address that is not http or https") from error
        except httpx.ConnectError as error:
            raise FetchError(f"cannot connect ({_detail(error)})", transient=True) from error
        except httpx.HTTPError as error:
            raise FetchError(f"network error ({_detail(error)})", transient=True) from error
        except (httpx.InvalidURL, ValueError) as error:  # a control character, a bad IDN label
            raise FetchError(f"not a valid web address ({_detail(error)})") from error

    def _read(self, response: httpx.Response, deadline: float) -> Response:
        status = response.status_code
        if status >= 400:
            phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
            raise FetchError(f"HTTP {status}{phrase}", transient=status >= 500 or status == 429)
        media_type, charset = _content_type(response.headers.get("content-type"))
        body = b""
        if status != HTTPStatus.NOT_MODIFIED:
            body = self._body(response, deadline)
        return Response(
            url=str(response.url),
            status=status,
            content=body,
            media_type=media_type,
            charset=charset,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )

    def _body(self, response: httpx.Response, deadline: float) -> bytes:
        too_large = FetchError(f"too large (over the {self.max_bytes:,}-byte limit)")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise too_large
            if time.monotonic() > deadline:  # a server trickling bytes forever
                raise FetchError(f"timed out after {self.timeout:g} s", transient=True)
            chunks.append(chunk)
        return b"".join(chunks)


def _detail(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
