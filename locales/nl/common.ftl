# Gedeeld door pagina's, e-mails en documenten.
# De naam van de taal in de taal zelf, zoals de taalkeuze die toont.
language-name = Nederlands

# De API-referentiepagina /api/docs: haar koppen en labels (de teksten van de operaties blijven Engels).
apidocs-reference = { $title }-referentie
apidocs-skip = Naar de referentie
apidocs-version = versie { $version }
apidocs-contents = Inhoud
apidocs-introduction = Inleiding
apidocs-schemas = Schema’s
apidocs-errors = Foutcodes
apidocs-language = Taal
apidocs-base-path = Basispad:
apidocs-document = Het machineleesbare document (OpenAPI 3.1), om een client uit te genereren:
apidocs-no-key = Geen API-sleutel nodig.
apidocs-parameters = Parameters
apidocs-name = Naam
apidocs-in = Plaats
apidocs-type = Type
apidocs-required = Verplicht
apidocs-description = Beschrijving
apidocs-yes = ja
apidocs-no = nee
apidocs-request-body = Verzoekinhoud
apidocs-optional = (optioneel)
apidocs-responses = Antwoorden
apidocs-status = Status
apidocs-body = Inhoud
apidocs-meaning = Betekenis
apidocs-none = geen
apidocs-field = Veld
apidocs-always-present = Altijd aanwezig
apidocs-errors-shape = Elke fout antwoordt in deze vorm:
apidocs-errors-stable = De code is stabiel; het bericht volgt de Accept-Language-header.
apidocs-code = Code
apidocs-when = Wanneer
apidocs-english-note = De beschrijvingen van operaties, velden en foutcodes zijn in het Engels.
