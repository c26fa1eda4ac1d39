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
cli-run-exception-einvoice-data-missing = { $customer }: the { $format } e-invoice this customer receives needs { $missing }.
cli-einvoice-exported = Exported { $files } e-invoices ({ $format }, issued { $from } to { $to }) to { $file }.
cli-einvoice-skipped = No e-invoice for { $number }: { $reason }
