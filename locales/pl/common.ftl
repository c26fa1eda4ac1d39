# Wspólne dla stron, e-maili i dokumentów.
# Nazwa języka w tym języku, tak jak pokazuje ją przełącznik języka.
language-name = Polski

# Strona dokumentacji API /api/docs: jej nagłówki i etykiety (teksty operacji pozostają po angielsku).
apidocs-reference = Dokumentacja { $title }
apidocs-skip = Przejdź do dokumentacji
apidocs-version = wersja { $version }
apidocs-contents = Spis treści
apidocs-introduction = Wprowadzenie
apidocs-schemas = Schematy
apidocs-errors = Kody błędów
apidocs-language = Język
apidocs-base-path = Ścieżka bazowa:
apidocs-document = Dokument do odczytu maszynowego (OpenAPI 3.1), z którego można wygenerować klienta:
apidocs-no-key = Klucz API nie jest potrzebny.
apidocs-parameters = Parametry
apidocs-name = Nazwa
apidocs-in = Miejsce
apidocs-type = Typ
apidocs-required = Wymagany
apidocs-description = Opis
apidocs-yes = tak
apidocs-no = nie
apidocs-request-body = Treść żądania
apidocs-optional = (opcjonalna)
apidocs-responses = Odpowiedzi
apidocs-status = Status
apidocs-body = Treść
apidocs-meaning = Znaczenie
apidocs-none = brak
apidocs-field = Pole
apidocs-always-present = Zawsze obecne
apidocs-errors-shape = Każdy błąd odpowiada w tej postaci:
apidocs-errors-stable = Kod jest stały; komunikat zależy od nagłówka Accept-Language.
apidocs-code = Kod
apidocs-when = Kiedy
apidocs-english-note = Opisy operacji, pól i kodów błędów są po angielsku.
