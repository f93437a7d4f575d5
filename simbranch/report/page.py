"""What every report page shares: the Jinja2 templates, figures as sharp inline images, the embedded
Chinese font, the page's styles, and the file a report is written to.

A page is one self-contained HTML file (figures as data URIs, styles inline, no script, nothing
fetched from the network), so that it opens from a mail attachment. A page in Chinese, or with a
Chinese name in it, carries the few hundred glyphs it uses, cut from Noto Sans CJK SC (shipped by
the `mplfonts` package), because a machine without a Chinese system font would draw empty boxes.
"""

from __future__ import annotations

import base64
import functools
import io
import re
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from simbranch import meanings

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["STYLE", "check_lang", "cjk_font_face", "figure", "render", "report_path"]

#: Resolution of the figures: twice the CSS pixels they are shown at, sharp on high-density screens and in print.
DPI = 192
_CSS_DPI = DPI / 2

STYLE = """
body { font-family: SimbranchCJK, system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans CJK SC", sans-serif;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.5; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
h3 { margin-top: 1.6em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.8em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; vertical-align: top; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
td.text, th.text { text-align: left; }
tr.significant td { font-weight: 600; } .muted { color: #666; font-size: 0.92em; }
figure { margin: 1.4em 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9em; color: #444; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
.answer li, .caveats li, .findings li { margin: 0.35em 0; }
.caveats { border-left: 4px solid #E69F00; padding: 0.2em 1em; background: #fffaf0; }
.verdict-pays { color: #00704a; } .verdict-harms { color: #b03a00; }
.question { font-size: 1.05em; }
"""


def check_lang(lang: str) -> str:
    """`lang` if it is a language of `simbranch.meanings.LANGS`, else a ValueError saying which are."""
    if lang not in meanings.LANGS:
        raise ValueError(f"unknown language {lang!r}; allowed: {', '.join(meanings.LANGS)}")
    return lang


@functools.cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("simbranch.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env


def render(template: str, **context: Any) -> str:
    """The page `template` (a file of `simbranch/report/templates`) filled with `context`, autoescaped,
    with the Chinese glyphs it uses embedded."""
    html = _environment().get_template(template).render(style=Markup(STYLE), **context)
    return html.replace("/*cjk-font*/", cjk_font_face(html), 1)


def figure(fig: Figure | None, name: str, caption: str) -> Markup:
    """A figure as an inline PNG at twice its CSS size, with its caption (escaped unless Markup)."""
    if fig is None:
        return Markup("")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")  # plots' Figures are not pyplot's: no close
    data = buffer.getvalue()
    width, height = struct.unpack(">II", data[16:24])  # the PNG header's IHDR
    src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return Markup("<figure><img alt='{name}' src='{src}' width='{w}' height='{h}'>"
                  "<figcaption><b>{name}.</b> {caption}</figcaption></figure>").format(
        name=name, src=src, w=round(width * _CSS_DPI / DPI), h=round(height * _CSS_DPI / DPI), caption=caption)


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def cjk_font_face(html: str) -> str:
    """A CSS @font-face with the Chinese (CJK) characters of `html`, cut from Noto Sans CJK SC, or ""
    when the page has none."""
    chars = "".join(sorted(set(_CJK.findall(html))))
    if not chars:
        return ""
    data = _subset(chars)
    return ("@font-face { font-family: SimbranchCJK; src: url(data:font/otf;base64,"
            + base64.b64encode(data).decode("ascii") + ") format('opentype'); }")


@functools.lru_cache(maxsize=8)
def _subset(chars: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]
    options.notdef_outline = True
    font = TTFont(_cjk_font_file(), lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _cjk_font_file() -> Path:
    import mplfonts

    return Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"


def report_path(out: str | Path) -> Path:
    """`out` as the report's file: a folder (existing, or without a suffix) gets `report.html`."""
    path = Path(out)
    if path.is_dir() or not path.suffix:
        path = path / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def table(header: Sequence[Any], rows: Sequence[Sequence[Any]], *, classes: Sequence[str] | None = None,
          text: Sequence[int] = ()) -> Markup:
    """A table; cells are escaped unless they are `Markup`. `classes` gives each row a class; the
    columns numbered in `text` hold words and are aligned left (numbers align right, the first
    column left). An empty header (all "") gives no header row."""
    head = (Markup("<tr>{}</tr>").format(Markup("").join(
        Markup("<th class='text'>{}</th>" if i in text else "<th>{}</th>").format(h) for i, h in enumerate(header)))
            if any(str(h) for h in header) else Markup(""))

    def cell(i: int, c: Any) -> Markup:
        return Markup("<td class='text'>{}</td>" if i in text else "<td>{}</td>").format(c)

    body = Markup("").join(
        Markup("<tr{cls}>{cells}</tr>").format(
            cls=Markup(" class='{}'").format(classes[i]) if classes and classes[i] else "",
            cells=Markup("").join(cell(j, c) for j, c in enumerate(row)))
        for i, row in enumerate(rows))
    return Markup("<table>{head}{body}</table>").format(head=head, body=body)


def info_table(info: Mapping[str, Any], *, code: bool = False) -> Markup:
    """Two columns, key and value, escaped; `code` sets the values as code (seeds, commands, paths)."""
    values = [Markup("<code>{}</code>").format(v) if code else str(v) for v in info.values()]
    return table(("", ""), list(zip(map(str, info), values, strict=True)), text=(1,))


__all__ += ["info_table", "table"]
