# Komunikaty o błędach API. Każdemu komunikatowi towarzyszy stały kod czytelny dla maszyn.
error-unknown-currency = „{ $value }” nie jest znaną walutą. Użyj kodu ISO 4217, na przykład EUR.
error-currency-mismatch = Nie można łączyć kwot w { $left } i w { $right }.
error-amount-overflow = Kwota jest za duża.
error-amount-too-precise = Kwoty w { $currency } mają co najwyżej { $exponent } miejsc po przecinku.
error-amount-invalid = „{ $value }” nie jest prawidłową kwotą. Zapisz ją jako 12.34.
error-negative-amount = Kwota nie może być ujemna.
error-invalid-email = „{ $value }” nie jest prawidłowym adresem e-mail.
error-invalid-country = „{ $value }” nie jest kodem kraju. Użyj kodu ISO 3166, na przykład PL.
error-invalid-interval = Okres rozliczeniowy jest nieprawidłowy: { $detail }
error-invalid-id = „{ $value }” nie jest prawidłowym identyfikatorem tego rodzaju (powinien zaczynać się od { $prefix }_).
error-invalid-field = Wartość pola „{ $field }” jest nieprawidłowa: { $detail }
error-invalid-quantity = Ilość musi być liczbą całkowitą od 1 do { $max }.
error-not-found = { $resource ->
    [customer] Nie istnieje klient
    [plan] Nie istnieje plan
    [subscription] Nie istnieje subskrypcja
    [invoice] Nie istnieje faktura
    [coupon] Nie istnieje kupon
    [tenant] Nie istnieje sprzedawca
   *[other] Nie istnieje nic
} o identyfikatorze „{ $id }”.
error-plan-not-priced = Plan „{ $plan }” nie jest oferowany w { $currency }.
error-plan-inactive = Plan „{ $plan }” nie jest już oferowany.
error-duplicate = „{ $code }” jest już używany.
error-invalid-number-format = Format numeru faktury jest nieprawidłowy: { $detail }
error-internal = Po naszej stronie wystąpił błąd. Spróbuj ponownie później.
error-api-key-missing = Wyślij swój klucz API w nagłówku „Authorization: Bearer sk_…”.
error-api-key-invalid = Ten klucz API jest nieprawidłowy albo został unieważniony.
error-invalid-body = Treść żądania jest nieprawidłowa dla tego endpointu: { $detail }
error-invalid-query = Parametry zapytania są nieprawidłowe: { $detail }
error-idempotency-key-reused = Ten Idempotency-Key został już użyty dla innego żądania.
error-idempotency-key-invalid = Idempotency-Key musi mieć od 1 do 255 widocznych znaków.
error-route-not-found = Taki endpoint nie istnieje.
error-method-not-allowed = Ten endpoint nie przyjmuje tej metody.
error-payload-too-large = Treść żądania jest za duża.
error-proration = Zmiany nie można rozliczyć proporcjonalnie: { $detail }
error-subscription-state = Subskrypcja jest { $status ->
    [active] aktywna
    [paused] wstrzymana
   *[canceled] anulowana
}, więc nie jest to możliwe ({ $action }).
error-invalid-pricing = Cennik jest nieprawidłowy: { $detail }
error-coupon-expired = Ten kupon wygasł.
error-coupon-exhausted = Ten kupon został już wykorzystany.
error-coupon-currency = Tego kuponu nie można użyć dla kwot w { $currency }.
error-invalid-coupon = Kupon jest nieprawidłowy: { $detail }
error-not-metered = Subskrypcja { $subscription } nie ma planu rozliczanego według zużycia.
error-usage-period-closed = Zdarzenie zużycia { $event_id } przypada na okres, który został już zafakturowany.
error-vat-id-prefix = „{ $country }” nie jest znanym nam prefiksem numeru VAT. Zacznij numer VAT od kodu kraju, np. PL lub DE.
error-vat-id-format = To nie jest format numeru VAT z kraju { $country }.
error-vat-id-check-digits = Cyfry kontrolne tego numeru VAT z kraju { $country } się nie zgadzają. Sprawdź, czy nie ma literówki.
error-tax = Nie można ustalić VAT dla tej sprzedaży: { $detail }
error-no-payment-method = Klient nie ma zapisanej metody płatności. Najpierw ją dodaj.
error-card-declined = Karta została odrzucona ({ $code }).
error-setup-pending = Klient nie zakończył jeszcze potwierdzania tej metody płatności w swoim banku. Spróbuj ponownie, gdy to zrobi.
error-setup-authentication-failed = Bank nie mógł potwierdzić tej metody płatności ({ $code }). Nie została zapisana; dodaj ją ponownie lub użyj innej.
error-gateway-unavailable = Operator płatności nie odpowiedział. Nic nie zostało pobrane dwukrotnie; spróbuj ponownie później.
error-invoice-not-payable = Ta faktura ma status { $status }: nie ma nic do pobrania.
error-addon-not-compatible = Dodatku „{ $addon }” nie można dodać do planu „{ $plan }”.
error-insufficient-balance = Saldo środków klienta jest za małe (dostępne { $available } jednostek podrzędnych { $currency }).
error-refund-too-large = Na tej fakturze można zwrócić co najwyżej { $refundable } jednostek podrzędnych { $currency }.
error-invoice-state = Faktura ma status { $status }: w tym stanie nie można jej { $action }.
error-credit-exceeds-invoice = Na tej fakturze można jeszcze skorygować co najwyżej { $creditable } jednostek podrzędnych { $currency }.
error-invoice-has-payments = Za tę fakturę wpłynęły już pieniądze, więc nie można jej unieważnić. Zamiast tego wystaw fakturę korygującą lub zwrot.
error-invoice-empty = Faktura nie ma pozycji. Dodaj co najmniej jedną pozycję przed jej wystawieniem.
error-no-gateway-route = Żadne konto operatora płatności nie może przyjąć tej płatności: { $reason }
error-invalid-gateway-config = Konfiguracja operatora płatności jest nieprawidłowa: { $detail }
error-webhook-rejected = Webhook został odrzucony: brak podpisu albo jest on błędny lub zbyt stary.
error-webhook-unverifiable = Nie można teraz sprawdzić tego powiadomienia u operatora płatności. Wyślij je ponownie później.
error-invalid-iban = „{ $value }” nie jest prawidłowym numerem IBAN: sprawdź kod kraju, długość i dwie cyfry kontrolne.
error-invalid-bic = „{ $value }” nie jest prawidłowym kodem BIC: ma on 8 lub 11 liter i cyfr.
error-bank-account-missing = Nie skonfigurowano jeszcze rachunku bankowego do przelewów: ustaw go przez PUT /api/v1/bank_account.
error-invalid-statement = Nie udało się odczytać wyciągu bankowego ({ $location }): { $detail }
error-statement-format-unknown = Wyślij wyciąg jako XML camt.053 (Content-Type application/xml) lub CSV (text/csv) albo podaj format przez ?format=camt053 lub ?format=csv.
error-statement-layout-unknown = Nie istnieje układ CSV o nazwie „{ $value }”. Użyj german lub english albo go pomiń, aby układ został rozpoznany po wierszu nagłówka.
error-statement-entry-settled = Ta pozycja wyciągu ma status { $outcome } i nie można jej przypisać do faktury; można to zrobić tylko z niedopasowanymi lub niejednoznacznymi wpływami.
error-epc-qr-unavailable = Ta faktura nie ma kodu QR EPC: nie jest w euro albo nic nie pozostało do zapłaty.
error-invalid-tax-behavior = „{ $value }” nie jest sposobem ujęcia podatku. Użyj „exclusive” (VAT doliczany do ceny) lub „inclusive” (cena zawiera VAT).
error-tax-behavior-mixed = Faktura zawiera wyłącznie ceny brutto albo wyłącznie ceny netto. Te kwoty połączyłyby ceny zawierające VAT z cenami bez VAT; wystaw je na osobnych dokumentach.

