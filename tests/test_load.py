"""Loading: encodings, HTML, Markdown and inputs that are not articles."""

from __future__ import annotations

import pytest

from bot.pipeline.load import MAX_ARTICLE_BYTES, RejectedInput, decode, load_bytes

TEXT = "Kyiv’s café talks — “no deal” yet."


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),
        TEXT.encode("cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-bom", "cp1252"],
)
def test_common_encodings_decode_to_the_same_text(data: bytes) -> None:
    assert decode(data) == TEXT


def test_latin1_bytes_outside_cp1252_still_decode() -> None:
    assert decode("café".encode("latin-1") + b"\x81") == "café\x81"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t \n", "only white space"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(1, 32)) * 50, "binary"),
    ],
)
def test_non_articles_are_rejected_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedInput, match=reason):
        load_bytes(data, "x.txt")


def test_oversized_input_is_rejected_before_decoding() -> None:
    with pytest.raises(RejectedInput, match="too large"):
        load_bytes(b"a" * (MAX_ARTICLE_BYTES + 1), "big.txt")


def test_html_gives_main_text_and_headline_without_scripts_or_navigation() -> None:
    html = (
        "<html><head><title>Site</title>"
        '<meta property="article:published_time" content="2025-08-19T10:00:00Z"></head>'
        "<body><nav>Home | World | Sport</nav><article><h1>Leaders agree a ceasefire plan</h1>"
        "<p>European leaders agreed on Monday to a plan for monitoring a ceasefire in Ukraine.</p>"
        "<p>The plan still needs the approval of the United States and of Russia.</p></article>"
        "<footer>Copyright 2025 Example News</footer><script>var secret = 1;</script></body></html>"
    )
    loaded = load_bytes(html.encode(), "page.html")
    assert loaded.headline == "Leaders agree a ceasefire plan"
    assert "monitoring a ceasefire" in loaded.text
    assert (
        "secret" not in loaded.text
        and "Copyright" not in loaded.text
        and "Sport" not in loaded.text
    )
    assert loaded.published is not None and loaded.published.year == 2025


def test_html_is_recognised_by_content_without_a_suffix() -> None:
    html = (
        b"<!DOCTYPE html><html><body><article><h1>Head</h1><p>"
        + b"Body text sentence here. " * 10
        + b"</p></article></body></html>"
    )
    assert "Body text sentence here." in load_bytes(html, "download").text


def test_markdown_headline_links_and_emphasis_become_plain_text() -> None:
    markdown = "# Allies meet in Paris\n\nLeaders **agreed** on a [plan](http://x.test) today.\n\n```\ncode\n```\n"
    loaded = load_bytes(markdown.encode(), "note.md")
    assert loaded.headline == "Allies meet in Paris"
    assert "Leaders agreed on a plan today." in loaded.text
    assert "code" not in loaded.text and "http" not in loaded.text
