# Transactional emails (portal-web/src/mail). Variables: $tenant (merchant), $name (customer),
# $number (document number), $amount (formatted), $due (due date), $date (the date the mail is
# about), $last4 (card), $step (dunning step), $expires (link expiry).

mail-greeting = Hello { $name },
mail-greeting-anonymous = Hello,
mail-signoff = Kind regards,
mail-footer = You receive this email because you are a customer of { $tenant }. Please do not reply with card details.

# A fact or a link in the text part.
mail-text-line = { $label }: { $value }
mail-fact-number = Number
mail-fact-amount = Amount
mail-fact-amount-paid = Amount paid
mail-fact-amount-due = Amount due
mail-fact-due-date = Due date
mail-fact-debit-date = Debit date

mail-action-view = View your account
mail-action-update-method = Update payment method
mail-action-pay = Pay now
mail-action-manage = Manage subscription
mail-action-sign-in = Sign in

mail-invoice-issued-subject = Invoice { $number } from { $tenant }
mail-invoice-issued-heading = Your new invoice
mail-invoice-issued-body = Your invoice { $number } for { $amount } is attached to this email. Please pay it by { $due }.

mail-payment-receipt-subject = Receipt for invoice { $number }
mail-payment-receipt-heading = Thank you for your payment
mail-payment-receipt-body = We have received { $amount } for invoice { $number }. The invoice is now paid.

mail-payment-failed-subject = Payment for invoice { $number } failed
mail-payment-failed-heading = Your payment did not go through
mail-payment-failed-body = We could not collect { $amount } for invoice { $number }.
mail-payment-failed-retry = We will try again on { $date }. You can also update your payment method now.
mail-payment-failed-update = Please add a new payment method so that we can collect the amount.

mail-dunning-step-subject = Reminder: invoice { $number } is overdue
mail-dunning-step-heading = Your invoice is overdue
mail-dunning-step-body = Invoice { $number } over { $amount } was due on { $due } and is still unpaid. Please pay it as soon as possible.

mail-card-expiring-subject = Your card ending in { $last4 } is about to expire
mail-card-expiring-heading = Your card is about to expire
mail-card-expiring-body = The card ending in { $last4 } that you use to pay { $tenant } expires on { $date }. Please add a new card so that your service continues without interruption.

mail-trial-ending-subject = Your trial ends on { $date }
mail-trial-ending-heading = Your trial is ending soon
mail-trial-ending-body = Your trial with { $tenant } ends on { $date }. After that, your subscription continues and is charged to your payment method.

mail-renewal-notice-subject = Your subscription renews on { $date }
mail-renewal-notice-heading = Your subscription renews soon
mail-renewal-notice-body = Your subscription with { $tenant } renews on { $date }. If you want to keep it, there is nothing you need to do.

mail-debit-notice-subject = Upcoming direct debit of { $amount }
mail-debit-notice-heading = Advance notice of a direct debit
mail-debit-notice-body = We will debit { $amount } for invoice { $number } from your bank account on { $date }. Please make sure that the account is sufficiently funded.

mail-subscription-changed-subject = Your subscription has changed
mail-subscription-changed-heading = Your subscription has changed
mail-subscription-changed-body = Your subscription with { $tenant } has been changed. Your next invoice reflects the change.

mail-subscription-canceled-subject = Your subscription has been canceled
mail-subscription-canceled-heading = Your subscription has been canceled
mail-subscription-canceled-body = Your subscription with { $tenant } has been canceled and ends on { $date }. We are sorry to see you go.

mail-credit-note-issued-subject = Credit note { $number } from { $tenant }
mail-credit-note-issued-heading = A credit note for you
mail-credit-note-issued-body = We have issued credit note { $number } for { $amount }. You will find it attached to this email.

mail-sign-in-link-subject = Your sign-in link for { $tenant }
mail-sign-in-link-heading = Sign in to your account
mail-sign-in-link-body = Use the button below to sign in to your account with { $tenant }. The link can be used once and expires on { $expires }.
mail-sign-in-link-ignore = If you did not ask for this link, you can ignore this email.

