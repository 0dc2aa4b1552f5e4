"""MkDocs hooks for the adexmf site.

The figures the pages show (``docs/figures/*.png``) are generated files: ``python
docs/results.py --figures DIR`` draws them from paper-scale runs, and they are never
committed. A build on a checkout without them (a fresh clone, CI) shows, in place of each
missing figure, a note that names it and the command that draws it, so that ``mkdocs build
--strict`` still refuses every other broken link.
"""

from __future__ import annotations

import re
from pathlib import Path

#: A Markdown image whose target lies under ``figures/``: (alt text, relative path).
FIGURE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>figures/[^)\s]+\.png)\)")

NOTE = (
    '!!! note "Figure not drawn in this build"\n'
    "    {alt}. Draw it with `python docs/results.py --figures DIR`, where DIR holds the\n"
    "    paper-scale runs (`adexmf compare PROTOCOL --scale paper --out DIR`); the figures\n"
    "    are generated files and are not part of the repository."
)


def replace_missing_figures(markdown: str, page_dir: Path) -> str:
    """Return ``markdown`` with every ``figures/*.png`` image that does not exist under
    ``page_dir`` replaced by a note naming it and the command that draws it."""

    def substitute(match: re.Match[str]) -> str:
        if (page_dir / match["src"]).is_file():
            return match[0]
        return NOTE.format(alt=match["alt"].rstrip(".") or match["src"])

    return FIGURE.sub(substitute, markdown)


def on_page_markdown(markdown, page, config, files):  # noqa: ARG001 (MkDocs' signature)
    page_dir = (Path(config["docs_dir"]) / page.file.src_path).parent
    return replace_missing_figures(markdown, page_dir)
