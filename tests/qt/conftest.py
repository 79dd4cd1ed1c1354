"""Qt tests run offscreen: no screen on CI, and a real window must not pop up on a developer's."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

# The sync bridge's test runs against the real server of the sync tests (a restartable one).
from tests.server.conftest import db_url  # noqa: E402, F401
from tests.sync.conftest import api, server  # noqa: E402, F401
