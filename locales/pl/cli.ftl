# Komunikaty wiersza poleceń `billing`.
cli-run-header = Fakturowanie na dzień { $date }
cli-run-header-dry = Fakturowanie na dzień { $date } (przebieg próbny: nic nie jest zapisywane)
cli-run-tenant = Sprzedawca { $tenant }: subskrypcje do rozliczenia: { $subscriptions }, faktury: { $invoices }
cli-run-currency = { $currency }: faktury: { $count }, netto { $net }, VAT { $vat }, razem { $total }
cli-run-total = Łącznie: faktury: { $invoices }, subskrypcje: { $subscriptions }.
cli-run-nothing = Nie ma nic do zafakturowania.
cli-run-progress = fakturowanie
cli-demo-seeded = Utworzono dane demonstracyjne: sprzedawca „{ $tenant }”, klienci: { $customers }, subskrypcje: { $subscriptions }.
cli-demo-reused = Znaleziono dane demonstracyjne: sprzedawca „{ $tenant }”, klienci: { $customers }; niczego nie dodano.
cli-demo-serving = Billing działa pod adresem { $url }
cli-demo-api-key = Demonstracyjny klucz API: { $key }
cli-demo-try = Wypróbuj: curl -H "Authorization: Bearer { $key }" { $url }/api/v1/customers
cli-demo-stop = Naciśnij Ctrl-C, aby zatrzymać.
cli-serve-listening = Nasłuchiwanie pod adresem { $url }
cli-migrated = Baza danych zmigrowana.
cli-tenant-created = Utworzono sprzedawcę „{ $tenant }” o identyfikatorze { $id }.
cli-api-key-created = Nowy klucz API (pokazywany tylko raz, zapisz go teraz): { $key }
cli-sim-header = Symulacja od { $start } do { $end } (nic nie jest zapisywane)
cli-sim-kind-subscription = faktura
cli-sim-kind-proration = rozliczenie proporcjonalne
cli-sim-kind-credit-note = faktura korygująca
cli-sim-total = Dokumenty: { $count }, razem { $total }; na koniec symulacji subskrypcja ma status { $status }.
cli-fx-imported = Zaimportowano kursy EBC: { $rates }, dni: { $days } (od { $first } do { $last }). Nie zaimportowano (nieznane waluty): { $skipped }
cli-job-done = Zadanie { $name } zakończone: faktury: { $count }.
cli-vies-rechecked = VIES: sprawdzone numery VAT: { $checked }; prawidłowe: { $valid }, nieprawidłowe: { $invalid }, nadal niepotwierdzone: { $unverified }.
cli-run-rates = Według stawki VAT:
cli-run-rate = { $currency } { $category } { $rate } %: faktury: { $count }, netto { $net }, VAT { $vat }, razem { $total }
cli-run-id = Przebieg { $id } ({ $status })
cli-run-resumed = Ten przebieg kontynuuje przebieg, który został przerwany (liczba wznowień: { $count }).
cli-run-skipped = Niezafakturowane z powodu wyjątku: subskrypcje: { $count }.
cli-run-exceptions = Wyjątki ({ $count }):
cli-run-exception-blocking = niezafakturowane
cli-run-exception-warning = ostrzeżenie
cli-run-exception-price-missing = { $customer }: plan „{ $plan }” nie ma ceny w { $currency }; niezafakturowane.
cli-run-exception-tax-undeterminable = { $customer }: nie można ustalić VAT dla { $country } ({ $reason }); niezafakturowane.
cli-run-exception-vat-id-missing = { $customer }: firma w { $country } bez potwierdzonego numeru VAT; VAT naliczony jak dla konsumenta.
cli-run-exception-payment-method-missing = { $customer }: brak domyślnej metody płatności; automatyczne pobranie się nie powiedzie.
cli-run-exception-tax-behavior-mixed = { $customer }: należne okresy planu „{ $plan }” mają ceny częściowo z VAT, a częściowo bez; faktura może mieć tylko jeden rodzaj. Najpierw zafakturuj do dnia poprzedzającego zmianę ceny; niezafakturowane.
cli-runs-none = Nie było jeszcze przebiegów fakturowania.
cli-runs-dry = przebieg próbny
cli-runs-real = przebieg rzeczywisty
cli-runs-line = { $id }  { $date }  { $kind }  { $status }  faktury: { $invoices }, wyjątki: { $exceptions }  { $started }  { $by }
cli-runs-detail = { $kind } na dzień { $date }, rozpoczęty { $started } przez { $by }, zakończony { $finished }, { $ms } ms pracy; rozpatrzone subskrypcje: { $subscriptions }.
cli-runs-not-found = Brak przebiegu fakturowania { $id }.
cli-runs-report-written = Raport przebiegu { $id } zapisano w { $file } (wiersze: { $rows }).
cli-tenant-collection-set = Sprzedawca „{ $tenant }” pobiera teraz płatności przez: { $method }.
cli-collect-summary = Pobieranie płatności na dzień { $as_of }: opłacone: { $collected }, nieopłacone: { $failed }, ponowione oczekujące próby: { $redriven }, oczekujące płatności rozliczone według operatora: { $rechecked }, pominięte: { $skipped }, zakończone zwroty bez odpowiedzi: { $refunds }.
cli-collect-locked = Inny przebieg pobierania płatności trzyma blokadę; nic nie zrobiono.
cli-bank-imported = Zaimportowano wyciąg bankowy { $id }: pozycje: { $entries }, dopasowane: { $matched }, niedopasowane: { $unmatched }, niejednoznaczne: { $ambiguous }.

