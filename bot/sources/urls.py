"""One spelling per web address, so the same page reached two ways is stored once."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MAX_URL_BYTES = 2048  # the width of the articles.url column
DEFAULT_PORTS = {"http": 80, "https": 443}
# Parameters that say where a reader came from, never which page they read.
_TRACKING = re.compile(
    r"^(?:utm_.*|fbclid|gclid|gclsrc|dclid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid|_ga|_gl"
    r"|oly_anon_id|oly_enc_id|vero_id|wickedid|__s|mkt_tok)$",
    re.I,
)


class InvalidUrl(ValueError):
    """Not an address briefbot can fetch; the message says why."""


def check_url(url: str) -> str:
    """``url`` stripped, if it is an absolute http(s) address with a host."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — parsing the port is what validates it
    except ValueError as error:
        raise InvalidUrl(f"not a valid web address: {error}") from error
    if parts.scheme.lower() not in DEFAULT_PORTS:
        raise InvalidUrl("only http:// and https:// addresses can be fetched")
    if not parts.hostname:
        raise InvalidUrl("the address has no host name")
    return url


def normalise_url(url: str) -> str:
    """The address in canonical form: scheme and host lower-case, no default port, no user
    name, no fragment, no tracking parameters, the other parameters sorted, and no trailing
    slash except for the bare root."""
    parts = urlsplit(check_url(url))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if parts.port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{parts.port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING.match(key)
    )
    normal = urlunsplit((scheme, netloc, path, urlencode(query), ""))
    if len(normal.encode("utf-8")) > MAX_URL_BYTES:
        raise InvalidUrl(f"the address is longer than {MAX_URL_BYTES} bytes")
    return normal
