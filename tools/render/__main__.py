"""`python -m tools.render [--out DIR] [--html-dir DIR] [--only NAME ...] [--html-only]`

Builds every message, modal and Home view from bot/blocks (tools/render/gallery.py), writes
each as a Slack-like HTML page (in --html-dir, with an index.html of them all) and a PNG
screenshot taken with headless Chromium (in --out). Needs Debian's `chromium` (`make screenshots` installs it).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.render import slackhtml
from tools.render.gallery import build_all

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
PAGE_HEIGHT = 4000  # screenshots are taken tall, then cropped to the content


def find_browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def screenshot(browser: str, page: Path, png: Path, *, width: int) -> None:
    with tempfile.TemporaryDirectory(prefix="partnerbot-chromium-") as profile:
        subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--no-first-run", "--mute-audio", f"--user-data-dir={profile}",
                        "--force-device-scale-factor=1", f"--window-size={width},{PAGE_HEIGHT}",
                        f"--screenshot={png}", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
    crop(png)


def crop(png: Path, margin: int = 16) -> None:
    """Cut the white space below and right of the content."""
    from PIL import Image, ImageChops

    with Image.open(png) as image:
        rgb = image.convert("RGB")
    box = ImageChops.difference(rgb, Image.new("RGB", rgb.size, (255, 255, 255))).getbbox()
    if box:
        rgb.crop((0, 0, min(rgb.width, box[2] + margin), min(rgb.height, box[3] + margin))).save(png, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.render", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="build/screens", help="output folder (default build/screens)")
    parser.add_argument("--html-dir", default="build/screens-html", help="HTML pages (default build/screens-html)")
    parser.add_argument("--only", nargs="*", help="surface names to render (default all)")
    parser.add_argument("--html-only", action="store_true", help="write the HTML pages, take no screenshots")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pages = Path(args.html_dir)
    pages.mkdir(parents=True, exist_ok=True)
    browser = None if args.html_only else find_browser()
    if not args.html_only and browser is None:
        print("no chromium found: run `make screenshots` (installs Debian's chromium) or pass --html-only",
              file=sys.stderr)
        return 2
    surfaces = [s for s in build_all() if not args.only or s.name in args.only]
    index = []
    for surface in surfaces:
        page = pages / f"{surface.name}.html"
        page.write_text(slackhtml.page(surface.html, where=surface.where), encoding="utf-8")
        if browser:
            screenshot(browser, page, out / f"{surface.name}.png", width=surface.width)
        index.append(f'<h2 style="font-family:sans-serif">{surface.name}</h2>'
                     f'<img src="{(out / surface.name).resolve()}.png" style="border:1px solid #ccc">' if browser
                     else f'<h2>{surface.name}</h2><iframe src="{surface.name}.html" width="800" height="600"></iframe>')
        print(f"{surface.name}: {page}" + (f" + {out / surface.name}.png" if browser else ""))
    (pages / "index.html").write_text("<!doctype html><meta charset='utf-8'>" + "\n".join(index), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
