"""Qt's own dialogs speak Chinese: the file dialog's labels, buttons and headers come from Qt's zh_CN catalogue,
including the strings Qt 6 gave a mnemonic that the catalogue has only without one."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QPushButton, QTreeView
from pytestqt.qtbot import QtBot


def _texts(dialog: QFileDialog) -> list[str]:
    labels = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
    buttons = [button.text() for button in dialog.findChildren(QPushButton) if button.text()]
    tree = dialog.findChild(QTreeView)
    assert tree is not None
    model = tree.model()
    headers = [str(model.headerData(i, Qt.Orientation.Horizontal)) for i in range(model.columnCount())]
    return labels + buttons + headers


def test_the_file_dialog_is_chinese(qtbot: QtBot, qapp: QApplication, tmp_path: Path) -> None:
    dialog = QFileDialog(None, "选择照片", str(tmp_path))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dialog)
    dialog.show()
    texts = _texts(dialog)
    assert "查找范围(&L)：" in texts and "文件类型(&T)：" in texts and "文件名称(&N)：" in texts
    assert "打开(&O)" in texts and "取消" in texts and "名称" in texts
    english = [t for t in texts if re.search("[A-Za-z]", re.sub(r"\(&[A-Z]\)", "", t))]
    assert english == []  # no English left, the mnemonic letters (&L) aside


def test_a_folder_chooser_is_chinese(qtbot: QtBot, qapp: QApplication, tmp_path: Path) -> None:
    dialog = QFileDialog(None, "选择文件夹", str(tmp_path))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    qtbot.addWidget(dialog)
    dialog.show()
    texts = _texts(dialog)
    assert "目录：" in texts and "选择(&C)" in texts and "查找范围(&L)：" in texts


def test_only_missing_mnemonic_strings_are_filled_in(qapp: QApplication) -> None:
    translate = QCoreApplication.translate
    assert translate("QFileDialog", "&Look in:") == "查找范围(&L)："
    assert translate("QFileDialog", "Look in:") == "查找范围："  # the catalogue's own translation
    assert translate("QFileDialog", "&Nothing like this:") == "&Nothing like this:"  # unknown: left alone
    assert translate("MainWindow", "工作台") == "工作台"  # our own strings pass through untouched
    assert translate("MainWindow", "导入(&I)") == "导入(&I)"
