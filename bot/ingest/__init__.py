"""Ways articles come in: page-dump files and folders (later: feeds, pages, OPML)."""
