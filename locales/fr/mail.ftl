# E-mails transactionnels (portal-web/src/mail).

mail-greeting = Bonjour { $name },
mail-greeting-anonymous = Bonjour,
mail-signoff = Cordialement,
mail-footer = Vous recevez cet e-mail parce que vous êtes client de { $tenant }. Ne nous envoyez jamais vos données de carte par e-mail.

# A fact or a link in the text part.
mail-text-line = { $label } : { $value }
mail-fact-number = Numéro
mail-fact-amount = Montant
mail-fact-amount-paid = Montant payé
mail-fact-amount-due = Montant dû
mail-fact-due-date = Date d’échéance
mail-fact-debit-date = Date de prélèvement

mail-action-view = Accéder à votre compte
mail-action-update-method = Mettre à jour le moyen de paiement
mail-action-pay = Payer maintenant
mail-action-manage = Gérer l’abonnement
mail-action-sign-in = Se connecter

mail-invoice-issued-subject = Facture { $number } de { $tenant }
mail-invoice-issued-heading = Votre nouvelle facture
mail-invoice-issued-body = Votre facture { $number } d’un montant de { $amount } est jointe à cet e-mail. Merci de la régler avant le { $due }.

mail-payment-receipt-subject = Reçu pour la facture { $number }
mail-payment-receipt-heading = Merci pour votre paiement
mail-payment-receipt-body = Nous avons bien reçu { $amount } pour la facture { $number }. La facture est désormais réglée.

mail-payment-failed-subject = Échec du paiement de la facture { $number }
mail-payment-failed-heading = Votre paiement n’a pas abouti
mail-payment-failed-body = Nous n’avons pas pu encaisser { $amount } pour la facture { $number }.
mail-payment-failed-retry = Nous réessaierons le { $date }. Vous pouvez aussi mettre à jour votre moyen de paiement dès maintenant.
mail-payment-failed-update = Merci d’ajouter un nouveau moyen de paiement afin que nous puissions encaisser le montant.

mail-dunning-step-subject = Rappel : la facture { $number } est en retard
mail-dunning-step-heading = Votre facture est en retard
mail-dunning-step-body = La facture { $number } d’un montant de { $amount } était due le { $due } et n’est toujours pas réglée. Merci de la payer dès que possible.

mail-card-expiring-subject = Votre carte se terminant par { $last4 } expire bientôt
mail-card-expiring-heading = Votre carte expire bientôt
mail-card-expiring-body = La carte se terminant par { $last4 } avec laquelle vous payez { $tenant } expire le { $date }. Merci d’ajouter une nouvelle carte pour que votre service continue sans interruption.

mail-trial-ending-subject = Votre période d’essai se termine le { $date }
mail-trial-ending-heading = Votre période d’essai se termine bientôt
mail-trial-ending-body = Votre période d’essai chez { $tenant } se termine le { $date }. Ensuite, votre abonnement se poursuit et est débité sur votre moyen de paiement.

mail-renewal-notice-subject = Votre abonnement sera renouvelé le { $date }
mail-renewal-notice-heading = Votre abonnement sera bientôt renouvelé
mail-renewal-notice-body = Votre abonnement chez { $tenant } sera renouvelé le { $date }. Si vous souhaitez le conserver, vous n’avez rien à faire.

mail-debit-notice-subject = Prélèvement à venir de { $amount }
mail-debit-notice-heading = Pré-notification de prélèvement SEPA
mail-debit-notice-body = Nous prélèverons { $amount } pour la facture { $number } sur votre compte bancaire le { $date }. Merci de vous assurer que le compte est suffisamment approvisionné.

mail-subscription-changed-subject = Votre abonnement a été modifié
mail-subscription-changed-heading = Votre abonnement a été modifié
mail-subscription-changed-body = Votre abonnement chez { $tenant } a été modifié. Votre prochaine facture tient compte de ce changement.

mail-subscription-canceled-subject = Votre abonnement a été résilié
mail-subscription-canceled-heading = Votre abonnement a été résilié
mail-subscription-canceled-body = Votre abonnement chez { $tenant } a été résilié et prend fin le { $date }. Nous regrettons votre départ.

mail-credit-note-issued-subject = Avoir { $number } de { $tenant }
mail-credit-note-issued-heading = Un avoir pour vous
mail-credit-note-issued-body = Nous avons émis l’avoir { $number } d’un montant de { $amount }. Vous le trouverez en pièce jointe.

mail-sign-in-link-subject = Votre lien de connexion pour { $tenant }
mail-sign-in-link-heading = Connectez-vous à votre compte
mail-sign-in-link-body = Utilisez le bouton ci-dessous pour vous connecter à votre compte chez { $tenant }. Le lien n’est utilisable qu’une fois et expire le { $expires }.
mail-sign-in-link-ignore = Si vous n’avez pas demandé ce lien, vous pouvez ignorer cet e-mail.