# The command line.
mail-cli-run = Mail: { $sent } sent, { $retried } to be retried, { $failed } failed, { $suppressed } suppressed ({ $where }).
mail-cli-demo-folder = Emails are not sent in the demo: each one is written as an .eml file into { $folder }

# billing jobs list
jobs-list-none = No job runs recorded yet.
jobs-list-running = running
jobs-list-ok = ok
jobs-list-failed = failed: { $error }
jobs-list-line = { $started }  { $job }  merchant { $tenant }  ({ $trigger })  done { $done }, failed { $failed }  { $status }

# Dunning job (docs/adr/0022)
dunning-cli-summary = Dunning run: { $invoices } invoices in dunning, { $retried } retried ({ $recovered } paid), { $skipped } retries skipped (a hard decline, or 15 attempts in 30 days on the card), { $emails } reminders queued, { $uncollectible } marked uncollectible, { $failed } failed.
dunning-cli-locked = Another dunning run holds the lock; nothing was done.

mail-billing-question-reply-subject = Your billing question: { $tenant } has answered
mail-billing-question-reply-heading = We have answered your question
mail-billing-question-reply-body = { $tenant } has answered your billing question. Here is the answer:
mail-action-view-question = View the conversation

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
mail-dunning-payment-reminder-subject = Payment reminder: invoice { $number }
mail-dunning-payment-reminder-heading = Payment reminder
mail-dunning-payment-reminder-body = It has surely escaped your attention: invoice { $number } over { $amount } was due on { $due } and has not been paid yet. Please settle the open amount within the next few days. If you have already paid, please disregard this letter.
mail-dunning-first-notice-subject = First reminder: invoice { $number }
mail-dunning-first-notice-heading = First reminder
mail-dunning-first-notice-body = Despite our payment reminder, invoice { $number } over { $amount }, due on { $due }, has not been paid. You are therefore in default of payment (§ 286 BGB). Please pay the open amount immediately.
mail-dunning-second-notice-subject = Second reminder: invoice { $number }
mail-dunning-second-notice-heading = Second reminder
mail-dunning-second-notice-body = Despite our first reminder, invoice { $number } over { $amount }, due on { $due }, is still unpaid. We request that you pay the open amount, including the default charges, without delay.
mail-dunning-final-notice-subject = Final reminder: invoice { $number }
mail-dunning-final-notice-heading = Final reminder
mail-dunning-final-notice-body = This is our final reminder: invoice { $number } over { $amount }, due on { $due }, has not been paid despite several reminders. Please pay the open amount, including the default charges, immediately. If payment is not received, we will take legal action without further notice.
mail-dunning-late-fee-subject = Late fee on invoice { $number }
mail-dunning-late-fee-heading = Late fee
mail-dunning-late-fee-body = Invoice { $number } over { $amount }, due on { $due }, has not been paid yet. Under our terms we charge a late fee for this.
mail-dunning-restrict-subject = Your account with { $tenant } is restricted
mail-dunning-restrict-heading = Your account is restricted
mail-dunning-restrict-body = Because invoice { $number } over { $amount }, due on { $due }, has not been paid, you cannot change your plan or add subscriptions until payment is received. The restriction is lifted automatically once the overdue invoices are paid.
mail-dunning-pause-subscriptions-subject = Your subscriptions with { $tenant } are paused
mail-dunning-pause-subscriptions-heading = Your subscriptions are paused
mail-dunning-pause-subscriptions-body = Because invoice { $number } over { $amount }, due on { $due }, has not been paid, we have paused your subscriptions. Please pay the open amount.
mail-dunning-cancel-subscriptions-subject = Your subscriptions with { $tenant } have ended
mail-dunning-cancel-subscriptions-heading = Your subscriptions have ended
mail-dunning-cancel-subscriptions-body = Because invoice { $number } over { $amount }, due on { $due }, was not paid despite our reminders, we have ended your subscriptions with immediate effect. The open amount remains due.
mail-dunning-charges-explained = For the late payment we charge the costs listed below. They are damages and therefore not subject to VAT; we bill them on a separate invoice.
mail-fact-interest = Default interest { $rate } p.a., { $from } – { $to } (interest days: { $days })
mail-fact-flat-fee = Flat fee for late payment (§ 288 (5) BGB)
mail-fact-late-fee = Late fee
mail-fact-charges-invoice = Invoice for the default charges
mail-fact-total-owed = Total to pay
dunning-cli-actions = Dunning actions: { $notices } reminder notices sent, { $charged } times charges billed, { $restricted } accounts restricted, { $paused } times subscriptions paused, { $canceled } times subscriptions ended.

