# Gedeeld door pagina's, e-mails en documenten.
# De naam van de taal in de taal zelf, zoals de taalkeuze die toont.
language-name = Nederlands