# The command line.
mail-cli-run = E-mails : { $sent } envoyés, { $retried } à réessayer, { $failed } en échec, { $suppressed } bloqués ({ $where }).
mail-cli-demo-folder = La démo n’envoie pas d’e-mails : chacun est écrit comme fichier .eml dans { $folder }

# billing jobs list
jobs-list-none = Aucune exécution de tâche enregistrée.
jobs-list-running = en cours
jobs-list-ok = ok
jobs-list-failed = échec : { $error }
jobs-list-line = { $started }  { $job }  marchand { $tenant }  ({ $trigger })  traités { $done }, en échec { $failed }  { $status }

# Dunning job (docs/adr/0022)
dunning-cli-summary = Relances : { $invoices } factures en relance, { $retried } nouvelles tentatives ({ $recovered } payées), { $skipped } tentatives omises (refus définitif ou 15 essais en 30 jours sur la carte), { $emails } rappels mis en file, { $uncollectible } déclarées irrécouvrables, { $failed } en échec.
dunning-cli-locked = Une autre exécution des relances détient le verrou ; rien n’a été fait.

mail-billing-question-reply-subject = Votre question de facturation : { $tenant } a répondu
mail-billing-question-reply-heading = Nous avons répondu à votre question
mail-billing-question-reply-body = { $tenant } a répondu à votre question de facturation. Voici la réponse :
mail-action-view-question = Voir la conversation

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
mail-dunning-payment-reminder-subject = Rappel de paiement : facture { $number }
mail-dunning-payment-reminder-heading = Rappel de paiement
mail-dunning-payment-reminder-body = Cela vous a sans doute échappé : la facture { $number } d’un montant de { $amount } était due le { $due } et n’a pas encore été réglée. Merci de régler le montant dû dans les prochains jours. Si vous avez déjà payé, veuillez ne pas tenir compte de ce courrier.
mail-dunning-first-notice-subject = Première relance : facture { $number }
mail-dunning-first-notice-heading = Première relance
mail-dunning-first-notice-body = Malgré notre rappel de paiement, la facture { $number } d’un montant de { $amount }, échue le { $due }, n’a pas été réglée. Vous êtes donc en retard de paiement (§ 286 BGB). Merci de régler immédiatement le montant dû.
mail-dunning-second-notice-subject = Deuxième relance : facture { $number }
mail-dunning-second-notice-heading = Deuxième relance
mail-dunning-second-notice-body = Malgré notre première relance, la facture { $number } d’un montant de { $amount }, échue le { $due }, reste impayée. Nous vous demandons de régler sans délai le montant dû, frais de retard compris.
mail-dunning-final-notice-subject = Dernière relance : facture { $number }
mail-dunning-final-notice-heading = Dernière relance
mail-dunning-final-notice-body = Ceci est notre dernière relance : la facture { $number } d’un montant de { $amount }, échue le { $due }, n’a pas été réglée malgré plusieurs relances. Merci de régler immédiatement le montant dû, frais de retard compris. À défaut de paiement, nous engagerons une action en justice sans autre préavis.
mail-dunning-late-fee-subject = Frais de relance sur la facture { $number }
mail-dunning-late-fee-heading = Frais de relance
mail-dunning-late-fee-body = La facture { $number } d’un montant de { $amount }, échue le { $due }, n’a pas encore été réglée. Conformément à nos conditions, nous facturons des frais de relance.
mail-dunning-restrict-subject = Votre compte chez { $tenant } est restreint
mail-dunning-restrict-heading = Votre compte est restreint
mail-dunning-restrict-body = La facture { $number } d’un montant de { $amount }, échue le { $due }, n’ayant pas été réglée, vous ne pouvez ni changer de formule ni ajouter d’abonnement jusqu’à réception du paiement. La restriction est levée automatiquement dès que les factures en retard sont payées.
mail-dunning-pause-subscriptions-subject = Vos abonnements chez { $tenant } sont suspendus
mail-dunning-pause-subscriptions-heading = Vos abonnements sont suspendus
mail-dunning-pause-subscriptions-body = La facture { $number } d’un montant de { $amount }, échue le { $due }, n’ayant pas été réglée, nous avons suspendu vos abonnements. Merci de régler le montant dû.
mail-dunning-cancel-subscriptions-subject = Vos abonnements chez { $tenant } ont pris fin
mail-dunning-cancel-subscriptions-heading = Vos abonnements ont pris fin
mail-dunning-cancel-subscriptions-body = La facture { $number } d’un montant de { $amount }, échue le { $due }, n’ayant pas été réglée malgré nos relances, nous avons mis fin à vos abonnements avec effet immédiat. Le montant dû reste exigible.
mail-dunning-charges-explained = Pour le retard de paiement, nous facturons les frais indiqués ci-dessous. Il s’agit de dommages-intérêts, non soumis à la TVA ; ils figurent sur une facture distincte.
mail-fact-interest = Intérêts de retard { $rate } par an, { $from } – { $to } (jours d’intérêts : { $days })
mail-fact-flat-fee = Indemnité forfaitaire pour retard de paiement (§ 288, al. 5 BGB)
mail-fact-late-fee = Frais de relance
mail-fact-charges-invoice = Facture des frais de retard
mail-fact-total-owed = Total à payer
dunning-cli-actions = Actions de relance : { $notices } relances envoyées, { $charged } fois des frais facturés, { $restricted } comptes restreints, { $paused } fois des abonnements suspendus, { $canceled } fois des abonnements résiliés.

