"""The documents' faces: the official ones (仿宋, 小标宋, 黑体, 楷体, 宋体) where the computer has them, bundled open
faces otherwise, and a fallback for characters a face lacks.

GB/T 9704 sets the body in 仿宋, the title in 小标宋, level-one headings in 黑体, level-two in 楷体 and page numbers in
宋体. On a Chinese Windows computer these are simfang.ttf, simhei.ttf, simkai.ttf and simsun.ttc (方正小标宋 where
installed); elsewhere the bundled faces stand in: AR PL UMing (明/宋 style) for 仿宋, 小标宋 and 宋体, AR PL UKai for
楷体 and WenQuanYi Micro Hei for 黑体 (resources/fonts, with their licences). Each role's choice is a setting
(``font_<role>``): "" picks the official face when it is found and the bundled one otherwise, ``bundled`` always the
bundled one, a file name (``simfang.ttf``) that file from the computer's font folders.

A character a face has no glyph for is set in the next face that has one (WenQuanYi Micro Hei, then AR PL UMing):
see ``with_fallback``; it never prints as a box.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

FONTS_DIR = Path(__file__).resolve().parents[2] / "resources" / "fonts"
FONT = "WQY"
FONT_PATH = FONTS_DIR / "wqy-microhei.ttc"
UMING = "ARPLUMing"
UMING_PATH = FONTS_DIR / "arphic-uming-gb.ttf"
UKAI = "ARPLUKai"
UKAI_PATH = FONTS_DIR / "arphic-ukai-gb.ttf"
BUNDLED_FILES: dict[str, tuple[Path, int]] = {FONT: (FONT_PATH, 0), UMING: (UMING_PATH, 0), UKAI: (UKAI_PATH, 0)}

ROLES: tuple[str, ...] = ("fangsong", "xiaobiaosong", "heiti", "kaiti", "songti")
OFFICIAL_FILES: dict[str, tuple[str, ...]] = {
    "fangsong": ("simfang.ttf", "fangsong.ttf", "fangsong_gb2312.ttf", "stfangso.ttf"),
    "xiaobiaosong": ("fzxbsjw.ttf", "fzxbsk.ttf", "方正小标宋简体.ttf", "方正小标宋_gbk.ttf", "fzxbs.ttf"),
    "heiti": ("simhei.ttf", "stheiti.ttf"),
    "kaiti": ("simkai.ttf", "kaiti.ttf", "kaiti_gb2312.ttf", "stkaiti.ttf"),
    "songti": ("simsun.ttc", "simsun.ttf", "stsong.ttf"),
}
BUNDLED_ROLES: dict[str, str] = {
    "fangsong": UMING,
    "xiaobiaosong": UMING,
    "heiti": FONT,
    "kaiti": UKAI,
    "songti": UMING,
}
FALLBACKS: tuple[str, ...] = (FONT, UMING)
BUNDLED = "bundled"

_lock = threading.Lock()
_registered: dict[str, str] = {}  # font path (and index) → registered name


@dataclass(frozen=True)
class Faces:
    """The registered font names the documents use, by role."""

    fangsong: str = UMING
    xiaobiaosong: str = UMING
    heiti: str = FONT
    kaiti: str = UKAI
    songti: str = UMING

    def names(self) -> tuple[str, ...]:
        return (self.fangsong, self.xiaobiaosong, self.heiti, self.kaiti, self.songti)


def font_dirs() -> list[Path]:
    """Where this computer keeps fonts (Windows, Linux, macOS)."""
    dirs: list[Path] = []
    windir = os.environ.get("WINDIR") or os.environ.get("SYSTEMROOT")
    if windir:
        dirs.append(Path(windir) / "Fonts")
    local = os.environ.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    home = Path.home()
    dirs += [
        Path("C:/Windows/Fonts"),
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".fonts",
        home / ".local" / "share" / "fonts",
        Path("/Library/Fonts"),
        home / "Library" / "Fonts",
    ]
    return [d for d in dict.fromkeys(dirs) if d.is_dir()]


@lru_cache(maxsize=1)
def _installed_files() -> dict[str, Path]:
    """Every font file in the font folders by lower-case name (first found wins)."""
    found: dict[str, Path] = {}
    for folder in font_dirs():
        for root, _dirs, files in os.walk(folder):
            for name in files:
                if name.lower().endswith((".ttf", ".ttc")):
                    found.setdefault(name.lower(), Path(root) / name)
    return found


def official_candidates(role: str) -> list[Path]:
    """The official faces of ``role`` this computer has, best first."""
    installed = _installed_files()
    return [installed[name] for name in OFFICIAL_FILES[role] if name in installed]


def _register(path: Path, index: int = 0, name: str | None = None) -> str | None:
    """Register a TrueType face once (subset-embedded in every PDF); None when it cannot be used (CFF outlines,
    damaged file)."""
    key = f"{path}#{index}"
    with _lock:
        if key in _registered:
            return _registered[key]
        font_name = name or "F" + hashlib.sha256(key.encode()).hexdigest()[:10]
        try:
            pdfmetrics.registerFont(TTFont(font_name, str(path), subfontIndex=index))
        except (TTFError, OSError, ValueError):
            return None
        # One face per family: map bold/italic to it so stray <b> markup never asks for a missing font.
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(font_name, bold, italic, font_name)
        _registered[key] = font_name
        return font_name


def register_fonts() -> str:
    """Register the bundled faces (the fallbacks every document needs) and return the WenQuanYi Micro Hei name.

    Parsing a face costs 0.1–0.3 s, so it happens once, lazily; the lock makes it safe from a background thread.
    """
    for name, (path, index) in BUNDLED_FILES.items():
        _register(path, index, name)
    return FONT


def resolve_faces(choices: Mapping[str, str] | None = None) -> Faces:
    """The faces for the settings' choices (``font_<role>``: "", ``bundled`` or a file name)."""
    register_fonts()
    chosen: dict[str, str] = {}
    for role in ROLES:
        choice = str((choices or {}).get(f"font_{role}", "") or "").strip()
        name: str | None = None
        if choice and choice != BUNDLED:
            path = _installed_files().get(Path(choice).name.lower())
            name = _register(path) if path is not None else None
        elif not choice:
            for path in official_candidates(role):
                name = _register(path)
                if name is not None:
                    break
        chosen[role] = name or BUNDLED_ROLES[role]
    return Faces(**chosen)


