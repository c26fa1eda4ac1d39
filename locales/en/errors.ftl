# API error messages. The stable machine-readable code travels beside each message.
error-unknown-currency = “{ $value }” is not a known currency. Use an ISO 4217 code such as EUR.
error-currency-mismatch = Amounts in { $left } and { $right } cannot be combined.
error-amount-overflow = The amount is too large.
error-amount-too-precise = Amounts in { $currency } have at most { $exponent } decimal places.
error-amount-invalid = “{ $value }” is not a valid amount. Write it like 12.34.
error-negative-amount = The amount must not be negative.
error-invalid-email = “{ $value }” is not a valid email address.
error-invalid-country = “{ $value }” is not a country code. Use an ISO 3166 code such as DE.
error-invalid-interval = The billing interval is not valid: { $detail }
error-invalid-id = “{ $value }” is not a valid id of this kind (expected one starting with { $prefix }_).
error-invalid-field = The value of “{ $field }” is not valid: { $detail }
error-invalid-quantity = The quantity must be a whole number from 1 to { $max }.
error-not-found = { $resource ->
    [customer] No customer
    [plan] No plan
    [subscription] No subscription
    [invoice] No invoice
    [coupon] No coupon
    [tenant] No merchant
   *[other] Nothing
} exists with the id “{ $id }”.
error-plan-not-priced = The plan “{ $plan }” is not offered in { $currency }.
error-plan-inactive = The plan “{ $plan }” is no longer offered.
error-duplicate = “{ $code }” is already in use.
error-invalid-number-format = The invoice number format is not valid: { $detail }
error-internal = Something went wrong on our side. Please try again later.
error-api-key-missing = Send your API key in the header “Authorization: Bearer sk_…”.
error-api-key-invalid = This API key is not valid or has been revoked.
error-invalid-body = The request body is not valid for this endpoint: { $detail }
error-invalid-query = The query parameters are not valid: { $detail }
error-idempotency-key-reused = This Idempotency-Key was already used for a different request.
error-idempotency-key-in-use = A request with this Idempotency-Key is still being processed. Retry in a moment with the same key.
error-idempotency-key-invalid = An Idempotency-Key must be 1 to 255 visible characters.
error-route-not-found = There is no such endpoint.
error-method-not-allowed = This endpoint does not accept that method.
error-payload-too-large = The request body is too large.
error-proration = The change cannot be prorated: { $detail }
error-subscription-state = The subscription is { $status ->
    [active] active
    [paused] paused
   *[canceled] canceled
}, so this is not possible ({ $action }).
error-invalid-pricing = The pricing is not valid: { $detail }
error-coupon-expired = This coupon has expired.
error-coupon-exhausted = This coupon has been used up.
error-coupon-currency = This coupon cannot be used for amounts in { $currency }.
error-invalid-coupon = The coupon is not valid: { $detail }
error-not-metered = The subscription { $subscription } is not on a metered plan.
error-usage-period-closed = The usage event { $event_id } falls in a period that has already been invoiced.
error-vat-id-prefix = “{ $country }” is not a VAT ID prefix we know. Start the VAT ID with its country code, e.g. DE or FR.
error-vat-id-format = This is not the format of a VAT ID from { $country }.
error-vat-id-check-digits = The check digits of this VAT ID from { $country } do not match. Please check for a typing error.
error-tax = The VAT for this sale cannot be determined: { $detail }
error-no-payment-method = The customer has no payment method on file. Add one first.
error-payment-in-progress = A payment of this invoice is already in progress. Wait for its result instead of paying again.
error-card-declined = The card was declined ({ $code }).
error-setup-pending = The customer has not finished confirming this payment method with their bank yet. Try again once they have.
error-setup-authentication-failed = The bank could not confirm this payment method ({ $code }). It was not saved; add it again or use another one.
error-gateway-unavailable = The payment provider did not answer. Nothing was charged twice; please try again later.
error-invoice-not-payable = This invoice is { $status }: there is nothing to collect.
error-addon-not-compatible = The add-on “{ $addon }” cannot be added to the plan “{ $plan }”.
error-insufficient-balance = The customer's credit balance is too small ({ $available } minor units of { $currency } available).
error-refund-too-large = At most { $refundable } minor units of { $currency } can be refunded on this invoice.
error-refund-failed = The payment provider refused the refund; nothing was refunded. Reason: { $reason }
error-invoice-state = The invoice is { $status }: it cannot { $action } in that state.
error-credit-exceeds-invoice = At most { $creditable } minor units of { $currency } can still be credited on this invoice.
error-invoice-has-payments = Money was received for this invoice, so it cannot be voided. Issue a credit note or a refund instead.
error-invoice-empty = The invoice has no lines. Add at least one line before finalizing it.
error-no-gateway-route = No payment provider account can take this payment: { $reason }
error-invalid-gateway-config = The payment provider configuration is not valid: { $detail }
error-webhook-rejected = The webhook was rejected: its signature is missing, wrong or too old.
error-webhook-unverifiable = The delivery cannot be checked with the payment provider right now. Deliver it again later.
error-invalid-iban = “{ $value }” is not a valid IBAN: check the country code, the length and the two check digits.
error-invalid-bic = “{ $value }” is not a valid BIC: it has 8 or 11 letters and digits.
error-bank-account-missing = No bank account is set up for bank transfers yet: set one with PUT /api/v1/bank_account.
error-invalid-statement = The bank statement could not be read ({ $location }): { $detail }
error-statement-format-unknown = Send the statement as camt.053 XML (Content-Type application/xml) or CSV (text/csv), or name the format with ?format=camt053 or ?format=csv.
error-statement-layout-unknown = There is no CSV layout called “{ $value }”. Use german or english, or leave it out to have the layout recognized from the header row.
error-statement-entry-settled = This statement entry is { $outcome } and cannot be assigned to an invoice; only unmatched or ambiguous credits can.
error-epc-qr-unavailable = This invoice has no EPC QR code: it is not in euro or nothing is due on it.
error-invalid-tax-behavior = “{ $value }” is not a tax behaviour. Use “exclusive” (VAT is added to the price) or “inclusive” (the price includes VAT).
error-tax-behavior-mixed = An invoice is either all tax-inclusive or all tax-exclusive. These amounts would mix prices that include VAT with prices that do not; issue them on separate documents.
error-run-date-in-future = The run date { $as_of } is after today ({ $today }) in your time zone: invoices would be issued with a future date. Look ahead with a dry run, or allow it explicitly (allow_future).
error-fx-rate-missing = There is no ECB reference rate for { $currency } on { $date } or in the { $days } days before, so the VAT cannot be stated in { $national } as Art. 230 of the VAT Directive requires. Import the ECB rates (billing fx-import) and finalize again.
error-invalid-text = The field { $field } contains a control character ({ $char }). Remove it; only tabs and line breaks are allowed.
error-text-too-long = The field { $field } is longer than { $max } characters.
error-amount-out-of-bounds = The amount is out of range: amounts may be at most { $max } minor units, positive or negative.
error-request-timeout = The request body did not arrive in time.
error-rate-limited = Too many failed authentication attempts from your address. Try again in { $seconds } seconds.
error-bad-request = The request is not valid: { $detail }
error-service-unavailable = The service is not available right now. Try again later.

