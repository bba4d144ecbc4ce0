"""Read an article from bytes: pick the encoding, and take HTML and Markdown apart.

Everything a reader could be shown comes out as plain text lines plus, where the format
says so, a headline and a publication date. Input that cannot be an article raises
``RejectedInput`` with a reason a person can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import trafilatura

MAX_ARTICLE_BYTES = 5 * 1024 * 1024  # far above any news article; stops log dumps and archives
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown"})

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_HTML_SNIFF = re.compile(
    rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<article|<\?xml[^>]*>\s*<html)", re.I
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


class RejectedInput(ValueError):
    """The input is not an article; the message says why."""


@dataclass(frozen=True)
class LoadedText:
    text: str
    headline: str | None = None
    published: datetime | None = None


def decode(data: bytes) -> str:
    """Text from bytes in UTF-8/16/32 (with or without BOM), else Windows-1252, else Latin-1."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise RejectedInput(
                    f"not valid {encoding.upper()} text despite its byte-order mark"
                ) from error
    if b"\x00" in data:
        raise RejectedInput("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text


def _check_text(text: str) -> None:
    if not text.strip():
        raise RejectedInput("empty file" if not text else "only white space")
    controls = len(_CONTROL.findall(text[:20000]))
    if controls > max(8, len(text[:20000]) // 50):
        raise RejectedInput("binary file (control characters), not text")


def _from_html(html: str) -> LoadedText:
    document = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
    text = getattr(document, "text", None) or ""
    if not text.strip():
        raise RejectedInput("HTML page without article text")
    headline = (getattr(document, "title", None) or "").strip() or None
    return LoadedText(
        text=text, headline=headline, published=_parse_date(getattr(document, "date", None))
    )


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_RULE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$")
_MD_FENCE = re.compile(r"^\s*(```|~~~)")


def _from_markdown(text: str) -> LoadedText:
    headline = None
    lines: list[str] = []
    in_code = False
    for line in text.splitlines():
        if _MD_FENCE.match(line):
            in_code = not in_code
            continue
        if in_code or _MD_RULE.match(line):
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            title = _inline_markdown(heading.group(2))
            if heading.group(1) == "#" and headline is None:
                headline = title
            lines.extend(["", title, ""])
            continue
        lines.append(_inline_markdown(re.sub(r"^\s*>\s?", "", line)))
    return LoadedText(text="\n".join(lines), headline=headline)


def _inline_markdown(line: str) -> str:
    line = _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", line))
    return _MD_EMPHASIS.sub(r"\2", line)


def load_bytes(data: bytes, name: str = "") -> LoadedText:
    """The article in ``data``; ``name`` (a file name or URL) hints at the format."""
    if len(data) > MAX_ARTICLE_BYTES:
        raise RejectedInput(f"too large ({len(data):,} bytes; the limit is {MAX_ARTICLE_BYTES:,})")
    text = decode(data)
    _check_text(text)
    suffix = Path(name.split("?")[0]).suffix.lower()
    if suffix in HTML_SUFFIXES or _HTML_SNIFF.match(data[:512]):
        return _from_html(text)
    if suffix in MARKDOWN_SUFFIXES:
        return _from_markdown(text)
    return LoadedText(text=text)


def read_article_bytes(path: Path) -> bytes:
    """A file's bytes, rejecting what is unreadable or too large before reading it."""
    try:
        if path.is_dir():
            raise RejectedInput("is a folder, not a file")
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise RejectedInput(f"too large ({size:,} bytes; the limit is {MAX_ARTICLE_BYTES:,})")
        return path.read_bytes()
    except FileNotFoundError as error:
        raise RejectedInput("no such file or folder") from error
    except OSError as error:
        raise RejectedInput(f"cannot be read ({error.strerror or error})") from error


def read_file(path: Path) -> LoadedText:
    return load_bytes(read_article_bytes(path), path.name)
