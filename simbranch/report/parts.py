"""Small pieces of the calibration and robustness pages, which are put together as HTML strings
(every text escaped where it is inserted) and rendered inside the shared page template."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from simbranch.report.page import check_lang, figure, render

__all__ = ["count", "draw_figures", "html_table", "info_table", "number", "page", "share"]


def page(title: str, parts: Sequence[str], lang: str = "en") -> str:
    """A self-contained page: `title` and the HTML `parts` in the shared template, in `lang`."""
    return render("page.html.j2", lang=check_lang(lang), title=title, body=Markup("\n".join(parts)))


def html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table of cells that are already HTML (escaped where they hold text)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def info_table(info: Mapping[str, Any]) -> str:
    """Two columns, key and value, escaped."""
    return "<table>" + "".join(f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>"
                               for k, v in info.items()) + "</table>"


def count(n: int, noun: str) -> str:
    """'1 draw', '3 draws', '2 policies'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


def share(value: float) -> str:
    """A share as a whole percentage, 'n/a' when missing."""
    return "n/a" if value != value else f"{value:.0%}"


def number(value: float, signed: bool = False) -> str:
    """A number for a table: thousands separated at 1,000 and above, else 3 significant digits."""
    if value != value:
        return "n/a"
    text = f"{value:+,.0f}" if abs(value) >= 1000 else f"{value:+.3g}"
    return text if signed else text.lstrip("+")


def draw_figures(figures: Sequence[tuple[str, Callable[[], Any], str]]) -> str:
    """Draw each figure that its function can draw (a function that raises ValueError has nothing to show)."""
    html = []
    for name, draw, caption in figures:
        try:
            fig = draw()
        except ValueError:
            continue
        html.append(str(figure(fig, name, caption)))
    return "".join(html)
