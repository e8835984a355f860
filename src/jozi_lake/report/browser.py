"""Open a report in a real headless Chromium and see what a person would: the browser test and
``make screenshot`` both use :func:`view_in_chromium`.

Chromium is the distribution's (``/usr/bin/chromium``, Debian package ``chromium``; see
``scripts/ensure-chromium.sh``), driven by Playwright with ``executable_path``: Playwright's own browser
download is never used. The flags are the ones this kind of machine needs: headless, no sandbox (root),
and no background connections (a closed network refuses them, many at a time).

    python -m jozi_lake.report.browser REPORT.html SCREENSHOT.png
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = {"width": 1400, "height": 900}
TIMEOUT_MS = 20_000
# Per chart: its SVG layers and the marks Plotly drew (bars and scatter points are .point, lines
# .js-line, a heatmap's cells one image).
_CHARTS_JS = """() => [...document.querySelectorAll('.plot')].map(el => ({
    name: el.dataset.chart,
    svg: el.querySelectorAll('svg.main-svg').length,
    marks: el.querySelectorAll('.trace .point, .trace path.js-line, .hm image').length,
}))"""


@dataclass
class PageView:
    """What the page did and showed once every chart was drawn."""

    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    charts: list[dict[str, object]] = field(default_factory=list)  # name, svg, marks per chart
    empty: list[str] = field(default_factory=list)  # texts of "no rows" placeholders
    problems: list[str] = field(default_factory=list)  # texts of the messages in place of charts


def view_in_chromium(
    page_file: Path, screenshot: Path | None = None, chromium: Path = DEFAULT_CHROMIUM
) -> PageView:
    """Open ``page_file`` from disk, wait until Plotly has drawn every chart (20 s at most), collect
    what happened and, if asked, save a full-page screenshot."""
    from playwright.sync_api import sync_playwright

    view = PageView()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), args=list(CHROMIUM_FLAGS), timeout=30_000
        )
        try:
            page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
            page.on("console", lambda m: view.errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda err: view.errors.append(f"uncaught: {err}"))
            page.on("request", lambda request: view.requests.append(request.url))
            page.goto(page_file.resolve().as_uri(), wait_until="load", timeout=TIMEOUT_MS)
            expected = page.evaluate("document.querySelectorAll('.plot').length")
            page.wait_for_function(
                f"document.querySelectorAll('.plot .js-plotly-plot svg.main-svg').length >= {int(expected)}",
                timeout=TIMEOUT_MS,
            )
            view.charts = page.evaluate(_CHARTS_JS)
            view.empty = page.evaluate("[...document.querySelectorAll('p.empty')].map(e => e.textContent)")
            view.problems = page.evaluate(
                "[...document.querySelectorAll('figure .problem')].map(e => e.textContent)"
            )
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return view


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshot a lake report in headless Chromium.")
    parser.add_argument("report", type=Path)
    parser.add_argument("screenshot", type=Path)
    parser.add_argument("--chromium", type=Path, default=DEFAULT_CHROMIUM)
    args = parser.parse_args(argv)
    view = view_in_chromium(args.report, args.screenshot, args.chromium)
    bare = [c["name"] for c in view.charts if not c["marks"]]
    for line in [*view.errors, *(f"chart without marks: {name}" for name in bare)]:
        print(f"error: {line}", file=sys.stderr)
    print(f"{args.screenshot} ({len(view.charts)} charts)")
    return 1 if view.errors or bare else 0


if __name__ == "__main__":
    sys.exit(main())
