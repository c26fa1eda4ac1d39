# Gemeinsam für Seiten, E-Mails und Dokumente.
# Der Name der Sprache in ihr selbst, wie ihn die Sprachauswahl zeigt.
language-name = Deutsch
