# Comune a pagine, e-mail e documenti.
# Il nome della lingua nella lingua stessa, come lo mostra il selettore della lingua.
language-name = Italiano

# La pagina di riferimento dell’API /api/docs: titoli ed etichette (i testi delle operazioni restano in inglese).
apidocs-reference = Riferimento di { $title }
apidocs-skip = Vai al riferimento
apidocs-version = versione { $version }
apidocs-contents = Indice
apidocs-introduction = Introduzione
apidocs-schemas = Schemi
apidocs-errors = Codici di errore
apidocs-language = Lingua
apidocs-base-path = Percorso di base:
apidocs-document = Il documento leggibile dalla macchina (OpenAPI 3.1), da cui generare un client:
apidocs-no-key = Nessuna chiave API necessaria.
apidocs-parameters = Parametri
apidocs-name = Nome
apidocs-in = Posizione
apidocs-type = Tipo
apidocs-required = Obbligatorio
apidocs-description = Descrizione
apidocs-yes = sì
apidocs-no = no
apidocs-request-body = Corpo della richiesta
apidocs-optional = (facoltativo)
apidocs-responses = Risposte
apidocs-status = Stato
apidocs-body = Corpo
apidocs-meaning = Significato
apidocs-none = nessuno
apidocs-field = Campo
apidocs-always-present = Sempre presente
apidocs-errors-shape = Ogni errore risponde in questa forma:
apidocs-errors-stable = Il codice è stabile; il messaggio segue l’intestazione Accept-Language.
apidocs-code = Codice
apidocs-when = Quando
apidocs-english-note = Le descrizioni di operazioni, campi e codici di errore sono in inglese.
