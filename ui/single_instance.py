"""One window per database: a second start (a package double-clicked while the program runs) hands its package to
the window already open and ends, instead of opening the same database in a second window.

The running window listens on a local socket named after its data directory and database; a new start first tries
to connect to it. Another database (another data directory or server) is another name: windows on different
databases still open side by side.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500


def instance_name(data_dir: Path, database_url: str | None) -> str:
    """The socket name of the window on this database (short: some systems limit socket path lengths)."""
    key = f"{data_dir.resolve()}\n{database_url or ''}"
    return "yuangan-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def hand_over(name: str, package: Path | None) -> bool:
    """Give ``package`` (None: just come to the front) to the window running on ``name``; False when none runs."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    message = json.dumps({"package": str(package.resolve()) if package is not None else ""}, ensure_ascii=False)
    socket.write((message + "\n").encode("utf-8"))
    handed = socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(CONNECT_TIMEOUT_MS)
    return handed


class InstanceServer(QObject):
    """Listens for later starts on the same database; ``received`` carries the package path each one handed over
    ("" when it had none: the window just comes to the front)."""

    received = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        if not self._server.listen(name):
            # A socket file left by a program that crashed: nothing answered on it (hand_over failed), so remove it.
            QLocalServer.removeServer(name)
            if not self._server.listen(name):
                log.warning("single-instance socket %s unavailable: %s", name, self._server.errorString())

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            # The other start writes its one line right after connecting: read it here (a few milliseconds).
            data = b""
            while b"\n" not in data and len(data) < 8192:
                if not socket.bytesAvailable() and not socket.waitForReadyRead(CONNECT_TIMEOUT_MS):
                    break
                data += bytes(socket.readAll().data())
            socket.abort()
            socket.deleteLater()
            self._handle(data.split(b"\n", 1)[0])

    def _handle(self, line: bytes) -> None:
        try:
            message = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return  # not ours: ignored
        package = message.get("package", "") if isinstance(message, dict) else ""
        self.received.emit(package if isinstance(package, str) else "")
