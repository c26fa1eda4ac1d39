"""The finance staff console in headless Chromium (Debian's package) driven by Playwright.

Started by the Rust test `console::browser_flows_in_chromium` with a JSON file: the base URL,
where axe-core is, the staff password, where screenshots go (or null), and one run per language
(en, de) naming the staff members, the customer and its invoice number, and the date to run.

Per run: the finance user signs in, finds the customer by invoice number, issues a credit note
through the confirm step (and opens every other action form), starts a dry run, reviews it (an
exception if there is one), posts it and downloads its CSV report, downloads March's DATEV
Buchungsstapel from the exports page (a reversed range is refused on the page), uploads a bank
statement and opens an unmatched line; the support
user is refused the credit note (403 page) and answers the customer's billing question from the
inbox through the confirm step (the Rust test then checks the answer reaches the customer over
SMTP) and opens a mail's "Send again" review; the admin's menu fits at 1280 px and 360 px, the
admin opens the staff page, the two-factor set-up and the settings; the analyst sees the
dashboard and nothing else (every other page 403). axe-core
checks every page (no serious or critical violation); screenshots are taken at desktop and 360-px
phone width. The admin also creates an API key, sees its secret once, revokes it, and opens the
webhook endpoints page; uploads a logo (an SVG with a script is refused, a clean one shown),
reviews the offered languages, sets the plan moves, and pauses and resumes the customer's dunning
(docs/adr/0039). The admin also invites a staff member (the invitation page, signed out, under
axe), adds a webhook endpoint and opens its page, and on the gateways page adds a sandbox account
and a routing rule through their reviews and opens the account's page; finance saves the DATEV
settings from the exports page (docs/adr/0049).
"""

import json
import os
import re
import sys
import tempfile

from playwright.sync_api import expect, sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

TEXT = {
    "en": {"sign_in": "Sign in", "dashboard": "Dashboard", "customers": "Customers", "search": "Search",
           "credit": "Issue a credit note", "review": "Review", "confirm": "Confirm",
           "done": "The credit note has been issued", "runs": "Invoice runs", "dry": "Start dry run",
           "post": "Post the run", "posted": "Posted run", "forbidden": "Your role does not allow this action",
           "amount": "5.00", "reason": "Service outage on 3 March", "sign_out": "Sign out",
           "questions": "Questions",
           "answered": "Your answer has been sent", "bank": "Bank", "upload": "Upload and reconcile",
           "settings": "Settings",
           "api_keys": "API keys", "review_key": "Review the key", "webhooks": "Webhooks",
           "revoked": "The key was revoked", "exports": "Exports", "datev": "DATEV Buchungsstapel",
           "gateways": "Gateways", "gateway_added": "The gateway account was added",
           "rules_saved": "The routing rules were saved", "datev_saved": "The DATEV settings were saved"},
    "de": {"sign_in": "Anmelden", "dashboard": "Dashboard", "customers": "Kunden", "search": "Suchen",
           "credit": "Gutschrift erstellen", "review": "Prüfen", "confirm": "Bestätigen",
           "done": "Die Gutschrift wurde erstellt", "runs": "Rechnungsläufe", "dry": "Probelauf starten",
           "post": "Lauf buchen", "posted": "Gebuchter Lauf", "forbidden": "Ihre Rolle erlaubt diese Aktion nicht",
           "amount": "5,00", "reason": "Ausfall am 3. März", "sign_out": "Abmelden",
           "questions": "Fragen",
           "answered": "Ihre Antwort wurde", "bank": "Bank", "upload": "Hochladen und abgleichen",
           "settings": "Einstellungen",
           "api_keys": "API-Schlüssel", "review_key": "Schlüssel prüfen", "webhooks": "Webhooks",
           "revoked": "Der Schlüssel wurde widerrufen", "exports": "Exporte", "datev": "DATEV-Buchungsstapel",
           "gateways": "Zahlungsanbieter", "gateway_added": "Das Konto wurde hinzugefügt",
           "rules_saved": "Die Routing-Regeln wurden gespeichert",
           "datev_saved": "Die DATEV-Einstellungen wurden gespeichert"},
}

LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="6" fill="#1f4e79"/></svg>'
SCRIPTED = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="4" height="4"/></svg>'

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def main():
    cfg = json.load(open(sys.argv[1]))
    base = cfg["base"]
    password = cfg["password"]
    axe_source = open(cfg["axe"]).read()
    shots = cfg.get("screenshots")
    violations = []
    checked = []

    def axe(page, name):
        page.add_script_tag(content=axe_source)
        result = page.evaluate("(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } })", AXE_TAGS)
        checked.append(name)
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in v["nodes"]][:3]
                violations.append(f"{name}: {v['id']} ({v['impact']}): {v['help']} {targets}")

    def shot(page, name, phone=False):
        if not shots:
            return
        os.makedirs(shots, exist_ok=True)
        page.screenshot(path=os.path.join(shots, f"console-{name}.png"), full_page=True)
        if phone:
            page.set_viewport_size({"width": 360, "height": 780})
            page.screenshot(path=os.path.join(shots, f"console-{name}-phone.png"), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})

    def nav_fits(page, name):
        """Every entry of the top navigation is on screen: none cut off or scrolled away."""
        width = page.viewport_size["width"]
        links = page.locator("nav.main a")
        assert links.count() > 0, name
        for i in range(links.count()):
            box = links.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, \
                f"{name}: nav entry {links.nth(i).inner_text()!r} at {box} outside {width}px"
        overflow = page.evaluate("() => { const n = document.querySelector('nav.main'); return n.scrollWidth - n.clientWidth; }")
        assert overflow <= 0, f"{name}: the navigation scrolls by {overflow}px"

    def sign_in(ctx, lang, email):
        page = ctx.new_page()
        page.goto(f"{base}/c/acme/sign-in?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()
        expect(page.locator("#analytics-heading")).to_be_visible()
        return page

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for run in cfg["runs"]:
            lang = run["lang"]
            t = TEXT[lang]
            new_ctx = lambda: browser.new_context(locale=lang, viewport={"width": 1280, "height": 900},
                                                  accept_downloads=True, bypass_csp=True)

            # Finance: sign in (the sign-in page checked first).
            ctx = new_ctx()
            page = ctx.new_page()
            page.goto(f"{base}/c/acme/sign-in?lang={lang}")
            axe(page, f"{lang} sign-in")
            shot(page, f"sign-in-{lang}")
            page.close()
            page = sign_in(ctx, lang, run["finance"])
            # The dashboard: MRR and its movements as SVG charts with a table under each.
            expect(page.locator("figure.chart-figure svg[role=img]").first).to_be_visible()
            axe(page, f"{lang} dashboard")
            shot(page, f"dashboard-{lang}")

            # Find the customer by invoice number; the customer page.
            page.get_by_role("navigation", name=re.compile(".")).first.get_by_role("link", name=t["customers"]).click()
            axe(page, f"{lang} customers")
            page.locator("#q").fill(run["invoice_number"])
            page.get_by_role("button", name=t["search"]).click()
            page.locator("#customers a").first.click()
            expect(page.locator("#invoices")).to_be_visible()
            axe(page, f"{lang} customer")
            shot(page, f"customer-{lang}", phone=True)

            # A credit note through the confirm step.
            page.get_by_role("link", name=t["credit"]).first.click()
            axe(page, f"{lang} credit-note form")
            page.locator("#amount").fill(t["amount"])
            page.locator("#reason").fill(t["reason"])
            page.get_by_role("button", name=t["review"]).click()
            expect(page.locator("#review")).to_be_visible()
            axe(page, f"{lang} credit-note review")
            shot(page, f"credit-note-{lang}")
            page.get_by_role("button", name=t["confirm"]).click()
            expect(page.locator("#done")).to_contain_text(t["done"])
            expect(page.locator("#credit-notes")).to_be_visible()
            # Every other action form on the customer page (void, mark paid, refund, change plan,
            # coupon, portal link, pause): opened, not sent, and checked by axe.
            customer_url = page.url
            hrefs = page.locator("a[href*='/actions/']").evaluate_all("els => els.map(e => e.getAttribute('href'))")
            seen = set()
            for href in hrefs:
                action = href.split("/actions/")[1].split("?")[0]
                if action in seen or action == "credit-note":
                    continue
                seen.add(action)
                response = page.goto(f"{base}{href}")
                assert response.status == 200, (href, response.status)
                expect(page.locator("#reason")).to_be_visible()
                axe(page, f"{lang} {action} form")
            assert {"mark-paid", "change-plan", "apply-coupon"} <= seen, seen
            page.goto(customer_url)

            # A dry run for the date, reviewed, posted; its CSV report.
            page.get_by_role("link", name=t["runs"]).first.click()
            axe(page, f"{lang} runs")
            page.locator("#as_of").fill(run["run_date"])
            page.get_by_role("button", name=t["dry"]).click()
            expect(page.locator("#run-status")).to_be_visible()
            expect(page.locator("#totals-currency")).to_be_visible()
            axe(page, f"{lang} dry run")
            shot(page, f"dry-run-{lang}", phone=True)
            if page.locator("#exceptions a").count() > 0:
                page.locator("#exceptions a").first.click()
                expect(page.locator("#invoices, h1").first).to_be_visible()
                page.go_back()
            page.get_by_role("button", name=t["post"]).click()
            expect(page.get_by_text(t["posted"]).first).to_be_visible()
            assert int(page.locator("#run-invoices").inner_text()) >= 1, page.content()
            axe(page, f"{lang} posted run")
            with page.expect_download() as dl:
                page.locator("#csv").click()
            csv = open(dl.value.path(), encoding="utf-8").read()
            assert len(csv.strip().splitlines()) >= 2, csv
            # The DATEV Buchungsstapel of March from the exports page.
            page.get_by_role("navigation", name=re.compile(".")).first.get_by_role("link", name=t["exports"]).click()
            expect(page.locator("#exports-form")).to_be_visible()
            axe(page, f"{lang} exports")
            shot(page, f"exports-{lang}", phone=True)
            page.locator("#from").fill("2026-03-01")
            page.locator("#to").fill("2026-03-31")
            with page.expect_download() as dl:
                page.get_by_role("button", name=t["datev"]).click()
            assert dl.value.suggested_filename == "EXTF_Buchungsstapel_20260301_20260331.csv", dl.value.suggested_filename
            datev = open(dl.value.path(), "rb").read().decode("cp1252")
            lines = datev.split("\r\n")
            assert lines[0].startswith('"EXTF";700;21;"Buchungsstapel";13;'), lines[0]
            assert lines[1].startswith('"Umsatz (ohne Soll/Haben-Kz)";"Soll/Haben-Kennzeichen"'), lines[1]
            assert len([l for l in lines[2:] if l]) >= 2, "the run's invoices and the credit note are booked"
            # A reversed range: the form again with the reason, no file.
            page.locator("#from").fill("2026-03-31")
            page.locator("#to").fill("2026-03-01")
            page.get_by_role("button", name=t["datev"]).click()
            expect(page.locator("#exports-error")).to_be_visible()
            axe(page, f"{lang} exports refused")
            # The DATEV settings: a number out of DATEV's range refused on the page, then saved.
            page.goto(f"{base}/c/acme/exports")
            page.locator("#consultant_number").fill("999")
            page.locator("#datev-review").click()
            expect(page.locator("#datev-error")).to_be_visible()
            axe(page, f"{lang} datev settings refused")
            page.locator("#consultant_number").fill("29098")
            page.locator("#client_number").fill("55003")
            page.locator("#datev-review").click()
            expect(page.locator("#review")).to_contain_text("29098")
            axe(page, f"{lang} datev settings review")
            page.locator("#confirm").click()
            expect(page.locator("#datev-saved")).to_contain_text(t["datev_saved"])
            axe(page, f"{lang} datev settings saved")
            shot(page, f"datev-settings-{lang}", phone=True)
            for name, path in [("dunning", "/dunning"), ("jobs", "/jobs"), ("account", "/account")]:
                page.goto(f"{base}/c/acme{path}")
                axe(page, f"{lang} {name}")
                if name == "dunning":
                    shot(page, f"dunning-{lang}")
            # A bank statement: one credit without a reference stays to be assigned by hand.
            page.get_by_role("navigation", name=re.compile(".")).first.get_by_role("link", name=t["bank"]).click()
            axe(page, f"{lang} bank")
            statement = os.path.join(tempfile.mkdtemp(), f"statement-{lang}.csv")
            with open(statement, "w", encoding="utf-8") as f:
                f.write("Date,Value date,Counterparty,IBAN,Description,Amount,Currency\n"
                        f"2026-03-02,2026-03-02,Someone,DE88100900001234567892,thanks {lang},12.00,EUR\n")
            page.locator("#file").set_input_files(statement)
            page.get_by_role("button", name=t["upload"]).click()
            expect(page.locator("#open-lines")).to_be_visible()
            axe(page, f"{lang} bank statement")
            shot(page, f"bank-{lang}")
            page.locator("#open-lines a").first.click()
            expect(page.locator("#reason")).to_be_visible()
            axe(page, f"{lang} bank assign")
            page.get_by_role("button", name=t["sign_out"]).click()
            expect(page.locator("#password")).to_be_visible()
            ctx.close()

            # Admin: the settings.
            ctx = new_ctx()
            page = sign_in(ctx, lang, run["admin"])
            # The admin's menu has every entry: all on screen at 1280 px and on a 360-px phone.
            nav_fits(page, f"{lang} admin nav 1280")
            shot(page, f"nav-admin-{lang}")
            page.set_viewport_size({"width": 360, "height": 780})
            nav_fits(page, f"{lang} admin nav 360")
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{base}/c/acme/staff")
            expect(page.locator("main h1")).to_be_visible()
            axe(page, f"{lang} staff")
            # An invitation: its link opened signed out, the page where the invitee sets a password.
            page.locator("#invite-email").fill(f"invited-{lang}@example.com")
            page.locator("#invite-role").select_option("support")
            page.locator("form[action$='/staff'] button[type=submit]").click()
            link = page.locator("#invite-link").inner_text().strip()
            assert "/c/acme/invite?token=" in link, link
            axe(page, f"{lang} staff invited")
            guest = new_ctx()
            invite = guest.new_page()
            invite.goto(link)
            expect(invite.locator("main h1")).to_be_visible()
            assert invite.locator("input[type=password]").count() >= 1, invite.content()
            axe(invite, f"{lang} invite")
            guest.close()
            page.goto(f"{base}/c/acme/account")
            page.locator("form[action$='/account/totp'] button").click()
            expect(page.locator("#totp-secret")).to_be_visible()
            axe(page, f"{lang} totp setup")
            page.get_by_role("navigation", name=re.compile(".")).first.get_by_role("link", name=t["settings"]).click()
            expect(page.locator("#dunning-steps")).to_be_visible()
            axe(page, f"{lang} settings")
            shot(page, f"settings-{lang}", phone=True)
            page.locator("#brand_color").fill("#1f4e79")
            page.locator("#branding-review").click()
            expect(page.locator("#review")).to_be_visible()
            axe(page, f"{lang} settings review")

            # The logo: a scripted SVG (named .png) is refused, a clean one stored and shown.
            page.goto(f"{base}/c/acme/settings")
            page.locator("#logo-file").set_input_files(
                files=[{"name": "logo.png", "mimeType": "image/png", "buffer": SCRIPTED}])
            page.locator("#logo-upload").click()
            expect(page.locator("#logo-error")).to_be_visible()
            axe(page, f"{lang} logo refused")
            page.locator("#logo-file").set_input_files(
                files=[{"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": LOGO}])
            page.locator("#logo-upload").click()
            expect(page.locator("#done")).to_be_visible()
            expect(page.locator("#logo-current img")).to_be_visible()
            expect(page.locator("header img").first).to_be_visible()
            axe(page, f"{lang} settings logo")
            # The offered languages (reviewed, not saved) and the plan moves (saved).
            page.locator("#offered-ja").uncheck()
            page.locator("#languages-review").click()
            expect(page.locator("#review")).to_be_visible()
            axe(page, f"{lang} languages review")
            page.goto(f"{base}/c/acme/settings")
            page.locator("#moves-mode-upgrades").check()
            page.locator("#downgrades_at_period_end").check()
            page.locator("#moves-review").click()
            expect(page.locator("#review")).to_be_visible()
            axe(page, f"{lang} moves review")
            page.locator("#confirm").click()
            expect(page.locator("#done")).to_be_visible()
            expect(page.locator("#moves-mode-upgrades")).to_be_checked()

            # Gateways: a sandbox account added, a routing rule to it, the account's page.
            page.get_by_role("navigation", name=re.compile(".")).first.get_by_role("link", name=t["gateways"]).click()
            expect(page.locator("#gateway-accounts")).to_be_visible()
            axe(page, f"{lang} gateways")
            shot(page, f"gateways-{lang}", phone=True)
            page.locator("#provider").select_option("stripe")
            page.locator("#add-gateway").click()
            expect(page.locator("#config_secret_key")).to_be_visible()
            axe(page, f"{lang} gateway new stripe")
            shot(page, f"gateway-new-{lang}")
            page.goto(f"{base}/c/acme/gateways/new?provider=sandbox")
            page.locator("#gateway-name").fill(f"sandbox-{lang}")
            page.locator("#gateway-review").click()
            expect(page.locator("#review")).to_contain_text(f"sandbox-{lang}")
            axe(page, f"{lang} gateway review")
            page.locator("#confirm").click()
            expect(page.locator("#done")).to_contain_text(t["gateway_added"])
            expect(page.locator("#gateway-accounts")).to_contain_text(f"sandbox-{lang}")
            spare = page.locator("form[action$='/gateways/rules'] > fieldset.card").last
            spare.locator("input[name$='-name']").fill(f"eur-{lang}")
            spare.locator("input[name$='-priority']").fill("10" if lang == "en" else "20")
            spare.locator("input[name$='-currencies']").fill("EUR")
            target = spare.locator("select[name$='-target-0']")
            target.select_option(target.locator("option", has_text=f"sandbox-{lang} (").get_attribute("value"))
            spare.locator("input[name$='-weight-0']").fill("100")
            page.locator("#rules-review").click()
            expect(page.locator("#review")).to_contain_text(f"eur-{lang}")
            axe(page, f"{lang} rules review")
            shot(page, f"rules-review-{lang}")
            page.locator("#confirm").click()
            expect(page.locator("#done")).to_contain_text(t["rules_saved"])
            axe(page, f"{lang} gateways saved")
            page.locator("#gateway-accounts a", has_text=f"sandbox-{lang}").click()
            expect(page.locator("#gateway-facts")).to_be_visible()
            axe(page, f"{lang} gateway account")
            shot(page, f"gateway-{lang}")

            # Pause the customer's dunning (form, review, confirm), then resume it.
            page.goto(f"{base}/c/acme/customers/{run['customer']}")
            page.locator("#pause-dunning").click()
            expect(page.locator("#until")).to_be_visible()
            axe(page, f"{lang} pause form")
            page.locator("#reason").fill(t["reason"])
            page.locator("#review-button").click()
            expect(page.locator("#review")).to_be_visible()
            axe(page, f"{lang} pause review")
            page.locator("#confirm").click()
            expect(page.locator("#dunning-pauses")).to_contain_text(t["reason"])
            axe(page, f"{lang} customer paused")
            shot(page, f"customer-paused-{lang}")
            page.goto(f"{base}/c/acme/dunning")
            expect(page.locator("#paused")).to_contain_text(t["reason"])
            axe(page, f"{lang} dunning paused")
            page.goto(f"{base}/c/acme/customers/{run['customer']}")
            page.locator("#resume-dunning").click()
            page.locator("#reason").fill(t["reason"])
            page.locator("#review-button").click()
            expect(page.locator("#review")).to_be_visible()
            page.locator("#confirm").click()
            expect(page.locator("#pause-dunning")).to_be_visible()
            ctx.close()

            # Support: refused a money action (403 page, audited by the server).
            ctx = new_ctx()
            page = sign_in(ctx, lang, run["support"])
            page.goto(f"{base}/c/acme/customers/{run['customer']}")
            expect(page.locator("#invoices")).to_be_visible()
            assert page.locator("a[href*='actions/credit-note']").count() == 0, "no money action offered"
            response = page.goto(f"{base}/c/acme/customers/{run['customer']}/actions/credit-note?invoice=in_x")
            # An unknown invoice is a 404 for finance; for support the role is refused first.
            assert response.status == 403, response.status
            expect(page.get_by_role("alert")).to_contain_text(t["forbidden"])
            axe(page, f"{lang} refused")
            shot(page, f"refused-{lang}")

            # Support opens "Send again" for one of the customer's mails (the review, not sent).
            page.goto(f"{base}/c/acme/customers/{run['customer']}")
            assert page.locator("#mails a").count() > 0, "the customer's mails are listed"
            page.locator("#mails a").first.click()
            expect(page.locator("main h1")).to_be_visible()
            axe(page, f"{lang} resend review")

            # Support answers the customer's billing question from the inbox.
            page.goto(f"{base}/c/acme/customers/{run['customer']}")
            page.get_by_role("navigation", name=re.compile(".")).first.get_by_role("link", name=t["questions"]).click()
            expect(page.locator("#questions")).to_be_visible()
            expect(page.locator("#median-first")).not_to_have_text("—")
            axe(page, f"{lang} questions")
            shot(page, f"questions-{lang}", phone=True)
            page.locator("#questions a", has_text=run["question_text"]).first.click()
            expect(page.locator("#thread")).to_contain_text(run["question_text"])
            axe(page, f"{lang} question")
            page.locator("#body").fill(run["answer"])
            page.locator("#reply-button").click()
            expect(page.locator("#review")).to_contain_text(run["answer"])
            axe(page, f"{lang} question review")
            page.locator("#confirm").click()
            expect(page.locator("#done")).to_contain_text(t["answered"])
            expect(page.locator("#thread")).to_contain_text(run["answer"])
            shot(page, f"question-{lang}")
            ctx.close()

            # Analyst: the dashboard only.
            ctx = new_ctx()
            page = sign_in(ctx, lang, run["analyst"])
            nav = page.get_by_role("navigation").first
            assert nav.get_by_role("link", name=t["customers"]).count() == 0, "no customers in the analyst's menu"
            menu = page.locator("nav.main a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
            assert menu == ["/c/acme/dashboard", "/c/acme/account"], menu
            for path in ["/customers", f"/customers/{run['customer']}", "/runs", "/dunning", "/jobs", "/questions",
                         "/bank", "/exports", "/settings", "/staff", "/api-keys", "/webhooks", "/gateways"]:
                response = page.goto(f"{base}/c/acme{path}")
                assert response.status == 403, (path, response.status)
            expect(page.get_by_role("alert")).to_contain_text(t["forbidden"])
            page.goto(f"{base}/c/acme/dashboard")
            expect(page.locator("#analytics-heading")).to_be_visible()
            axe(page, f"{lang} analyst dashboard")
            ctx.close()
            # Admin: an API key created with a scope, its secret shown once, then revoked.
            ctx = new_ctx()
            page = sign_in(ctx, lang, run["admin"])
            page.get_by_role("navigation").first.get_by_role("link", name=t["api_keys"]).click()
            expect(page.locator("#api-keys")).to_be_visible()
            axe(page, f"{lang} api keys")
            shot(page, f"api-keys-{lang}", phone=True)
            key_name = f"collector {lang}"
            page.locator("#key-name").fill(key_name)
            page.locator("#scope-usage-write").check()
            page.get_by_role("button", name=t["review_key"]).click()
            expect(page.locator("#review")).to_contain_text("usage:write")
            axe(page, f"{lang} api key review")
            page.get_by_role("button", name=t["confirm"]).click()
            secret = page.locator("#api-key-secret").inner_text()
            assert secret.startswith("sk_"), secret
            axe(page, f"{lang} api key secret")
            page.goto(f"{base}/c/acme/api-keys")
            assert secret not in page.content(), "the secret is shown once"
            row = page.locator("#api-keys tr", has_text=key_name)
            row.locator("a[href$='/revoke']").click()
            expect(page.locator("#review")).to_contain_text(key_name)
            axe(page, f"{lang} api key revoke")
            page.get_by_role("button", name=t["confirm"]).click()
            expect(page.locator("#done")).to_contain_text(t["revoked"])
            page.get_by_role("navigation").first.get_by_role("link", name=t["webhooks"]).click()
            expect(page.locator("#add-webhook")).to_be_visible()
            axe(page, f"{lang} webhooks")
            # A webhook endpoint added (review, confirm: its secret shown once), then its page.
            page.locator("#webhook-url").fill(f"https://hooks.example.com/billing-{lang}")
            page.locator("#add-webhook").click()
            expect(page.locator("#review")).to_contain_text(f"billing-{lang}")
            axe(page, f"{lang} webhook review")
            page.locator("#confirm").click()
            expect(page.locator("#webhook-secret")).to_be_visible()
            axe(page, f"{lang} webhook added")
            page.locator("#webhooks a", has_text=f"billing-{lang}").click()
            expect(page.locator("main h1")).to_be_visible()
            axe(page, f"{lang} webhook endpoint")
            ctx.close()
            print(f"PASSED {lang}", flush=True)
        browser.close()
    print(f"axe checked {len(checked)} pages", flush=True)
    if violations:
        print("AXE serious/critical violations:\n" + "\n".join(violations), flush=True)
        sys.exit(1)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
