"""Screenshot a page in Debian's headless Chromium, for a person to look at (run by hand):

    .venv/bin/python tests/browser/screenshot.py URL OUT.png [--width 360] [--height 800]
        [--viewport-only | --clip TOP:HEIGHT] [--no-javascript]

The whole page is captured unless --viewport-only, or --clip (a band of the page, in CSS pixels
from its top: for long pages, which image viewers shrink). Start a server first (`make serve`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.chromium import launch, missing  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=360)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--viewport-only", action="store_true", help="only the first screen, not the whole page")
    parser.add_argument("--clip", metavar="TOP:HEIGHT", help="only this band of the whole page")
    parser.add_argument("--no-javascript", action="store_true")
    args = parser.parse_args(argv)
    problem = missing()
    if problem and "CHROMIUM" in problem:
        print(problem, file=sys.stderr)
        return 1
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(viewport={"width": args.width, "height": args.height},
                                      java_script_enabled=not args.no_javascript)
        page = context.new_page()
        response = page.goto(args.url)
        if args.clip:
            top, height = (int(n) for n in args.clip.split(":"))
            page.screenshot(path=str(args.out), full_page=True,
                            clip={"x": 0, "y": top, "width": args.width, "height": height})
        else:
            page.screenshot(path=str(args.out), full_page=not args.viewport_only)
        width = page.evaluate("document.documentElement.scrollWidth")
        browser.close()
    print(f"{args.out}: HTTP {response.status if response else '?'}, {args.width} px viewport, "
          f"content {width} px wide{' (scrolls sideways)' if width > args.width else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
