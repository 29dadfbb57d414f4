"""Reading a user's text file (YAML, CSV): size limit and encoding detection with clear Chinese errors."""

from __future__ import annotations

from pathlib import Path

from inspections.errors import InvalidInputError, Problem

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Checklist files larger than this are refused: a real checklist is a few dozen kilobytes."""


def read_limited(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``; a missing, unreadable or too large file is an InvalidInputError."""
    source = path.name
    try:
        size = path.stat().st_size
        if size > limit:
            raise InvalidInputError([Problem(source, "", _too_large(size, limit))])
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise InvalidInputError([Problem(source, "", "文件不存在")]) from None
    except IsADirectoryError:
        raise InvalidInputError([Problem(source, "", "这是一个文件夹，不是文件")]) from None
    except PermissionError:
        raise InvalidInputError([Problem(source, "", "没有读取这个文件的权限")]) from None
    if len(data) > limit:
        raise InvalidInputError([Problem(source, "", _too_large(len(data), limit))])
    return data


def _too_large(size: int, limit: int) -> str:
    return f"文件太大（{size / 1024 / 1024:.1f} MB），超过 {limit // 1024 // 1024} MB 的上限，不像是一份检查表"


def decode_text(data: bytes, source: str) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK/GB2312).

    Windows Notepad and Excel on Chinese systems still save "ANSI" text as GBK, so GB18030 is accepted when the
    bytes decode cleanly; anything else (a binary file, another encoding) is an InvalidInputError.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _check_text(data.decode("utf-16"), source)
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        try:
            return _check_text(data.decode("utf-8-sig"), source)
        except UnicodeDecodeError:
            pass
        try:
            return _check_text(data.decode("gb18030"), source)
        except UnicodeDecodeError:
            pass
    raise InvalidInputError(
        [
            Problem(
                source,
                "",
                "无法识别文件的文字编码（不是 UTF-8 或 GBK 文本，可能是二进制文件）；请另存为 UTF-8 文本后重试",
            )
        ]
    )


def _check_text(text: str, source: str) -> str:
    bad = next((ch for ch in text if ord(ch) < 32 and ch not in "\t\n\r"), None)
    if bad is not None:
        line = text.count("\n", 0, text.index(bad)) + 1
        raise InvalidInputError(
            [Problem(source, f"第 {line} 行", f"含有不可见的控制字符（U+{ord(bad):04X}），这不像是文本文件")]
        )
    return text
