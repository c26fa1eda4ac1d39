"""Stripe's card element in headless Chromium (Debian's package, Playwright), against localstripe.

Started by the Rust test `portal::stripe_card_element_in_chromium`, which serves the portal with
`[portal] stripe_js_url` at localstripe's stand-in Stripe.js and a Stripe account with a
publishable key. Argument: a JSON file with the runs (a signed portal URL each, the language,
JavaScript on or off), the card to add, where axe-core and the screenshots are.

With JavaScript: "Add a card" leads to the setup page, localstripe's card element (its plain
inputs, found by their placeholders) takes the card, Stripe.js `confirmCardSetup` confirms our
server's SetupIntent, the 3-D Secure card's "Complete authentication" is answered in the stand-in's
window, and the payment methods page lists the card. axe-core checks the setup page. Without
JavaScript the setup page says that the form needs JavaScript and names the other ways to pay.
Then the checkout's Stripe card step (`checkout` in the config): see `checkout` below.
"""

import json
import os
import sys

from playwright.sync_api import expect, sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

TEXT = {
    "de": {"add": "Karte hinzufügen", "save": "Karte speichern", "added": "Ihre Karte wurde hinzugefügt",
           "needs_js": "Dieses Kartenformular benötigt JavaScript", "sepa": "SEPA-Lastschrift",
           "sign_in": "Jetzt anmelden", "overview": "Übersicht"},
    "zh-CN": {"add": "添加银行卡", "save": "保存银行卡", "added": "您的银行卡已添加",
              "needs_js": "此银行卡表单需要 JavaScript", "sepa": "SEPA 直接借记",
              "sign_in": "立即登录", "overview": "概览"},
}

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def checkout(browser, cfg, axe):
    """The checkout's Stripe card step, in German with JavaScript: the pricing page, the details,
    the pay form (no card number: `method=stripe`), then the setup page's card element; the card
    is confirmed by Stripe.js and the first invoice collected; the customer lands signed in on
    the payment methods page with the card listed."""
    t = TEXT["de"]
    ctx = browser.new_context(locale="de", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{cfg['base']}/p/acme/pricing?currency=EUR")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.goto(f"{cfg['base']}/p/acme/checkout?plan=pro&currency=EUR&quantity=1")
    page.locator("#email").fill(cfg["checkout"]["email"])
    page.locator("#name").fill("Erika Mustermann")
    page.locator("#line1").fill("Hauptstraße 1")
    page.locator("#postal_code").fill("10115")
    page.locator("#city").fill("Berlin")
    page.locator("#country").select_option("DE")
    page.locator("form:has(#email) button[type=submit]").click()
    expect(page.locator("#card-form input[name=method]")).to_have_value("stripe")
    expect(page.locator("#card_number")).to_have_count(0)
    page.locator("#card-form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t["add"])
    card = page.locator("#stripe-card")
    expect(card.get_by_placeholder("number")).to_be_visible()
    axe(page, "de-checkout stripe-card")
    card.get_by_placeholder("number").fill(cfg["checkout"]["card"])
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("31")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("10115")
    page.get_by_role("button", name=t["save"]).click()
    expect(page.get_by_role("status").first).to_contain_text(t["added"])
    expect(page.locator("li.method", has_text=cfg["checkout"]["card"][-4:])).to_have_count(1)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    ctx.close()
    print("PASSED de-checkout", flush=True)


def main():
    cfg = json.load(open(sys.argv[1]))
    axe_source = open(cfg["axe"]).read()
    shots = cfg.get("screenshots")
    violations = []

    def axe(page, name):
        # Evaluated through the browser's protocol: the page's Content-Security-Policy (kept on
        # here) refuses inline script tags.
        page.evaluate(axe_source + "\n;undefined")
        result = page.evaluate("(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } })", AXE_TAGS)
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in v["nodes"]][:3]
                violations.append(f"{name}: {v['id']} ({v['impact']}): {v['help']} {targets}")

    def shot(page, name):
        if not shots:
            return
        os.makedirs(shots, exist_ok=True)
        page.screenshot(path=os.path.join(shots, f"{name}-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 360, "height": 780})
        page.screenshot(path=os.path.join(shots, f"{name}-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for run in cfg["runs"]:
            lang, js = run["lang"], run["js"]
            t = TEXT[lang]
            tag = f"{lang}-{'js' if js else 'nojs'}"
            # No bypass_csp: the page's own policy must let Stripe.js and our script run.
            ctx = browser.new_context(locale=lang, java_script_enabled=js, viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(run["url"])
            page.get_by_role("button", name=t["sign_in"]).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(t["overview"])
            page.goto(f"{cfg['base']}/p/acme/payment-methods")
            expect(page.locator("html")).to_have_attribute("lang", lang)
            page.get_by_role("button", name=t["add"]).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(t["add"])
            if not js:
                expect(page.locator("#needs-js")).to_contain_text(t["needs_js"])
                expect(page.locator("#needs-js")).to_contain_text(t["sepa"])
                expect(page.locator("#stripe-setup")).to_be_hidden()
                ctx.close()
                print(f"PASSED {tag}", flush=True)
                continue
            card = page.locator("#stripe-card")
            expect(card.get_by_placeholder("number")).to_be_visible()
            axe(page, f"{tag} stripe-card")
            card.get_by_placeholder("number").fill(cfg["card"])
            card.get_by_placeholder("exp_month").fill("12")
            card.get_by_placeholder("exp_year").fill("31")
            card.get_by_placeholder("cvc").fill("123")
            card.get_by_placeholder("postal_code").fill("10115")
            shot(page, f"{lang}-stripe-card")
            page.get_by_role("button", name=t["save"]).click()
            # localstripe's stand-in asks for 3-D Secure in its own window.
            page.get_by_role("button", name="Complete authentication").click()
            expect(page.get_by_role("status").first).to_contain_text(t["added"])
            expect(page.locator("li.method", has_text=cfg["card"][-4:])).to_have_count(1)
            assert not [e for e in errors if "Content Security Policy" in e], errors
            ctx.close()
            print(f"PASSED {tag}", flush=True)
        if cfg.get("checkout"):
            checkout(browser, cfg, axe)
        browser.close()
    if violations:
        print("AXE serious/critical violations:\n" + "\n".join(violations), flush=True)
        sys.exit(1)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