mail-sepa-fact-mandate-reference = Mandate reference
mail-sepa-fact-creditor-id = Creditor identifier
mail-welcome-subject = Welcome to { $tenant }
mail-welcome-heading = Welcome aboard
mail-welcome-body = Thank you for signing up with { $tenant }. Your subscription has started.
mail-welcome-portal = In your account you can see your subscription and invoices, change your plan and update your payment method at any time. To sign in, ask for a sign-in link with this email address.
mail-welcome-action = Open your account

# Bounces and complaints that come back as mails (docs/adr/0046): POST /api/v1/mail_reports and
# `billing mail report --file`. $address, $tenant (slug), $reason (bounce, complaint), $detail, $id.
mail-report-error-not-a-report = The mail is not a delivery status notification (RFC 3464) or a feedback report (RFC 5965): it must be multipart/report with report-type delivery-status or feedback-report.
mail-report-error-no-status = The report carries no recipient status and no feedback type.
mail-report-error-no-message-id = The report names no Message-ID of the original mail; name the merchant (--tenant) to match it by the address.
mail-report-cli-suppressed = { $address } is now suppressed for { $tenant } ({ $reason }): { $detail }
mail-report-cli-already = { $address } was already suppressed for { $tenant }: { $detail }
mail-report-cli-ignored = Nothing changes for { $address } ({ $tenant }): { $detail }
mail-report-cli-no-mail = No mail matches the report ({ $id }).

# A reminder on an invoice never charged, overdue from its due date (docs/adr/0047).
dunning-due-subject = Invoice { $number } is overdue: please pay by transfer or in the portal
dunning-due-heading = Your invoice is overdue
dunning-due-body = Invoice { $number } over { $amount } was due on { $due } and we have not received your payment yet.
dunning-due-transfer = Please transfer { $amount } to the account below with the invoice number as the reference, or pay it in the portal. If you have already paid, please disregard this reminder.
dunning-due-portal = Please pay it in the portal. If you have already paid, please disregard this reminder.
dunning-due-fact-holder = Account holder
dunning-due-fact-iban = IBAN
dunning-due-fact-bic = BIC
dunning-due-fact-reference = Reference
# A SEPA mandate revoked or expired (docs/adr/0044).
portal-mandate-end-revoked-subject = Your SEPA Direct Debit mandate { $reference } has been revoked
portal-mandate-end-revoked-heading = Your direct debit mandate has ended
portal-mandate-end-revoked-body = The SEPA Direct Debit mandate { $reference } for the account ending in { $last4 } was revoked on { $date }. { $tenant } will no longer debit this account. Please add another payment method so that your service continues without interruption.
portal-mandate-end-expired-subject = Your SEPA Direct Debit mandate { $reference } has expired
portal-mandate-end-expired-heading = Your direct debit mandate has expired
portal-mandate-end-expired-body = The SEPA Direct Debit mandate { $reference } for the account ending in { $last4 } expired on { $date } because it was not used for 36 months. { $tenant } will no longer debit this account. Please add a payment method so that your service continues without interruption.
portal-mandate-end-fact-iban = Account
portal-mandate-end-fact-date = Ended on
