# Común a páginas, correos electrónicos y documentos.
# El nombre del idioma en el propio idioma, como lo muestra el selector de idioma.
language-name = Español
