"""Looking at a page in a real headless browser (chromium), for layout tests.

The class report carries a Content-Security-Policy that forbids scripts, and
holds none. To measure it, a copy of the page drops that policy and gains one
script at its end that writes what it measured into the page; chromium's
--dump-dom prints the page after the script ran."""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--force-device-scale-factor=1")


def chromium() -> str | None:
    return next((path for path in map(shutil.which, NAMES) if path), None)


def measure(page: Path, script: str, width: int, height: int, timeout: float = 120) -> dict:
    """Run ``script`` (JavaScript ending in an expression: its JSON value is
    returned) on a copy of ``page`` at a ``width`` x ``height`` window."""
    browser = chromium()
    assert browser is not None
    text = page.read_text(encoding="utf-8")
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    probe = ("<script>document.body.insertAdjacentHTML('beforeend', '<pre id=\"measured\">' + "
             "JSON.stringify((function(){" + script + "})()).replace(/&/g,'&amp;')"
             ".replace(/</g,'&lt;') + '</pre>');</script>")
    copy = page.with_name(page.stem + ".measured.html")
    head, body, tail = text.rpartition("</body>")  # the last one (templates may nest two)
    copy.write_text(head + probe + body + tail, encoding="utf-8")
    done = subprocess.run([browser, *FLAGS, f"--window-size={width},{height}",
                           "--virtual-time-budget=2000", "--dump-dom", copy.as_uri()],
                          capture_output=True, text=True, timeout=timeout)
    # the last one: the first is in the script's own source
    found = re.findall(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    assert len(found) == 2, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(html.unescape(found[-1]))


def screenshot(page: Path, out: Path, width: int, height: int, timeout: float = 120
               ) -> tuple[int, int]:
    """Take a screenshot of ``page``; the PNG's (width, height)."""
    browser = chromium()
    assert browser is not None
    subprocess.run([browser, *FLAGS, f"--window-size={width},{height}",
                    f"--screenshot={out}", page.as_uri()], capture_output=True,
                   timeout=timeout, check=False)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])
