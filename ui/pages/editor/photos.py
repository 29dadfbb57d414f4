"""The editor's photo actions beyond adding one: the full-size viewer with captions, and 从文件夹导入照片 (a phone's
photos matched to items by when they were taken, confirmed in a dialog)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QWidget

from inspections import photos, workflow
from inspections.errors import UserError
from inspections.workflow import FolderProposal, InspectionView, ItemView
from ui.context import AppContext
from ui.dialogs.folder_photos import FolderPhotosDialog
from ui.tasks import show_user_error
from ui.widgets.item_pane import ItemPane
from ui.widgets.photo_viewer import PhotoViewer, ViewerPhoto


class PhotoEditor(Protocol):
    """What the photo actions read and drive: the editor page (``page.InspectionEditor``)."""

    view: InspectionView | None
    amend_reason: str
    context: AppContext
    inspection_id: uuid.UUID
    last_dialog: QWidget | None

    @property
    def items(self) -> dict[uuid.UUID, ItemView]: ...
    @property
    def pane(self) -> ItemPane: ...
    def reload(self) -> None: ...
    def show_saved(self) -> None: ...
    def item_locked(self, item_id: uuid.UUID) -> bool: ...


class EditorPhotos(QObject):
    """Opens the viewer on a thumbnail and imports a folder; dialogs it opens are kept in ``editor.last_dialog``."""

    def __init__(self, editor: PhotoEditor, owner: QWidget) -> None:
        super().__init__(owner)
        self.editor = editor
        self.owner = owner
        editor.pane.photo_open.connect(self.open_viewer)
        editor.pane.import_folder_requested.connect(lambda: self.request_import())

    # -- viewer -----------------------------------------------------------------------------------------------

    def viewer_photos(self) -> list[ViewerPhoto]:
        """Every photo of the inspection in checklist order, labelled with its item."""
        return [
            ViewerPhoto(p.attachment_id, p.sha256, f"{item.code} {item.spec.text[:40]} · {p.filename}", p.caption)
            for item in self.editor.items.values()
            for p in item.photos
        ]

    def open_viewer(self, attachment_id: uuid.UUID) -> PhotoViewer | None:
        shown = self.viewer_photos()
        start = next((n for n, p in enumerate(shown) if p.attachment_id == attachment_id), None)
        if start is None:
            return None
        view = self.editor.view
        read_only = view is not None and view.finalized and not self.editor.amend_reason
        items = self.editor.items.values()
        context = self.editor.context
        viewer = PhotoViewer(
            shown,
            lambda sha: context.read_now(lambda s: photos.photo_bytes(s, sha)),
            start=start,
            read_only=read_only,
            locked=[p.attachment_id for i in items if self.editor.item_locked(i.item_id) for p in i.photos],
            parent=self.owner,
        )
        viewer.caption_changed.connect(self._save_caption)
        viewer.finished.connect(lambda _r: self.editor.reload())
        self.editor.last_dialog = viewer
        viewer.open()
        return viewer

    def _save_caption(self, attachment_id: uuid.UUID, caption: str) -> None:
        actor, reason = self.editor.context.actor, self.editor.amend_reason
        try:
            self.editor.context.write_now(
                lambda s: workflow.set_photo_caption(s, actor, attachment_id, caption, reason=reason),
                changed=("inspections",),
            )
        except UserError as exc:
            show_user_error(self.owner, exc)
            return
        self.editor.show_saved()

    # -- import from a folder -----------------------------------------------------------------------------------

    def request_import(self, folder: Path | None = None) -> None:
        """Ask for a folder (when ``folder`` is None), propose matches in the background, then show them."""
        self.editor.pane.flush_note()  # the note being typed is a save time too
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(
                self.owner, self.owner.tr("选择照片所在的文件夹（如手机的 DCIM 或存储卡）")
            )
            if not chosen:
                return
            folder = Path(chosen)
        inspection_id = self.editor.inspection_id
        self.editor.context.read(
            lambda s: workflow.propose_folder_photos(s, inspection_id, folder),
            self._show_proposal,
            parent=self.owner,
        )

    def _show_proposal(self, proposal: FolderProposal) -> None:
        items = [(item.item_id, f"{item.code} {item.spec.text[:50]}") for item in self.editor.items.values()]
        dialog = FolderPhotosDialog(proposal, items, self.owner)
        dialog.accepted.connect(lambda: self._import(dialog.placements()))
        self.editor.last_dialog = dialog
        dialog.open()

    def _import(self, placements: list[tuple[Path, uuid.UUID]]) -> None:
        if not placements:
            return
        actor, inspection_id, reason = self.editor.context.actor, self.editor.inspection_id, self.editor.amend_reason
        self.editor.context.write(
            lambda s: workflow.import_folder_photos(s, actor, inspection_id, placements, reason=reason),
            lambda ids: self._imported(len(ids)),
            changed=("inspections",),
            parent=self.owner,
        )

    def _imported(self, count: int) -> None:
        self.editor.context.message.emit(self.owner.tr("已导入 {0} 张照片").format(count))
        self.editor.show_saved()
        self.editor.reload()