mail-sepa-fact-mandate-reference = Référence unique du mandat
mail-sepa-fact-creditor-id = Identifiant créancier
mail-welcome-subject = Bienvenue chez { $tenant }
mail-welcome-heading = Bienvenue
mail-welcome-body = Merci de votre inscription chez { $tenant }. Votre abonnement a commencé.
mail-welcome-portal = Dans votre espace client, vous pouvez consulter votre abonnement et vos factures, changer de formule et modifier votre moyen de paiement à tout moment. Pour vous connecter, demandez un lien de connexion à cette adresse e-mail.
mail-welcome-action = Ouvrir mon espace client

# Bounces and complaints that come back as mails (docs/adr/0046): POST /api/v1/mail_reports and
# `billing mail report --file`. $address, $tenant (slug), $reason (bounce, complaint), $detail, $id.
mail-report-error-not-a-report = Cet e-mail n’est ni une notification d’état de remise (RFC 3464) ni un rapport de retour (RFC 5965) : il doit être multipart/report avec report-type delivery-status ou feedback-report.
mail-report-error-no-status = Le rapport ne contient ni état de destinataire ni type de retour.
mail-report-error-no-message-id = Le rapport ne donne pas le Message-ID de l’e-mail d’origine ; indiquez le marchand (--tenant) pour le rapprocher par l’adresse.
mail-report-cli-suppressed = { $address } est désormais bloquée pour { $tenant } ({ $reason }) : { $detail }
mail-report-cli-already = { $address } était déjà bloquée pour { $tenant } : { $detail }
mail-report-cli-ignored = Rien ne change pour { $address } ({ $tenant }) : { $detail }
mail-report-cli-no-mail = Aucun e-mail ne correspond au rapport ({ $id }).

# A reminder on an invoice never charged, overdue from its due date (docs/adr/0047).
dunning-due-subject = La facture { $number } est en retard : veuillez payer par virement ou sur le portail
dunning-due-heading = Votre facture est en retard
dunning-due-body = La facture { $number } d’un montant de { $amount } était due le { $due } et nous n’avons pas encore reçu votre paiement.
dunning-due-transfer = Veuillez virer { $amount } sur le compte ci-dessous en indiquant le numéro de facture comme référence, ou payer sur le portail. Si vous avez déjà payé, merci de ne pas tenir compte de ce rappel.
dunning-due-portal = Veuillez la payer sur le portail. Si vous avez déjà payé, merci de ne pas tenir compte de ce rappel.
dunning-due-fact-holder = Titulaire du compte
dunning-due-fact-iban = IBAN
dunning-due-fact-bic = BIC
dunning-due-fact-reference = Référence
# A SEPA mandate revoked or expired (docs/adr/0044).
portal-mandate-end-revoked-subject = Votre mandat de prélèvement SEPA { $reference } a été révoqué
portal-mandate-end-revoked-heading = Votre mandat de prélèvement a pris fin
portal-mandate-end-revoked-body = Le mandat de prélèvement SEPA { $reference } pour le compte se terminant par { $last4 } a été révoqué le { $date }. { $tenant } ne prélèvera plus ce compte. Merci d’ajouter un autre moyen de paiement pour que votre service continue sans interruption.
portal-mandate-end-expired-subject = Votre mandat de prélèvement SEPA { $reference } a expiré
portal-mandate-end-expired-heading = Votre mandat de prélèvement a expiré
portal-mandate-end-expired-body = Le mandat de prélèvement SEPA { $reference } pour le compte se terminant par { $last4 } a expiré le { $date } faute d’utilisation pendant 36 mois. { $tenant } ne prélèvera plus ce compte. Merci d’ajouter un moyen de paiement pour que votre service continue sans interruption.
portal-mandate-end-fact-iban = Compte
portal-mandate-end-fact-date = Fin le
