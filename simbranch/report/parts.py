"""Small pieces of the calibration and robustness pages, which are put together as HTML strings
(every text escaped where it is inserted) and rendered inside the shared page template."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup

from simbranch.report.page import check_lang, figure, render

__all__ = ["draw_figures", "number", "page", "share"]


def page(title: str, parts: Sequence[str], lang: str = "en") -> str:
    """A self-contained page: `title` and the HTML `parts` in the shared template, in `lang`."""
    return render("page.html.j2", lang=check_lang(lang), title=title, body=Markup("\n".join(parts)))


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
