"""Sources beyond files: web pages by URL and RSS/Atom feeds, fetched over HTTP(S)."""
