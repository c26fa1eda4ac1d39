# Commun aux pages, e-mails et documents.
# Le nom de la langue dans cette langue, tel que le sélecteur de langue l’affiche.
language-name = Français
