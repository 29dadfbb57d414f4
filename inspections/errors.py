"""Errors a user can cause: each carries a clear Chinese message that the window and the command line show as is."""

from __future__ import annotations

from dataclasses import dataclass


class UserError(Exception):
    """A mistake the user can fix (bad file, unknown id, conflicting edit); ``str(err)`` is the Chinese message."""


class NotFoundError(UserError):
    """A record the user named does not exist."""


class PermissionDenied(UserError):
    """The user's role does not allow this action."""


class ReadOnlyError(UserError):
    """The record is finalized (or otherwise locked) and cannot be changed this way."""


class ConflictError(UserError):
    """Someone else saved the record first; ``mine`` and ``theirs`` hold both values for the user to choose."""

    def __init__(self, message: str, *, mine: object = None, theirs: object = None) -> None:
        super().__init__(message)
        self.mine = mine
        self.theirs = theirs


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where (file, line or row) and what."""

    source: str
    location: str  # "第 12 行" / "第 5 行（Excel）" / "" when the file as a whole is wrong
    message: str

    def __str__(self) -> str:
        where = f"{self.source}，{self.location}" if self.location else self.source
        return f"{where}：{self.message}"


MAX_LISTED_PROBLEMS = 20
"""The message of an InvalidInputError lists this many problems, then says how many more there are."""


class InvalidInputError(UserError):
    """An input file has problems and nothing was imported. ``problems`` holds all of them; the message lists the
    first MAX_LISTED_PROBLEMS and the count of the rest (a hostile file may have a hundred thousand)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        if len(problems) == 1:  # one line, the cause on it (a missing file, a file that is not a package)
            only = str(problems[0])
            super().__init__(only if "未导入任何内容" in only else f"未导入任何内容：{only}")
            return
        head = f"发现 {len(problems)} 个问题，未导入任何内容" if problems else "未导入任何内容"
        listed = [str(p) for p in problems[:MAX_LISTED_PROBLEMS]]
        if len(problems) > MAX_LISTED_PROBLEMS:
            listed.append(f"……另有 {len(problems) - MAX_LISTED_PROBLEMS} 个问题未列出")
        super().__init__("\n".join([head, *listed]))
