"""Where the bundled resources (fonts, translations, icons) live, relative to the source tree."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
FONTS = RESOURCES / "fonts"
TRANSLATIONS = RESOURCES / "translations"
BUNDLED_CJK_FONT = FONTS / "wqy-microhei.ttc"
ICON = RESOURCES / "icons" / "yuangan.png"
