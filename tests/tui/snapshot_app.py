"""The app as the snapshot tests see it: a fixed prompt, a throwaway history, the fake embedder,
no cursor blink and a stopped clock (the status line's elapsed times read 0.0 s)."""

import tempfile
from pathlib import Path

from promptsmith.backends.fake import HashEmbedder
from promptsmith.tui.app import PromptsmithApp
from promptsmith.tui.widgets import StatusLine

StatusLine.clock = staticmethod(lambda: 0.0)

app = PromptsmithApp(
    "old fisherman portrait, dramatic lighting, oil painting, rembrandt style, masterpiece, 8k –ar 2:3 --s 5000",
    history_path=Path(tempfile.mkdtemp()) / "history.sqlite",
    embedder=HashEmbedder(),
    cursor_blink=False,
)

if __name__ == "__main__":
    app.run()
