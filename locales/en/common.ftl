# Shared across pages, emails and documents.
# The language's own name, as a language switcher lists it.
language-name = English