cli-embedded-serving = Proces billing (pid { $pid }) już obsługuje ten folder danych pod adresem { $url }. Użyj go albo najpierw go zatrzymaj.
cli-embedded-busy = Folder danych { $dir } jest używany przez inny proces billing (pid { $pid }), który nie zwolnił go na czas. Spróbuj ponownie, gdy skończy.
cli-embedded-waiting = Oczekiwanie, aż inny proces billing skończy pracę z { $dir } …
cli-run-date-in-future = Data przebiegu { $as_of } jest późniejsza niż dzisiaj ({ $today }) w strefie czasowej sprzedawcy: faktury zostałyby wystawione z przyszłą datą. Użyj --dry-run, aby spojrzeć w przód, albo --allow-future, jeśli naprawdę tego chcesz.
cli-run-exception-fx-rate-missing = { $customer }: brak kursu EBC dla { $currency } z dnia { $date } ani z { $days } dni wcześniej, więc VAT nie może zostać podany w { $national } (art. 230 dyrektywy VAT); zaimportuj kursy poleceniem billing fx-import; nie zafakturowano.
cli-run-exception-einvoice-data-missing = { $customer }: e-faktura { $format }, którą otrzymuje ten klient, wymaga: { $missing }.
cli-einvoice-exported = Wyeksportowano e-faktury: { $files } ({ $format }, wystawione od { $from } do { $to }) do { $file }.
cli-einvoice-skipped = Brak e-faktury dla { $number }: { $reason }