_current: ContextVar[Faces | None] = ContextVar("report_faces", default=None)


@lru_cache(maxsize=1)
def _automatic() -> Faces:
    return resolve_faces()


def faces() -> Faces:
    """The faces of the document being rendered: set by ``using_faces``, else the automatic choice."""
    return _current.get() or _automatic()


@contextmanager
def using_faces(choices: Mapping[str, str] | None) -> Iterator[Faces]:
    """Render with the faces the settings choose (in this thread/context only)."""
    token = _current.set(resolve_faces(choices))
    try:
        yield faces()
    finally:
        _current.reset(token)


@lru_cache(maxsize=64)
def _cmap(font_name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(font_name)
    return frozenset(getattr(getattr(font, "face", None), "charToGlyph", {}) or ())


def has_glyph(font_name: str, char: str) -> bool:
    """Whether ``font_name`` draws ``char`` (spaces and controls always count as drawn)."""
    return ord(char) < 0x21 or ord(char) in _cmap(font_name)


def fallback_for(font_name: str, char: str) -> str | None:
    """The face to set ``char`` in when ``font_name`` lacks it (None when no face has it)."""
    for name in FALLBACKS:
        if name != font_name and has_glyph(name, char):
            return name
    return None


def missing(font_name: str, text: str) -> bool:
    """Whether any character of ``text`` is missing from ``font_name``."""
    cmap = _cmap(font_name)
    return any(ord(ch) >= 0x21 and ord(ch) not in cmap for ch in text)


_MARKUP = re.compile(r"(<[^>]*>|&[#\w]+;)")


@lru_cache(maxsize=65536)
def with_fallback(markup: str, font_name: str) -> str:
    """Paragraph markup with every character ``font_name`` lacks wrapped in ``<font face=…>`` of a face that has
    it. Tags and entities pass through untouched."""
    if not missing(font_name, _MARKUP.sub("", markup)):
        return markup
    out: list[str] = []
    for part in _MARKUP.split(markup):
        if not part or (part.startswith(("<", "&")) and _MARKUP.fullmatch(part)):
            out.append(part)
            continue
        run_face: str | None = None
        run: list[str] = []
        for ch in part:
            face = None if has_glyph(font_name, ch) else fallback_for(font_name, ch)
            if face != run_face and run:
                out.append(_wrap("".join(run), run_face))
                run = []
            run_face = face
            run.append(ch)
        if run:
            out.append(_wrap("".join(run), run_face))
    return "".join(out)


def _wrap(text: str, face: str | None) -> str:
    return text if face is None else f'<font face="{face}">{text}</font>'
