# Wspólne dla stron, e-maili i dokumentów.
# Nazwa języka w tym języku, tak jak pokazuje ją przełącznik języka.
language-name = Polski
