# Wiadomości transakcyjne (portal-web/src/mail).

mail-greeting = Dzień dobry, { $name },
mail-greeting-anonymous = Dzień dobry,
mail-signoff = Z poważaniem
mail-footer = Otrzymujesz tę wiadomość, ponieważ jesteś klientem { $tenant }. Nigdy nie wysyłaj nam danych karty e-mailem.

# A fact or a link in the text part.
mail-text-line = { $label }: { $value }
mail-fact-number = Numer
mail-fact-amount = Kwota
mail-fact-amount-paid = Zapłacona kwota
mail-fact-amount-due = Kwota do zapłaty
mail-fact-due-date = Termin płatności
mail-fact-debit-date = Data obciążenia

mail-action-view = Przejdź do konta
mail-action-update-method = Zaktualizuj metodę płatności
mail-action-pay = Zapłać teraz
mail-action-manage = Zarządzaj subskrypcją
mail-action-sign-in = Zaloguj się

mail-invoice-issued-subject = Faktura { $number } od { $tenant }
mail-invoice-issued-heading = Twoja nowa faktura
mail-invoice-issued-body = W załączniku znajdziesz fakturę { $number } na kwotę { $amount }. Prosimy o zapłatę do { $due }.

mail-payment-receipt-subject = Potwierdzenie zapłaty faktury { $number }
mail-payment-receipt-heading = Dziękujemy za płatność
mail-payment-receipt-body = Otrzymaliśmy { $amount } za fakturę { $number }. Faktura jest opłacona.

mail-payment-failed-subject = Płatność za fakturę { $number } nie powiodła się
mail-payment-failed-heading = Twoja płatność nie została zrealizowana
mail-payment-failed-body = Nie udało się pobrać kwoty { $amount } za fakturę { $number }.
mail-payment-failed-retry = Spróbujemy ponownie { $date }. Możesz też już teraz zaktualizować metodę płatności.
mail-payment-failed-update = Dodaj nową metodę płatności, abyśmy mogli pobrać należność.

mail-dunning-step-subject = Przypomnienie: termin płatności faktury { $number } minął
mail-dunning-step-heading = Termin płatności Twojej faktury minął
mail-dunning-step-body = Faktura { $number } na kwotę { $amount } była płatna { $due } i nadal nie została opłacona. Prosimy o jak najszybszą zapłatę.

mail-card-expiring-subject = Twoja karta zakończona na { $last4 } wkrótce wygaśnie
mail-card-expiring-heading = Twoja karta wkrótce wygaśnie
mail-card-expiring-body = Karta zakończona na { $last4 }, którą płacisz { $tenant }, wygasa { $date }. Dodaj nową kartę, aby usługa działała bez przerwy.

mail-trial-ending-subject = Twój okres próbny kończy się { $date }
mail-trial-ending-heading = Twój okres próbny wkrótce się kończy
mail-trial-ending-body = Twój okres próbny w { $tenant } kończy się { $date }. Później subskrypcja trwa dalej i jest opłacana Twoją metodą płatności.

mail-renewal-notice-subject = Twoja subskrypcja odnowi się { $date }
mail-renewal-notice-heading = Twoja subskrypcja wkrótce się odnowi
mail-renewal-notice-body = Twoja subskrypcja w { $tenant } odnowi się { $date }. Jeśli chcesz ją zachować, nie musisz nic robić.

mail-debit-notice-subject = Zapowiedź polecenia zapłaty na { $amount }
mail-debit-notice-heading = Wcześniejsze powiadomienie o poleceniu zapłaty SEPA
mail-debit-notice-body = { $date } obciążymy Twoje konto bankowe kwotą { $amount } za fakturę { $number }. Zadbaj o wystarczające środki na koncie.

mail-subscription-changed-subject = Twoja subskrypcja została zmieniona
mail-subscription-changed-heading = Twoja subskrypcja została zmieniona
mail-subscription-changed-body = Twoja subskrypcja w { $tenant } została zmieniona. Następna faktura uwzględni tę zmianę.

mail-subscription-canceled-subject = Twoja subskrypcja została anulowana
mail-subscription-canceled-heading = Twoja subskrypcja została anulowana
mail-subscription-canceled-body = Twoja subskrypcja w { $tenant } została anulowana i kończy się { $date }. Przykro nam, że odchodzisz.

mail-credit-note-issued-subject = Faktura korygująca { $number } od { $tenant }
mail-credit-note-issued-heading = Faktura korygująca dla Ciebie
mail-credit-note-issued-body = Wystawiliśmy fakturę korygującą { $number } na kwotę { $amount }. Znajdziesz ją w załączniku.

mail-sign-in-link-subject = Twój link do logowania w { $tenant }
mail-sign-in-link-heading = Zaloguj się do swojego konta
mail-sign-in-link-body = Użyj przycisku poniżej, aby zalogować się do konta w { $tenant }. Link działa jeden raz i wygasa { $expires }.
mail-sign-in-link-ignore = Jeśli nie prosiłeś o ten link, możesz zignorować tę wiadomość.

