"""The customer portal in headless Chromium (Debian's package) driven by Playwright.

Started by the Rust test `portal::browser_flows_in_chromium`, which serves the portal on a test
database and answers on stdin with the sign-in link of each mail it is asked for (a line
`LINK <address>` on stdout). Arguments: a JSON file with the base URL, the runs (language,
JavaScript on or off, the customer's address) and where axe-core and the screenshots are.

Per run: sign in with the link, the overview, answer the NPS question, choose the default
payment method and be refused removing the only one, change the quantity after checking the
preview, open an invoice, download its PDF, pay it, enter a wrong VAT ID (refused in the page's
language), search the FAQ (a hit and a search without one), ask a billing question, cancel with a
reason; then sign up as a new customer through the pricing page and the checkout, add a card
that asks for 3-D Secure and a SEPA Direct Debit mandate (a wrong IBAN refused first; see
`signup`); then, as another customer, confirm a payment that needs 3-D Secure from the
overview's notice on its own page (see `authenticate_payment`). With JavaScript on, axe-core
checks every page (no serious or critical
violation) and screenshots are taken at desktop and 360-px phone width.
"""

import json
import os
import re
import sys

from playwright.sync_api import expect, sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

TEXT = {
    "de": {
        "send": "Anmeldelink senden", "sent": "Sehen Sie in Ihr Postfach", "sign_in": "Jetzt anmelden",
        "overview": "Übersicht", "change": "Tarif oder Menge ändern", "preview": "Kosten anzeigen",
        "confirm": "Änderung bestätigen", "invoices": "Rechnungen", "pdf": "PDF herunterladen",
        "pay": "Mit meiner Standard-Zahlungsmethode bezahlen", "paid": "Bezahlt",
        "details": "Rechnungsdaten", "vat": "USt-IdNr. (freiwillig)", "save": "Speichern",
        "vat_error": "ist keine gültige USt-IdNr.", "cancel": "Abonnement kündigen",
        "reason": "Es ist zu teuer", "keep": "Abonnement behalten", "quantity": "Menge",
        "survey_send": "Feedback senden", "thanks": "Vielen Dank für Ihr Feedback.",
        "methods": "Zahlungsmethoden", "keep_card": "4242", "other_card": "9995",
        "make_default": "Als Standard festlegen", "remove": "Entfernen",
        "default_done": "Ihre Standard-Zahlungsmethode wurde geändert.",
        "removed": "Die Zahlungsmethode wurde entfernt.", "only": "Dies ist Ihre einzige Zahlungsmethode",
        "help": "Hilfe", "search_label": "Hilfe durchsuchen", "search": "Suchen",
        "faq_query": "Erstattung", "faq_hit": "Wie bekomme ich eine Erstattung?",
        "no_hit_query": "Bitcoin", "no_hit": "wurde nichts gefunden",
        "ask": "Frage zur Abrechnung stellen", "topic": "Thema", "topic_invoice": "Eine Rechnung",
        "question": "Ihre Frage", "send_question": "Frage senden",
        "question_sent": "Vielen Dank: Ihre Frage wurde gesendet.", "question_text": "Warum ist meine Rechnung höher als sonst?",
        "pricing": "Tarife und Preise", "seats": "Nutzer", "update_prices": "Preise aktualisieren",
        "choose": "Diesen Tarif wählen", "checkout": "Kasse", "email": "E-Mail-Adresse",
        "name": "Vor- und Nachname", "country": "Land", "continue": "Weiter", "pay_title": "Prüfen und bezahlen",
        "vat_line": "USt. 19 %", "card": "Kartennummer", "welcome": "Willkommen! Ihr Abonnement hat begonnen.",
        "add_card": "Karte hinzufügen", "three_ds": "Karte bestätigen", "three_ds_confirm": "Bestätigen",
        "card_added": "Ihre Karte wurde hinzugefügt",
        "iban": "IBAN", "holder": "Kontoinhaber", "sepa_confirm": "Mandat erteilen",
        "iban_error": "Die Prüfziffern stimmen nicht", "sepa_added": "Ihr SEPA-Lastschriftmandat ist eingerichtet",
        "sepa_method": "SEPA-Lastschrift ····3000", "mandate_text": "Ich ermächtige",
        "auth_notice": "wartet auf Ihre Bestätigung", "auth_continue": "Zahlung bestätigen",
        "auth_title": "Zahlung bestätigen", "auth_paid": "ist bezahlt", "view_invoice": "Rechnung ansehen",
    },
    "zh-CN": {
        "send": "发送登录链接", "sent": "请查收电子邮件", "sign_in": "立即登录",
        "overview": "概览", "change": "更改套餐或数量", "preview": "查看费用",
        "confirm": "确认变更", "invoices": "发票", "pdf": "下载 PDF",
        "pay": "使用默认付款方式付款", "paid": "已付",
        "details": "账单信息", "vat": "增值税号（可选）", "save": "保存",
        "vat_error": "不是有效的增值税号", "cancel": "取消订阅",
        "reason": "价格太贵", "keep": "保留我的订阅", "quantity": "数量",
        "survey_send": "提交反馈", "thanks": "感谢您的反馈。",
        "methods": "付款方式", "keep_card": "4242", "other_card": "9995",
        "make_default": "设为默认", "remove": "删除",
        "default_done": "您的默认付款方式已更改。",
        "removed": "付款方式已删除。", "only": "这是您唯一的付款方式",
        "help": "帮助", "search_label": "搜索帮助", "search": "搜索",
        "faq_query": "退款", "faq_hit": "如何申请退款？",
        "no_hit_query": "比特币", "no_hit": "没有与",
        "ask": "提出账单问题", "topic": "主题", "topic_invoice": "发票",
        "question": "您的问题", "send_question": "发送问题",
        "question_sent": "谢谢：您的问题已发送。", "question_text": "为什么这张发票比平时高？",
        "pricing": "套餐与价格", "seats": "席位", "update_prices": "更新价格",
        "choose": "选择此套餐", "checkout": "结账", "email": "电子邮件地址",
        "name": "姓名", "country": "国家/地区", "continue": "继续", "pay_title": "核对并付款",
        "vat_line": "增值税 19%", "card": "卡号", "welcome": "欢迎！您的订阅已开始。",
        "add_card": "添加银行卡", "three_ds": "确认您的卡", "three_ds_confirm": "确认",
        "card_added": "您的银行卡已添加",
        "iban": "IBAN", "holder": "账户持有人", "sepa_confirm": "确认授权",
        "iban_error": "校验码不匹配", "sepa_added": "您的 SEPA 直接借记授权已设置",
        "sepa_method": "SEPA 直接借记 ····3000", "mandate_text": "确认本授权",
        "auth_notice": "正在等待您的确认", "auth_continue": "确认付款",
        "auth_title": "确认付款", "auth_paid": "已付清", "view_invoice": "查看发票",
    },
}

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def signup(browser, base, run, t, tag, js, check_for, shot):
    """A new customer: the pricing page, the checkout (a wrong VAT ID refused in the page's
    language, then the first invoice with German VAT), the sandbox's test card, the portal; then a
    3-D Secure card added, its challenge completed on the bank's page in the browser."""
    lang = run["lang"]
    ctx = browser.new_context(locale=lang, java_script_enabled=js, viewport={"width": 1280, "height": 900},
                              bypass_csp=True)
    page = ctx.new_page()
    check = (lambda name: check_for(page, f"{tag} {name}")) if js else (lambda name: None)
    page.goto(f"{base}/p/acme/pricing")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(t["pricing"])
    page.get_by_label(t["seats"], exact=True).fill("3")
    page.get_by_role("button", name=t["update_prices"]).click()
    expect(page.locator("#quantity")).to_have_value("3")
    check("pricing")
    if js:
        shot(page, f"{lang}-pricing")
    page.get_by_role("link", name=t["choose"]).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t["checkout"])
    check("checkout")
    page.get_by_label(t["email"], exact=True).fill(run["signup_email"])
    page.get_by_label(t["name"], exact=True).fill("Erika Mustermann")
    page.get_by_label(t["country"], exact=True).select_option("DE")
    page.get_by_label(t["vat"]).fill("DE123456789")
    page.get_by_role("button", name=t["continue"]).click()
    expect(page.locator("#vat-error")).to_contain_text(t["vat_error"])
    check("checkout-error")
    if js:
        shot(page, f"{lang}-checkout")
    page.get_by_label(t["vat"]).fill("DE123456788")
    page.get_by_role("button", name=t["continue"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t["pay_title"])
    expect(page.locator("#first-invoice")).to_contain_text(t["vat_line"])
    check("checkout-pay")
    if js:
        shot(page, f"{lang}-checkout-pay")
    page.get_by_label(t["card"], exact=True).fill("4242424242424242")
    page.locator("#card-form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t["overview"])
    expect(page.get_by_role("status").first).to_have_text(t["welcome"])
    check("signed-up-overview")
    # A card that asks for 3-D Secure: the bank's challenge page, completed here.
    page.get_by_role("navigation").get_by_role("link", name=t["methods"]).click()
    page.get_by_label(t["card"], exact=True).fill("4000002760003184")
    page.get_by_role("button", name=t["add_card"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t["three_ds"])
    check("three-d-secure")
    if js:
        shot(page, f"{lang}-3ds")
    page.get_by_role("button", name=t["three_ds_confirm"], exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(t["card_added"])
    expect(page.locator("li.method", has_text="3184")).to_have_count(1)
    # A SEPA Direct Debit mandate: its text is on the form; a typing error in the IBAN is refused
    # next to the field in the page's language, then the right one is confirmed.
    expect(page.locator("#sepa-mandate")).to_contain_text(t["mandate_text"])
    expect(page.locator("#sepa-mandate")).to_contain_text("DE98ZZZ09999999999")
    page.get_by_label(t["iban"], exact=True).fill("DE89 3704 0044 0532 0103 00")
    page.get_by_label(t["holder"], exact=True).fill("Erika Mustermann")
    page.get_by_role("button", name=t["sepa_confirm"]).click()
    expect(page.locator("#iban-error")).to_contain_text(t["iban_error"])
    expect(page.get_by_label(t["iban"], exact=True)).to_have_attribute("aria-invalid", "true")
    check("sepa-error")
    if js:
        shot(page, f"{lang}-sepa")
    page.get_by_label(t["iban"], exact=True).fill("DE89 3704 0044 0532 0130 00")
    page.get_by_role("button", name=t["sepa_confirm"]).click()
    expect(page.get_by_role("status").first).to_contain_text(t["sepa_added"])
    expect(page.locator("li.method", has_text=t["sepa_method"])).to_have_count(1)
    check("sepa-added")
    ctx.close()


def sign_in(page, base, email, lang, t, check):
    """Signs in with the link from the mail (asked for on stdout, read from stdin)."""
    page.goto(f"{base}/p/acme/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.get_by_label(re.compile("E-Mail|电子邮件")).first.fill(email)
    page.get_by_role("button", name=t["send"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t["sent"])
    print(f"LINK {email}", flush=True)
    link = sys.stdin.readline().strip()
    page.goto(link)
    page.get_by_role("button", name=t["sign_in"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t["overview"])
    check("overview")


def authenticate_payment(browser, base, run, t, tag, js, check_for, shot):
    """A payment that needs 3-D Secure: the merchant charged the card that asks on every charge,
    the overview says the payment waits for the customer, its challenge is answered on the
    sandbox bank's page, and the page the customer comes back to shows the invoice paid."""
    lang = run["lang"]
    ctx = browser.new_context(locale=lang, java_script_enabled=js, viewport={"width": 1280, "height": 900},
                              bypass_csp=True)
    page = ctx.new_page()
    check = (lambda name: check_for(page, f"{tag} {name}")) if js else (lambda name: None)
    sign_in(page, base, run["auth_email"], lang, t, check)
    notice = page.locator("#payment-notice")
    expect(notice).to_contain_text(t["auth_notice"])
    check("overview-payment-notice")
    notice.get_by_role("link", name=t["auth_continue"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t["auth_title"])
    expect(page.locator("#payment-challenge")).to_be_visible()
    check("payment-challenge")
    if js:
        shot(page, f"{lang}-payment-3ds")
    page.get_by_role("button", name=t["three_ds_confirm"], exact=True).click()
    expect(page.locator("#payment-outcome")).to_contain_text(t["auth_paid"])
    check("payment-outcome")
    if js:
        shot(page, f"{lang}-payment-3ds-paid")
    page.get_by_role("link", name=t["view_invoice"]).click()
    expect(page.locator("dd", has_text=t["paid"]).first).to_be_visible()
    ctx.close()


def main():
    cfg = json.load(open(sys.argv[1]))
    base = cfg["base"]
    axe_source = open(cfg["axe"]).read()
    shots = cfg.get("screenshots")
    violations = []

    def axe(page, name):
        page.add_script_tag(content=axe_source)
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
            lang, js, email = run["lang"], run["js"], run["email"]
            t = TEXT[lang]
            tag = f"{lang}-{'js' if js else 'nojs'}"
            ctx = browser.new_context(locale=lang, java_script_enabled=js,
                                      viewport={"width": 1280, "height": 900}, accept_downloads=True, bypass_csp=True)
            page = ctx.new_page()
            check = (lambda name: axe(page, f"{tag} {name}")) if js else (lambda name: None)
            # Sign in with the link from the mail.
            page.goto(f"{base}/p/acme/sign-in")
            expect(page.locator("html")).to_have_attribute("lang", lang)
            check("sign-in")
            page.get_by_label(re.compile("E-Mail|电子邮件")).first.fill(email)
            page.get_by_role("button", name=t["send"]).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(t["sent"])
            print(f"LINK {email}", flush=True)
            link = sys.stdin.readline().strip()
            page.goto(link)
            check("link")
            page.get_by_role("button", name=t["sign_in"]).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(t["overview"])
            check("overview")
            if js and lang == run.get("shots_for", lang):
                shot(page, f"{lang}-overview")
            # The NPS question (the merchant's waiting period is 0 days here): on the next visit.
            page.get_by_role("navigation").get_by_role("link", name=t["overview"]).click()
            nps = page.locator("#survey-nps")
            expect(nps.locator("legend")).to_be_visible()
            check("overview-nps")
            if js:
                shot(page, f"{lang}-survey-nps")
            nps.get_by_label("9", exact=True).check()
            nps.get_by_role("button", name=t["survey_send"]).click()
            expect(page.get_by_role("status").first).to_have_text(t["thanks"])
            expect(page.locator("#survey-nps")).to_have_count(0)
            # Payment methods: the other card becomes the default, then goes (the 4242 card is
            # the default again); the only card left stays.
            page.get_by_role("navigation").get_by_role("link", name=t["methods"]).click()
            page.locator("li.method", has_text=t["other_card"]).get_by_role("button", name=t["make_default"]).click()
            expect(page.get_by_role("status").first).to_have_text(t["default_done"])
            check("payment-methods")
            if js:
                shot(page, f"{lang}-payment-methods")
            page.locator("li.method", has_text=t["other_card"]).get_by_role("button", name=t["remove"]).click()
            expect(page.get_by_role("status").first).to_have_text(t["removed"])
            page.locator("li.method", has_text=t["keep_card"]).get_by_role("button", name=t["remove"]).click()
            expect(page.get_by_role("alert")).to_contain_text(t["only"])
            expect(page.locator("li.method", has_text=t["keep_card"])).to_have_count(1)
            check("payment-methods-refused")
            if js:
                shot(page, f"{lang}-payment-methods-refused")
            page.get_by_role("navigation").get_by_role("link", name=t["overview"]).click()
            # Change the quantity after checking the preview.
            page.get_by_role("link", name=t["change"]).first.click()
            page.get_by_label(t["quantity"]).fill("2")
            page.get_by_role("button", name=t["preview"]).click()
            expect(page.locator("#preview")).to_be_visible()
            total = page.locator("#preview-total").inner_text()
            assert re.search(r"\d", total), total
            check("change-preview")
            if js:
                shot(page, f"{lang}-change-preview")
            page.get_by_role("button", name=t["confirm"]).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(t["overview"])
            expect(page.locator("dd", has_text=re.compile(r"^2$")).first).to_be_visible()
            # An invoice: view, PDF, pay.
            page.get_by_role("navigation").get_by_role("link", name=t["invoices"]).click()
            check("invoices")
            page.locator("table a").first.click()
            check("invoice")
            if js:
                shot(page, f"{lang}-invoice")
            with page.expect_download() as dl:
                page.get_by_role("link", name=t["pdf"]).click()
            path = dl.value.path()
            assert open(path, "rb").read(5) == b"%PDF-", "the download is a PDF"
            page.get_by_role("button", name=t["pay"]).click()
            expect(page.locator("dd", has_text=t["paid"]).first).to_be_visible()
            # A wrong VAT ID is refused in the page's language.
            page.get_by_role("navigation").get_by_role("link", name=t["details"]).click()
            page.get_by_label(t["vat"]).fill("DE123456789")
            page.get_by_role("button", name=t["save"]).click()
            expect(page.locator("#vat-error")).to_contain_text(t["vat_error"])
            check("billing-details-error")
            if js:
                shot(page, f"{lang}-billing-details")
            # Help: the FAQ searched on the server, then a billing question.
            page.get_by_role("navigation").get_by_role("link", name=t["help"]).click()
            check("help")
            page.get_by_label(t["search_label"]).fill(t["faq_query"])
            page.get_by_role("button", name=t["search"], exact=True).click()
            expect(page.locator("details summary").first).to_have_text(t["faq_hit"])
            check("help-search")
            if js:
                shot(page, f"{lang}-help-search")
            page.get_by_label(t["search_label"]).fill(t["no_hit_query"])
            page.get_by_role("button", name=t["search"], exact=True).click()
            expect(page.locator("#search-summary")).to_contain_text(t["no_hit"])
            page.get_by_role("link", name=t["ask"]).click()
            page.get_by_label(t["topic"]).select_option(label=t["topic_invoice"])
            page.get_by_label(t["question"]).fill(t["question_text"])
            check("question-new")
            if js:
                shot(page, f"{lang}-question-new")
            page.get_by_role("button", name=t["send_question"]).click()
            expect(page.get_by_role("status").first).to_contain_text(t["question_sent"])
            page.get_by_role("link", name=t["question_text"]).click()
            expect(page.locator("ol.thread")).to_contain_text(t["question_text"])
            check("question")
            # Cancel with a reason.
            page.get_by_role("navigation").get_by_role("link", name=t["overview"]).click()
            page.get_by_role("link", name=t["cancel"]).first.click()
            check("cancel")
            page.get_by_label(t["reason"]).check()
            page.get_by_role("button", name=t["cancel"]).click()
            expect(page.get_by_role("button", name=t["keep"])).to_be_visible()
            ctx.close()
            signup(browser, base, run, t, tag, js, check_for=axe, shot=shot)
            authenticate_payment(browser, base, run, t, tag, js, check_for=axe, shot=shot)
            print(f"PASSED {tag}", flush=True)
        browser.close()
    if violations:
        print("AXE serious/critical violations:\n" + "\n".join(violations), flush=True)
        sys.exit(1)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
