"""Screenshots of the analytics dashboard of `billing demo` (its seeded year of history), in
English and German, with axe-core run on each page.

    billing demo &            # serves the demo (DATABASE_URL, BILLING__SERVER__BIND)
    $BILLING_BROWSER_PYTHON tests/browser/dashboard_screenshots.py http://127.0.0.1:8080 docs/screenshots

Signs in as the demo's admin (`admin@demo.example`, the sign-in `billing demo` prints), opens
`/c/demo/dashboard` in each language and writes `console-dashboard-demo-<lang>.png` (full page,
desktop width) and `console-dashboard-demo-<lang>-phone.png` (360 px). Exits non-zero when axe-core
finds a serious or critical violation.
"""

import os
import sys

from playwright.sync_api import expect, sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIGN_IN = {"en": "Sign in", "de": "Anmelden"}


def main():
    base, out = sys.argv[1].rstrip("/"), sys.argv[2]
    axe_path = os.environ.get("BILLING_AXE_JS")
    axe_source = open(axe_path).read() if axe_path else None
    os.makedirs(out, exist_ok=True)
    bad = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for lang in ("en", "de"):
            ctx = browser.new_context(locale=lang, viewport={"width": 1280, "height": 900}, bypass_csp=True)
            page = ctx.new_page()
            page.goto(f"{base}/c/demo/sign-in?lang={lang}")
            page.locator("#email").fill("admin@demo.example")
            page.locator("#password").fill("demo-admin-2026")
            page.get_by_role("button", name=SIGN_IN[lang]).click()
            expect(page.locator("#analytics-heading")).to_be_visible()
            expect(page.locator("#analytics-nps-title")).to_have_count(1)
            if axe_source:
                page.add_script_tag(content=axe_source)
                result = page.evaluate(
                    "(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } })", AXE_TAGS)
                bad += [f"{lang}: {v['id']} ({v['impact']})" for v in result["violations"]
                        if v["impact"] in ("serious", "critical")]
            page.screenshot(path=os.path.join(out, f"console-dashboard-demo-{lang}.png"), full_page=True)
            page.set_viewport_size({"width": 360, "height": 780})
            page.screenshot(path=os.path.join(out, f"console-dashboard-demo-{lang}-phone.png"), full_page=True)
            ctx.close()
        browser.close()
    if bad:
        print("axe-core:", *bad, sep="\n  ")
        sys.exit(1)
    print("PASSED screenshots in", out)


if __name__ == "__main__":
    main()