error-idempotency-key-in-use = Żądanie z tym kluczem Idempotency-Key jest nadal przetwarzane. Spróbuj ponownie za chwilę z tym samym kluczem.
error-payment-in-progress = Płatność tej faktury już trwa. Zaczekaj na jej wynik zamiast płacić ponownie.
error-refund-failed = Operator płatności odrzucił zwrot; nic nie zostało zwrócone. Powód: { $reason }
error-run-date-in-future = Data przebiegu { $as_of } jest późniejsza niż dzisiaj ({ $today }) w Twojej strefie czasowej: faktury zostałyby wystawione z przyszłą datą. Sprawdź przyszłość przebiegiem próbnym albo zezwól na to wprost (allow_future).
error-fx-rate-missing = Brak kursu referencyjnego EBC dla { $currency } z dnia { $date } ani z { $days } dni wcześniej, więc VAT nie może zostać podany w { $national }, jak wymaga art. 230 dyrektywy VAT. Zaimportuj kursy EBC (billing fx-import) i zatwierdź ponownie.
error-invalid-text = Pole { $field } zawiera znak sterujący ({ $char }). Usuń go; dozwolone są tylko tabulatory i znaki nowego wiersza.
error-text-too-long = Pole { $field } jest dłuższe niż { $max } znaków.
error-amount-out-of-bounds = Kwota jest poza zakresem: kwoty mogą wynosić najwyżej { $max } jednostek podrzędnych, dodatnio lub ujemnie.
error-request-timeout = Treść żądania nie dotarła na czas.
error-rate-limited = Zbyt wiele nieudanych prób uwierzytelnienia z Twojego adresu. Spróbuj ponownie za { $seconds } s.
error-bad-request = Żądanie jest nieprawidłowe: { $detail }
error-service-unavailable = Usługa jest w tej chwili niedostępna. Spróbuj ponownie później.
error-einvoice-data-missing = Nie można utworzyć e-faktury { $format }: brakuje { $missing }.
error-einvoice-not-finalized = E-fakturę mają tylko zatwierdzone faktury i noty korygujące. Najpierw zatwierdź wersję roboczą.
einvoice-missing-seller-address = adres pocztowy sprzedawcy (POST /api/v1/tenant)
einvoice-missing-seller-tax-id = numer VAT lub numer podatkowy sprzedawcy (numer VAT dla dostaw wewnątrzwspólnotowych i eksportu)
einvoice-missing-seller-tax-number = numer podatkowy sprzedawcy (dokument niepodlegający VAT nie może zawierać numeru VAT)
einvoice-missing-seller-contact-name = osoba kontaktowa sprzedawcy (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-phone = telefon kontaktowy sprzedawcy (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-email = kontaktowy adres e-mail sprzedawcy (POST /api/v1/tenant/einvoice)
einvoice-missing-buyer-address = adres rozliczeniowy klienta z kodem pocztowym i miejscowością
einvoice-missing-buyer-reference = Leitweg-ID klienta jako referencja nabywcy (nabywca publiczny; POST /api/v1/customers/…/einvoice)
einvoice-missing-payment-means = instrukcje płatności: rachunek bankowy sprzedawcy lub zapisana karta klienta
einvoice-missing-currency-precision = waluta z najwyżej dwoma miejscami po przecinku (kwoty EN 16931 mają dwa)
einvoice-missing-mixed-not-subject-to-vat = osobne dokumenty dla dostaw niepodlegających VAT i pozostałych

# Outgoing webhooks (docs/adr/0024).
error-invalid-webhook-url = „{ $url }” nie może odbierać webhooków: użyj adresu https:// (http:// jest dozwolony tylko dla 127.0.0.1 lub localhost, do testów), bez nazwy użytkownika, hasła i #fragmentu.
error-webhook-endpoint-disabled = Ten punkt końcowy webhooków jest wyłączony. Włącz go (status „enabled”), zanim ponownie wyślesz do niego zdarzenia.
error-insufficient-scope = Ten klucz API nie może tego zrobić: potrzebny jest zakres „{ $scope }”.

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
error-invalid-late-fee = Opłata za upomnienie jest nieprawidłowa: { $detail }
error-account-restricted = Państwa konto jest ograniczone z powodu zaległych faktur: zmiana planu i nowe subskrypcje będą możliwe po ich opłaceniu.
# api-limits: rate limits per API key and per merchant (docs/adr/0033).
error-rate-limited-key = Ten klucz API lub Twoje konto wysłało w tej minucie ponad { $limit } żądań. Spróbuj ponownie za { $seconds } s.
sepa-period-invalid = Okres uprzedniego powiadomienia SEPA musi być całkowitą liczbą dni kalendarzowych od { $min } do { $max } albo null dla 14 dni z zasad SEPA. Niczego nie zmieniono.
