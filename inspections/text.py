"""Text that comes from outside (files, packages, the keyboard): normalized before it is compared or stored, and
never shown on a terminal with its control characters raw.

Invisible characters — zero-width spaces and joiners, the byte-order mark, bidirectional controls such as U+202E —
make two names that look the same compare different, or make a name read backwards; they are removed from names
and identifiers. Identifiers (codes) are also NFKC-folded, so full-width ``Ｔ００１`` is ``T001``.
"""

from __future__ import annotations

import re
import unicodedata

INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
"""Format characters that render as nothing (or reorder what follows): soft hyphen, zero-width space/joiners,
left-to-right/right-to-left marks, embeddings, overrides and isolates, word joiner, byte-order mark."""

_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ufff9-\ufffb]"
)
_TERMINAL_CONTROL = re.compile(
    "\x1b\\[K|[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb]"
)


def without_invisible(text: str) -> str:
    """``text`` without zero-width and bidirectional control characters."""
    return INVISIBLE.sub("", text)


def clean_name(text: str) -> str:
    """A name as stored: NFC, invisible characters removed, runs of white space collapsed to one space."""
    return " ".join(without_invisible(unicodedata.normalize("NFC", text)).split())


def clean_identifier(text: str) -> str:
    """An identifier (an institution's code) as stored: NFKC (full-width letters and digits become ASCII),
    invisible characters removed, surrounding white space stripped."""
    return without_invisible(unicodedata.normalize("NFKC", text)).strip()


def compare_key(text: str) -> str:
    """A name or identifier for comparing: NFKC, case-folded, without invisible characters and white space
    (“XX医院（东院）” = “XX医院(东院)”, “T001” = “Ｔ００１”)."""
    return re.sub(r"\s+", "", without_invisible(unicodedata.normalize("NFKC", text))).casefold()


def has_control(text: str) -> bool:
    """Whether ``text`` has a control character (line breaks, ESC, bell …) or an invisible format character."""
    return _CONTROL.search(text) is not None


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, keep: str = "") -> str:
    """``text`` safe to print on a terminal: each control or invisible character not in ``keep`` is shown as an
    escape (``\\x1b``, ``\\u202e``), so names cannot move the cursor, clear the screen or reverse the line."""
    return _CONTROL.sub(lambda m: m[0] if m[0] in keep else _escape(m[0]), text)


def terminal_safe(text: str, *, progress: bool) -> str:
    """Text written to stdout (``progress=False``: only line breaks and tabs pass) or stderr (``progress=True``:
    also the carriage return and erase-line sequence the progress display uses)."""
    keep = "\n\t\r" if progress else "\n\t"

    def one(match: re.Match[str]) -> str:
        found = match[0]
        if found in keep or (progress and found == "\x1b[K"):
            return found
        return "".join(_escape(ch) for ch in found)

    return _TERMINAL_CONTROL.sub(one, text)
