"""What every page needs: the database, the background runner, the settings, and signals for what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from ui.tasks import Progress, TaskRunner

if TYPE_CHECKING:
    # Types only: the window is shown before SQLAlchemy is imported (see ui/app.py), so nothing here imports it.
    from sqlalchemy.orm import Session

    from inspections.users import CurrentUser
    from models.database import Database

T = TypeVar("T")


# The open database. Named by string so that the window's modules need not import SQLAlchemy at start-up.
DatabaseLike: TypeAlias = "Database"


def _acting_as(user: CurrentUser | None) -> AbstractContextManager[None]:
    from inspections.users import acting_as

    return acting_as(user)


class AppContext(QObject):
    """Shared by the main window and its pages.

    ``db`` is None while the database is being opened (the window is shown first, see ui/app.py); ``attach`` sets it.

    Signals:
        saved(datetime): a change was committed to the database (the status bar shows "已保存 hh:mm:ss").
        changed(str): an area of data changed ("institutions", "inspections", "findings", "rounds", "checklists",
            "all"), so the pages showing it reload.
        message(str): a short note for the status bar ("已导出到 …").
    """

    saved = Signal(object)
    changed = Signal(str)
    message = Signal(str)

    def __init__(
        self,
        data_dir: Path,
        db: DatabaseLike | None,
        settings: QSettings,
        tasks: TaskRunner,
        db_label: str = "",
    ) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.db = db
        self.settings = settings
        self.tasks = tasks
        self.db_label = db_label
        # The logged-in user where the database has users; None: the single-user laptop mode (all is allowed).
        self.user: CurrentUser | None = None

    @property
    def actor(self) -> str:
        """Who is working: the logged-in user's name, else the name set in 设置, else YG_USER or the login name."""
        if self.user is not None:
            return self.user.username
        from inspections.workspace import current_actor
        from ui.settings import INSPECTOR_NAME

        return str(self.settings.value(INSPECTOR_NAME, "") or "") or current_actor()

    def attach(self, db: DatabaseLike, db_label: str) -> None:
        """The database opened in the background is ready: the window's pages may use it from now on."""
        self.db = db
        self.db_label = db_label

    def _require_db(self) -> DatabaseLike:
        if self.db is None:
            raise RuntimeError("no database is open")
        return self.db

    def read(
        self,
        fn: Callable[[Session], T],
        on_success: Callable[[T], None] | None = None,
        *,
        parent: QWidget | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Read in the background in one session; ``fn`` must return plain data."""
        db, user = self._require_db(), self.user

        def call() -> T:
            with _acting_as(user), db.session() as s:
                return fn(s)

        self.tasks.run_in_background(call, on_success, on_failure, parent=parent)

    def write(
        self,
        fn: Callable[[Session], T],
        on_success: Callable[[T], None] | None = None,
        *,
        changed: str | tuple[str, ...] = (),
        parent: QWidget | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        """One user action = one transaction, in the background; on success the areas in ``changed`` reload."""
        db, user = self._require_db(), self.user

        def call() -> T:
            with _acting_as(user), db.begin() as s:
                return fn(s)

        self.tasks.run_in_background(call, self._after_write(on_success, changed), on_failure, parent=parent)

    def write_with_progress(
        self,
        fn: Callable[[Session, Progress], T],
        on_success: Callable[[T], None] | None = None,
        *,
        label: str,
        changed: str | tuple[str, ...] = (),
        cancellable: bool = True,
        parent: QWidget | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        """A long write (import, demo data) with a progress dialog and, if ``cancellable``, a cancel button."""
        db, user = self._require_db(), self.user

        def call(progress: Progress) -> T:
            with _acting_as(user), db.begin() as s:
                return fn(s, progress)

        self.tasks.run_in_background(
            call,
            self._after_write(on_success, changed),
            on_failure,
            parent=parent,
            progress=label,
            cancellable=cancellable,
        )

    def write_now(self, fn: Callable[[Session], T], *, changed: str | tuple[str, ...] = ()) -> T:
        """A small write on the GUI thread (an answer, a note): when this returns, it is on disk."""
        db = self._require_db()
        with _acting_as(self.user), db.begin() as s:
            result = fn(s)
        self._announce(changed)
        return result

    def read_now(self, fn: Callable[[Session], T]) -> T:
        """A small read on the GUI thread (a few rows by primary key)."""
        with _acting_as(self.user), self._require_db().session() as s:
            return fn(s)

    def _after_write(
        self, on_success: Callable[[T], None] | None, changed: str | tuple[str, ...]
    ) -> Callable[[T], None]:
        def done(result: T) -> None:
            self._announce(changed)
            if on_success is not None:
                on_success(result)

        return done

    def _announce(self, changed: str | tuple[str, ...]) -> None:
        self.saved.emit(dt.datetime.now())
        for area in (changed,) if isinstance(changed, str) else changed:
            self.changed.emit(area)
