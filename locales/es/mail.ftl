# Correos transaccionales (portal-web/src/mail).

mail-greeting = Hola, { $name }:
mail-greeting-anonymous = Hola:
mail-signoff = Atentamente,
mail-footer = Recibe este correo porque es cliente de { $tenant }. No nos envíe nunca los datos de su tarjeta por correo.

# A fact or a link in the text part.
mail-text-line = { $label }: { $value }
mail-fact-number = Número
mail-fact-amount = Importe
mail-fact-amount-paid = Importe pagado
mail-fact-amount-due = Importe pendiente
mail-fact-due-date = Fecha de vencimiento
mail-fact-debit-date = Fecha del adeudo

mail-action-view = Ver su cuenta
mail-action-update-method = Actualizar el método de pago
mail-action-pay = Pagar ahora
mail-action-manage = Gestionar la suscripción
mail-action-sign-in = Iniciar sesión

mail-invoice-issued-subject = Factura { $number } de { $tenant }
mail-invoice-issued-heading = Su nueva factura
mail-invoice-issued-body = Adjuntamos su factura { $number } por { $amount }. Le rogamos que la pague antes del { $due }.

mail-payment-receipt-subject = Recibo de la factura { $number }
mail-payment-receipt-heading = Gracias por su pago
mail-payment-receipt-body = Hemos recibido { $amount } por la factura { $number }. La factura ya está pagada.

mail-payment-failed-subject = El pago de la factura { $number } ha fallado
mail-payment-failed-heading = Su pago no se ha podido realizar
mail-payment-failed-body = No hemos podido cobrar { $amount } por la factura { $number }.
mail-payment-failed-retry = Lo intentaremos de nuevo el { $date }. También puede actualizar ya su método de pago.
mail-payment-failed-update = Añada un nuevo método de pago para que podamos cobrar el importe.

mail-dunning-step-subject = Recordatorio: la factura { $number } está vencida
mail-dunning-step-heading = Su factura está vencida
mail-dunning-step-body = La factura { $number } por { $amount } vencía el { $due } y sigue sin pagarse. Le rogamos que la pague lo antes posible.

mail-card-expiring-subject = Su tarjeta terminada en { $last4 } caduca pronto
mail-card-expiring-heading = Su tarjeta caduca pronto
mail-card-expiring-body = La tarjeta terminada en { $last4 } con la que paga a { $tenant } caduca el { $date }. Añada una tarjeta nueva para que su servicio continúe sin interrupciones.

mail-trial-ending-subject = Su periodo de prueba termina el { $date }
mail-trial-ending-heading = Su periodo de prueba termina pronto
mail-trial-ending-body = Su periodo de prueba con { $tenant } termina el { $date }. Después, su suscripción continúa y se cobra a su método de pago.

mail-renewal-notice-subject = Su suscripción se renueva el { $date }
mail-renewal-notice-heading = Su suscripción se renueva pronto
mail-renewal-notice-body = Su suscripción con { $tenant } se renueva el { $date }. Si desea mantenerla, no tiene que hacer nada.

mail-debit-notice-subject = Próximo adeudo de { $amount }
mail-debit-notice-heading = Aviso previo de adeudo SEPA
mail-debit-notice-body = El { $date } cargaremos { $amount } por la factura { $number } en su cuenta bancaria. Asegúrese de que la cuenta tenga fondos suficientes.

mail-subscription-changed-subject = Su suscripción ha cambiado
mail-subscription-changed-heading = Su suscripción ha cambiado
mail-subscription-changed-body = Su suscripción con { $tenant } se ha modificado. Su próxima factura refleja el cambio.

mail-subscription-canceled-subject = Su suscripción ha sido cancelada
mail-subscription-canceled-heading = Su suscripción ha sido cancelada
mail-subscription-canceled-body = Su suscripción con { $tenant } se ha cancelado y termina el { $date }. Lamentamos que se vaya.

mail-credit-note-issued-subject = Factura rectificativa { $number } de { $tenant }
mail-credit-note-issued-heading = Una factura rectificativa para usted
mail-credit-note-issued-body = Hemos emitido la factura rectificativa { $number } por { $amount }. La encontrará adjunta a este correo.

mail-sign-in-link-subject = Su enlace de acceso a { $tenant }
mail-sign-in-link-heading = Acceda a su cuenta
mail-sign-in-link-body = Use el botón de abajo para acceder a su cuenta de { $tenant }. El enlace solo puede usarse una vez y caduca el { $expires }.
mail-sign-in-link-ignore = Si no ha solicitado este enlace, puede ignorar este correo.

# The command line.
mail-cli-run = Correos: { $sent } enviados, { $retried } por reintentar, { $failed } fallidos, { $suppressed } bloqueados ({ $where }).
mail-cli-demo-folder = La demo no envía correos: cada uno se guarda como archivo .eml en { $folder }

# billing jobs list
jobs-list-none = Aún no hay ejecuciones de tareas registradas.
jobs-list-running = en curso
jobs-list-ok = correcto
jobs-list-failed = fallida: { $error }
jobs-list-line = { $started }  { $job }  comercio { $tenant }  ({ $trigger })  hechos { $done }, fallidos { $failed }  { $status }

# Dunning job (docs/adr/0022)
dunning-cli-summary = Reclamación de pagos: { $invoices } facturas en reclamación, { $retried } reintentadas ({ $recovered } pagadas), { $skipped } reintentos omitidos tras un rechazo definitivo, { $emails } recordatorios en cola, { $uncollectible } marcadas como incobrables, { $failed } con error.
dunning-cli-locked = Otra ejecución de reclamación tiene el bloqueo; no se hizo nada.

mail-billing-question-reply-subject = Tu consulta de facturación: { $tenant } ha respondido
mail-billing-question-reply-heading = Hemos respondido a tu consulta
mail-billing-question-reply-body = { $tenant } ha respondido a tu consulta de facturación. Esta es la respuesta:
mail-action-view-question = Ver la conversación