# The command line.
mail-cli-run = E-maile: wysłane { $sent }, do ponowienia { $retried }, nieudane { $failed }, zablokowane { $suppressed } ({ $where }).
mail-cli-demo-folder = W wersji demonstracyjnej e-maile nie są wysyłane: każdy jest zapisywany jako plik .eml w { $folder }

# billing jobs list
jobs-list-none = Nie zarejestrowano jeszcze żadnych uruchomień zadań.
jobs-list-running = w toku
jobs-list-ok = ok
jobs-list-failed = niepowodzenie: { $error }
jobs-list-line = { $started }  { $job }  sprzedawca { $tenant }  ({ $trigger })  wykonane { $done }, nieudane { $failed }  { $status }

# Dunning job (docs/adr/0022)
dunning-cli-summary = Windykacja: faktury w windykacji: { $invoices }, ponowione obciążenia: { $retried } (opłacone: { $recovered }), pominięte (trwała odmowa lub 15 prób w 30 dni na karcie): { $skipped }, przypomnienia w kolejce: { $emails }, oznaczone jako nieściągalne: { $uncollectible }, błędy: { $failed }.
dunning-cli-locked = Inne uruchomienie windykacji trzyma blokadę; nic nie zrobiono.

mail-billing-question-reply-subject = Twoje pytanie o rozliczenia: { $tenant } odpowiedział
mail-billing-question-reply-heading = Odpowiedzieliśmy na Twoje pytanie
mail-billing-question-reply-body = { $tenant } odpowiedział na Twoje pytanie dotyczące rozliczeń. Oto odpowiedź:
mail-action-view-question = Zobacz rozmowę

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
mail-dunning-payment-reminder-subject = Przypomnienie o płatności: faktura { $number }
mail-dunning-payment-reminder-heading = Przypomnienie o płatności
mail-dunning-payment-reminder-body = Zapewne umknęło to Państwa uwadze: faktura { $number } na kwotę { $amount } była płatna { $due } i nie została jeszcze opłacona. Prosimy o uregulowanie należności w ciągu najbliższych dni. Jeśli płatność została już dokonana, prosimy uznać to pismo za nieaktualne.
mail-dunning-first-notice-subject = Pierwsze wezwanie do zapłaty: faktura { $number }
mail-dunning-first-notice-heading = Pierwsze wezwanie do zapłaty
mail-dunning-first-notice-body = Mimo naszego przypomnienia faktura { $number } na kwotę { $amount }, płatna { $due }, nie została opłacona. Tym samym pozostają Państwo w zwłoce (§ 286 BGB). Prosimy o niezwłoczne uregulowanie należności.
mail-dunning-second-notice-subject = Drugie wezwanie do zapłaty: faktura { $number }
mail-dunning-second-notice-heading = Drugie wezwanie do zapłaty
mail-dunning-second-notice-body = Mimo pierwszego wezwania faktura { $number } na kwotę { $amount }, płatna { $due }, nadal nie została opłacona. Wzywamy do niezwłocznej zapłaty należności wraz z kosztami zwłoki.
mail-dunning-final-notice-subject = Ostateczne wezwanie do zapłaty: faktura { $number }
mail-dunning-final-notice-heading = Ostateczne wezwanie do zapłaty
mail-dunning-final-notice-body = To nasze ostateczne wezwanie: faktura { $number } na kwotę { $amount }, płatna { $due }, mimo kilkukrotnych wezwań nie została opłacona. Prosimy o natychmiastową zapłatę należności wraz z kosztami zwłoki. W przypadku braku płatności podejmiemy kroki prawne bez dalszego uprzedzenia.
mail-dunning-late-fee-subject = Opłata za upomnienie do faktury { $number }
mail-dunning-late-fee-heading = Opłata za upomnienie
mail-dunning-late-fee-body = Faktura { $number } na kwotę { $amount }, płatna { $due }, nie została jeszcze opłacona. Zgodnie z naszymi warunkami naliczamy za to opłatę za upomnienie.
mail-dunning-restrict-subject = Państwa konto w { $tenant } zostało ograniczone
mail-dunning-restrict-heading = Państwa konto zostało ograniczone
mail-dunning-restrict-body = Ponieważ faktura { $number } na kwotę { $amount }, płatna { $due }, nie została opłacona, do czasu otrzymania płatności nie mogą Państwo zmienić planu ani dodać subskrypcji. Ograniczenie zostanie zniesione automatycznie po opłaceniu zaległych faktur.
mail-dunning-pause-subscriptions-subject = Państwa subskrypcje w { $tenant } zostały wstrzymane
mail-dunning-pause-subscriptions-heading = Państwa subskrypcje zostały wstrzymane
mail-dunning-pause-subscriptions-body = Ponieważ faktura { $number } na kwotę { $amount }, płatna { $due }, nie została opłacona, wstrzymaliśmy Państwa subskrypcje. Prosimy o uregulowanie należności.
mail-dunning-cancel-subscriptions-subject = Państwa subskrypcje w { $tenant } zostały zakończone
mail-dunning-cancel-subscriptions-heading = Państwa subskrypcje zostały zakończone
mail-dunning-cancel-subscriptions-body = Ponieważ faktura { $number } na kwotę { $amount }, płatna { $due }, mimo wezwań nie została opłacona, zakończyliśmy Państwa subskrypcje ze skutkiem natychmiastowym. Należność pozostaje wymagalna.
mail-dunning-charges-explained = Za opóźnienie w płatności naliczamy poniższe koszty. Stanowią one odszkodowanie i dlatego nie podlegają VAT; wystawiamy je na osobnej fakturze.
mail-fact-interest = Odsetki za zwłokę { $rate } w skali roku, { $from } – { $to } (dni odsetkowe: { $days })
mail-fact-flat-fee = Zryczałtowana rekompensata za opóźnienie (§ 288 ust. 5 BGB)
mail-fact-late-fee = Opłata za upomnienie
mail-fact-charges-invoice = Faktura za koszty zwłoki
mail-fact-total-owed = Razem do zapłaty
dunning-cli-actions = Działania windykacyjne: wysłano { $notices } wezwań, { $charged } razy naliczono koszty, ograniczono { $restricted } kont, { $paused } razy wstrzymano subskrypcje, { $canceled } razy zakończono subskrypcje.