# billing bench (docs/performance.md)
cli-bench-needs-server = billing bench wymaga DATABASE_URL: tworzy własną bazę danych na tym serwerze PostgreSQL.
cli-bench-subscriptions-range = --subscriptions musi mieścić się w zakresie od 1 do 10000000.
cli-bench-kept = Zachowano bazę danych { $database }.
cli-bench-loading = Wczytywanie klientów i subskrypcji: { $count }…
cli-bench-running = Fakturowanie wymagalnych subskrypcji: { $count }…
cli-bench-floors = Pomiar dolnych granic (COPY tych samych wierszy)…
cli-bench-run = Fakturowanie: subskrypcje: { $subscriptions }, faktury: { $invoices }, czas: { $seconds } s ({ $us } µs na subskrypcję)
cli-bench-rss = Szczytowe zużycie pamięci: { $mib } MiB
cli-bench-rows = Zapisane wiersze: { $rows }
cli-bench-lean = Dolna granica COPY do minimalnych tabel: { $seconds } s; fakturowanie trwa { $ratio } razy dłużej
cli-bench-real = COPY do prawdziwych tabel: { $seconds } s; fakturowanie trwa { $ratio } razy dłużej
cli-bench-rerun = Powtórzenie: { $seconds } s ({ $percent } % czasu fakturowania), zapisane wiersze: { $rows }
cli-bench-phases = Na co idzie czas fakturowania:
cli-bench-usage-range = --events musi wynosić od 1 do 10000000, --batch od 1 do 1000, a --concurrency od 1 do 256.
cli-bench-usage-sending = Wysyłanie { $count } zdarzeń użycia przez API…
cli-bench-usage-batch = Paczki: { $events } zdarzeń w paczkach po { $batch } z { $concurrency } połączeń: { $rate } zdarzeń/s (p50 { $p50 } ms, p99 { $p99 } ms na żądanie)
cli-bench-usage-single = Pojedyncze zdarzenia: { $events }: { $rate } zdarzeń/s (p50 { $p50 } ms, p99 { $p99 } ms)
cli-bench-usage-copy = COPY do usage_events: { $rate } wierszy/s; przyjmowanie paczek osiąga { $ratio } tego
cli-webhooks-run = Webhooki: rozdzielone zdarzenia: { $events }, wysłane doręczenia: { $sent }, do ponowienia: { $retried }, ostatecznie nieudane: { $failed }, wyłączone punkty końcowe: { $disabled }.
cli-request-log-pruned = Dziennik żądań: usunięte wpisy starsze niż { $days } dni: { $count }.

# dunning-retries
predunning-cli-locked = Inne uruchomienie powiadomień przed windykacją trzyma blokadę; nic nie zrobiono.
predunning-cli-summary = Powiadomienia przed windykacją w kolejce: wygasające karty: { $cards }, koniec okresu próbnego: { $trials }, odnowienia: { $renewals }, zapowiedzi polecenia zapłaty: { $debits }.
purge-outbox-cli-summary = Czyszczenie outboxa: usunięto zdarzenia ({ $events }), e-maile ({ $mails }) i dostawy webhooków ({ $deliveries }) starsze niż { $days } dni.
bench-api-range = --customers i --requests muszą wynosić od 1 do 10000000, a --concurrency od 1 do 256.
bench-api-measuring = Pomiar { $scenario }…
bench-api-setup = { $customers } klientów, { $invoices } faktur; { $requests } żądań na scenariusz z { $concurrency } połączeń
bench-api-scenario = { $scenario }: { $rate } żądań/s (p50 { $p50 } ms, p99 { $p99 } ms); { $ratio } przepustowości minimum, p99 { $p99ratio } razy p99 minimum
bench-api-during-run = Przebieg fakturowania trwał { $seconds } s; w jego trakcie odpowiedziano na { $requests } żądań{ $ended ->
    [yes] .
   *[no] , a zakończył się przed pomiarem (użyj większej liczby klientów).
}

# Scheduled jobs (issue 12, docs/adr/0037)
jobs-simulated-clock = SYMULOWANY ZEGAR: ten serwer wykonuje wszystkie zadania i API według czasu zapisanego w { $file } (teraz { $now }), a nie według rzeczywistego czasu. Tylko do testów i środowiska przedprodukcyjnego.
jobs-invoice-run-tenant = Fakturowanie dla { $tenant } na dzień { $as_of }: faktury: { $invoices }, pominięte subskrypcje: { $skipped }.
jobs-invoice-run-done-already = Fakturowanie dla { $tenant } na dzień { $as_of }: już wykonane.
jobs-invoice-run-busy = Fakturowanie dla { $tenant }: wykonuje je inny proces; nic nie zrobiono.
jobs-invoice-run-failed = Fakturowanie dla { $tenant } na dzień { $as_of } nie powiodło się: { $error }
jobs-invoice-run-some-failed = Nieudane fakturowania: { $count }.
jobs-fx-not-configured = Nie ma czego importować: ustaw [fx] url lub [fx] folder.
jobs-metrics-snapshot-done = Migawka wskaźników: zapisano wiersze: { $rows } dla sprzedawców: { $tenants }.
