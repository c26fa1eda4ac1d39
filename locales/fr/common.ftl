# Commun aux pages, e-mails et documents.
# Le nom de la langue dans cette langue, tel que le sélecteur de langue l’affiche.
language-name = Français

# La page de référence de l’API /api/docs : ses titres et libellés (les textes des opérations restent en anglais).
apidocs-reference = Référence { $title }
apidocs-skip = Aller à la référence
apidocs-version = version { $version }
apidocs-contents = Sommaire
apidocs-introduction = Introduction
apidocs-schemas = Schémas
apidocs-errors = Codes d’erreur
apidocs-language = Langue
apidocs-base-path = Chemin de base :
apidocs-document = Le document lisible par machine (OpenAPI 3.1), pour générer un client :
apidocs-no-key = Aucune clé d’API nécessaire.
apidocs-parameters = Paramètres
apidocs-name = Nom
apidocs-in = Emplacement
apidocs-type = Type
apidocs-required = Obligatoire
apidocs-description = Description
apidocs-yes = oui
apidocs-no = non
apidocs-request-body = Corps de la requête
apidocs-optional = (facultatif)
apidocs-responses = Réponses
apidocs-status = Statut
apidocs-body = Corps
apidocs-meaning = Signification
apidocs-none = aucun
apidocs-field = Champ
apidocs-always-present = Toujours présent
apidocs-errors-shape = Chaque erreur répond sous cette forme :
apidocs-errors-stable = Le code est stable ; le message suit l’en-tête Accept-Language.
apidocs-code = Code
apidocs-when = Quand
apidocs-english-note = Les descriptions des opérations, des champs et des codes d’erreur sont en anglais.
