"""Fonts for figures in English and Chinese, with no font to install.

Chinese text needs a font with CJK glyphs, and a fresh machine rarely has one that matplotlib
finds. `mplfonts` (a dependency) ships Noto Sans CJK SC; `register` adds that file to matplotlib's
font manager for this process (nothing is written into matplotlib's folder), and `rc` gives the
settings a figure is drawn with: DejaVu Sans (matplotlib's own) first for English figures and Noto
Sans CJK SC first for Chinese ones, each with the other as the per-glyph fallback (matplotlib 3.6 or
later), so that a user's policy named in Chinese renders in an English figure too. Minus signs are
the ASCII hyphen, as in the numbers `simbranch.meanings` writes.

    import matplotlib as mpl
    from simbranch.plots import fonts
    with mpl.rc_context(fonts.rc("zh")):
        ...  # artists made here keep the fonts
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = ["CJK_FAMILY", "LATIN_FAMILY", "cjk_font_path", "families", "rc", "register"]

#: The Chinese font's family name, as matplotlib's font manager knows it once `register` added it.
CJK_FAMILY = "Noto Sans CJK SC"
#: The font of Latin text: matplotlib's own, present wherever matplotlib is.
LATIN_FAMILY = "DejaVu Sans"
_CJK_FILE = "NotoSansCJKsc-Regular.otf"


def cjk_font_path() -> Path | None:
    """The Noto Sans CJK SC file that `mplfonts` ships, or None without it."""
    try:
        import mplfonts
    except ImportError:
        return None
    path = Path(mplfonts.__file__).resolve().parent / "fonts" / _CJK_FILE
    return path if path.is_file() else None


@cache
def register() -> bool:
    """Add the Chinese font to matplotlib's font manager for this process (once); False, with a
    warning, when the file is missing (Chinese text would then show as empty boxes)."""
    from matplotlib import font_manager

    path = cjk_font_path()
    if path is None:
        warnings.warn(f"no {_CJK_FILE} (package mplfonts): Chinese text in figures will miss its glyphs",
                      RuntimeWarning, stacklevel=2)
        return False
    font_manager.fontManager.addfont(str(path))
    return True


def families(lang: str = "en") -> list[str]:
    """The font families of a figure in `lang`, the first for its own text and the next as fallback."""
    if not register():
        return [LATIN_FAMILY]
    return [CJK_FAMILY, LATIN_FAMILY] if lang == "zh" else [LATIN_FAMILY, CJK_FAMILY]


def rc(lang: str = "en") -> dict[RcKeyType, Any]:
    """matplotlib settings of a figure in `lang` ("en" or "zh"), for `matplotlib.rc_context`."""
    return {"font.family": families(lang), "axes.unicode_minus": False}