mail-sepa-fact-mandate-reference = Numer referencyjny upoważnienia
mail-sepa-fact-creditor-id = Identyfikator wierzyciela
mail-welcome-subject = Witamy w { $tenant }
mail-welcome-heading = Witamy
mail-welcome-body = Dziękujemy za rejestrację w { $tenant }. Twoja subskrypcja się rozpoczęła.
mail-welcome-portal = Na swoim koncie możesz w każdej chwili zobaczyć subskrypcję i faktury, zmienić plan i zaktualizować metodę płatności. Aby się zalogować, poproś o link do logowania na ten adres e-mail.
mail-welcome-action = Otwórz swoje konto

# Bounces and complaints that come back as mails (docs/adr/0046): POST /api/v1/mail_reports and
# `billing mail report --file`. $address, $tenant (slug), $reason (bounce, complaint), $detail, $id.
mail-report-error-not-a-report = Wiadomość nie jest raportem o stanie doręczenia (RFC 3464) ani raportem zwrotnym (RFC 5965): musi być typu multipart/report z report-type delivery-status lub feedback-report.
mail-report-error-no-status = Raport nie zawiera statusu odbiorcy ani typu zgłoszenia.
mail-report-error-no-message-id = Raport nie podaje Message-ID pierwotnej wiadomości; wskaż sprzedawcę (--tenant), aby dopasować go po adresie.
mail-report-cli-suppressed = { $address } jest teraz zablokowany dla { $tenant } ({ $reason }): { $detail }
mail-report-cli-already = { $address } był już zablokowany dla { $tenant }: { $detail }
mail-report-cli-ignored = Nic się nie zmienia dla { $address } ({ $tenant }): { $detail }
mail-report-cli-no-mail = Żadna wiadomość nie pasuje do raportu ({ $id }).

# A reminder on an invoice never charged, overdue from its due date (docs/adr/0047).
dunning-due-subject = Termin płatności faktury { $number } minął: zapłać przelewem lub w portalu
dunning-due-heading = Termin płatności Twojej faktury minął
dunning-due-body = Faktura { $number } na kwotę { $amount } była płatna do { $due }, a Twoja płatność jeszcze do nas nie dotarła.
dunning-due-transfer = Przelej { $amount } na rachunek podany poniżej, podając numer faktury w tytule przelewu, lub zapłać w portalu. Jeśli płatność została już wysłana, zignoruj to przypomnienie.
dunning-due-portal = Zapłać fakturę w portalu. Jeśli płatność została już wysłana, zignoruj to przypomnienie.
dunning-due-fact-holder = Właściciel rachunku
dunning-due-fact-iban = IBAN
dunning-due-fact-bic = BIC
dunning-due-fact-reference = Tytuł przelewu
# A SEPA mandate revoked or expired (docs/adr/0044).
portal-mandate-end-revoked-subject = Twoje upoważnienie do polecenia zapłaty SEPA { $reference } zostało odwołane
portal-mandate-end-revoked-heading = Twoje upoważnienie do polecenia zapłaty wygasło
portal-mandate-end-revoked-body = Upoważnienie do polecenia zapłaty SEPA { $reference } dla rachunku kończącego się na { $last4 } zostało odwołane { $date }. { $tenant } nie będzie już obciążać tego rachunku. Dodaj inną metodę płatności, aby usługa działała bez przerw.
portal-mandate-end-expired-subject = Twoje upoważnienie do polecenia zapłaty SEPA { $reference } wygasło
portal-mandate-end-expired-heading = Twoje upoważnienie do polecenia zapłaty wygasło
portal-mandate-end-expired-body = Upoważnienie do polecenia zapłaty SEPA { $reference } dla rachunku kończącego się na { $last4 } wygasło { $date }, ponieważ nie było używane przez 36 miesięcy. { $tenant } nie będzie już obciążać tego rachunku. Dodaj metodę płatności, aby usługa działała bez przerw.
portal-mandate-end-fact-iban = Rachunek
portal-mandate-end-fact-date = Zakończone
