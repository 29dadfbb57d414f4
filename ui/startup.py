"""Process-wide Qt set-up: the bundled CJK font as fallback, and the translators for the user's language."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from ui import paths

log = logging.getLogger(__name__)

# System CJK fonts that look better than the bundled one where they exist; the bundled font is the last resort.
_PREFERRED_CJK = ("Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC")
_loaded_families: list[str] = []


def install_fonts(app: QApplication) -> list[str]:
    """Register the bundled font and make CJK families the fallback of the application font.

    Returns the family list now set on the application font.
    """
    if not _loaded_families:
        font_id = QFontDatabase.addApplicationFont(str(paths.BUNDLED_CJK_FONT))
        if font_id < 0:
            log.error("cannot load bundled font %s", paths.BUNDLED_CJK_FONT)
        else:
            _loaded_families.extend(QFontDatabase.applicationFontFamilies(font_id))
    installed = set(QFontDatabase.families())
    font = QFont(app.font())
    base = [f for f in font.families() if f not in _loaded_families] or [font.family()]
    system_cjk = [f for f in _PREFERRED_CJK if f in installed]
    families = [*base, *system_cjk, *_loaded_families]
    font.setFamilies(families)
    app.setFont(font)
    return families


def install_translators(app: QApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Load our translation for ``locale`` if one exists, else stay in Chinese; Qt's own strings follow suit."""
    locale = locale or QLocale.system()
    installed: list[QTranslator] = []
    ours = QTranslator(app)
    if locale.language() != QLocale.Language.Chinese and ours.load(locale, "yuangan", "_", str(paths.TRANSLATIONS)):
        app.installTranslator(ours)
        installed.append(ours)
        qt_locale = locale
    else:
        # The source strings are Chinese: make Qt's own buttons (确定/取消) Chinese too.
        qt_locale = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qtbase = QTranslator(app)
    if qtbase.load(qt_locale, "qtbase", "_", qt_dir):
        # Installed first, so asked last: only for what the catalogue itself does not translate.
        mnemonics = MnemonicFallback(qtbase, app)
        app.installTranslator(mnemonics)
        app.installTranslator(qtbase)
        installed.extend((mnemonics, qtbase))
    else:
        log.warning("Qt's translations for %s not found in %s", qt_locale.name(), qt_dir)
    return installed


class MnemonicFallback(QTranslator):
    """Qt 6 gave some of its own strings a mnemonic ("&Look in:", "Files of &type:" in the file dialog) that Qt's
    shipped zh_CN catalogue still has only without one ("Look in:" → 查找范围：), so they stayed English. This
    translates such a string as its plain form and adds the mnemonic the Chinese way: 查找范围(&L)：."""

    def __init__(self, catalogue: QTranslator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._catalogue = catalogue

    def isEmpty(self) -> bool:
        return False

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:
        # None (a null string) lets Qt fall back to the source text; "" would replace it with nothing.
        at = source.find("&")
        if at < 0 or at + 1 >= len(source) or source[at + 1] in "& " or "&" in source[at + 1 :]:
            return None
        plain = source[:at] + source[at + 1 :]
        text = self._catalogue.translate(context, plain, disambiguation, n)
        if not text:
            return None
        key = source[at + 1].upper()
        for colon in ("：", ":"):
            if text.endswith(colon):
                return f"{text[: -len(colon)]}(&{key}){colon}"
        return f"{text}(&{key})"
