# Comune a pagine, e-mail e documenti.
# Il nome della lingua nella lingua stessa, come lo mostra il selettore della lingua.
language-name = Italiano