# E-invoices (XRechnung, ZUGFeRD): API errors, the data an e-invoice may lack, the invoice
# run's exception and the CLI export.
error-einvoice-data-missing = The { $format } e-invoice cannot be made: it needs { $missing }.
error-einvoice-not-finalized = Only finalized invoices and credit notes have an e-invoice. Finalize the draft first.
einvoice-missing-seller-address = the seller's postal address (POST /api/v1/tenant)
einvoice-missing-seller-tax-id = the seller's VAT ID or tax number (a VAT ID for intra-Community supplies and exports)
einvoice-missing-seller-tax-number = the seller's tax number (a document not subject to VAT may not show a VAT ID)
einvoice-missing-seller-contact-name = the seller's contact name (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-phone = the seller's contact phone number (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-email = the seller's contact e-mail address (POST /api/v1/tenant/einvoice)
einvoice-missing-buyer-address = the customer's billing address with postal code and city
einvoice-missing-buyer-reference = the customer's Leitweg-ID as buyer reference (public buyer; POST /api/v1/customers/…/einvoice)
einvoice-missing-payment-means = payment instructions: a bank account for the seller or a card on file for the customer
einvoice-missing-currency-precision = a currency with at most two decimals (EN 16931 amounts have two)
einvoice-missing-mixed-not-subject-to-vat = separate documents for supplies not subject to VAT and other supplies

# Outgoing webhooks (docs/adr/0024).
error-invalid-webhook-url = “{ $url }” cannot receive webhooks: use an https:// address (http:// is accepted only for 127.0.0.1 or localhost, for testing), without a user name, password or #fragment.
error-webhook-endpoint-disabled = This webhook endpoint is disabled. Enable it (status “enabled”) before redelivering events to it.
error-insufficient-scope = This API key may not do this: it needs the scope “{ $scope }”.

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
error-invalid-late-fee = The late fee is not valid: { $detail }
error-account-restricted = Your account is restricted because invoices are overdue: plan changes and new subscriptions are possible again once they are paid.
# api-limits: rate limits per API key and per merchant (docs/adr/0033).
error-rate-limited-key = This API key or your account made more than { $limit } requests this minute. Try again in { $seconds } seconds.
sepa-period-invalid = The SEPA pre-notification period must be a whole number of calendar days from { $min } to { $max }, or null for the SEPA rulebook’s 14 days. Nothing was changed.
