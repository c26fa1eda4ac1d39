# Gemeinsam für Seiten, E-Mails und Dokumente.
# Der Name der Sprache in ihr selbst, wie ihn die Sprachauswahl zeigt.
language-name = Deutsch

# Die API-Referenz /api/docs: ihre Überschriften und Beschriftungen (die Texte der Operationen bleiben englisch).
apidocs-reference = { $title } – Referenz
apidocs-skip = Zur Referenz springen
apidocs-version = Version { $version }
apidocs-contents = Inhalt
apidocs-introduction = Einführung
apidocs-schemas = Schemas
apidocs-errors = Fehlercodes
apidocs-language = Sprache
apidocs-base-path = Basispfad:
apidocs-document = Das maschinenlesbare Dokument (OpenAPI 3.1), aus dem sich ein Client erzeugen lässt:
apidocs-no-key = Kein API-Schlüssel nötig.
apidocs-parameters = Parameter
apidocs-name = Name
apidocs-in = Ort
apidocs-type = Typ
apidocs-required = Pflicht
apidocs-description = Beschreibung
apidocs-yes = ja
apidocs-no = nein
apidocs-request-body = Anfragetext
apidocs-optional = (optional)
apidocs-responses = Antworten
apidocs-status = Status
apidocs-body = Inhalt
apidocs-meaning = Bedeutung
apidocs-none = keiner
apidocs-field = Feld
apidocs-always-present = Immer vorhanden
apidocs-errors-shape = Jeder Fehler antwortet in dieser Form:
apidocs-errors-stable = Der Code bleibt stabil; die Meldung folgt dem Accept-Language-Header.
apidocs-code = Code
apidocs-when = Wann
apidocs-english-note = Die Beschreibungen der Operationen, Felder und Fehlercodes sind auf Englisch.
