# Comum a páginas, e-mails e documentos.
# O nome do idioma no próprio idioma, como o seletor de idioma o mostra.
language-name = Português (Brasil)
