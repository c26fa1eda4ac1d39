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
dunning-cli-summary = Reclamación de pagos: { $invoices } facturas en reclamación, { $retried } reintentadas ({ $recovered } pagadas), { $skipped } reintentos omitidos (rechazo definitivo o 15 intentos en 30 días con la tarjeta), { $emails } recordatorios en cola, { $uncollectible } marcadas como incobrables, { $failed } con error.
dunning-cli-locked = Otra ejecución de reclamación tiene el bloqueo; no se hizo nada.

mail-billing-question-reply-subject = Tu consulta de facturación: { $tenant } ha respondido
mail-billing-question-reply-heading = Hemos respondido a tu consulta
mail-billing-question-reply-body = { $tenant } ha respondido a tu consulta de facturación. Esta es la respuesta:
mail-action-view-question = Ver la conversación

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
mail-dunning-payment-reminder-subject = Recordatorio de pago: factura { $number }
mail-dunning-payment-reminder-heading = Recordatorio de pago
mail-dunning-payment-reminder-body = Seguramente se le ha pasado por alto: la factura { $number } por { $amount } venció el { $due } y aún no ha sido pagada. Le rogamos que abone el importe pendiente en los próximos días. Si ya ha pagado, haga caso omiso de este escrito.
mail-dunning-first-notice-subject = Primer requerimiento: factura { $number }
mail-dunning-first-notice-heading = Primer requerimiento
mail-dunning-first-notice-body = A pesar de nuestro recordatorio de pago, la factura { $number } por { $amount }, vencida el { $due }, no ha sido pagada. Por tanto, usted se encuentra en mora (§ 286 BGB). Le rogamos que abone de inmediato el importe pendiente.
mail-dunning-second-notice-subject = Segundo requerimiento: factura { $number }
mail-dunning-second-notice-heading = Segundo requerimiento
mail-dunning-second-notice-body = A pesar de nuestro primer requerimiento, la factura { $number } por { $amount }, vencida el { $due }, sigue sin pagarse. Le requerimos que abone sin demora el importe pendiente, incluidos los gastos por mora.
mail-dunning-final-notice-subject = Último requerimiento: factura { $number }
mail-dunning-final-notice-heading = Último requerimiento
mail-dunning-final-notice-body = Este es nuestro último requerimiento: la factura { $number } por { $amount }, vencida el { $due }, no ha sido pagada a pesar de varios requerimientos. Le rogamos que abone de inmediato el importe pendiente, incluidos los gastos por mora. Si no recibimos el pago, emprenderemos acciones legales sin más aviso.
mail-dunning-late-fee-subject = Recargo por demora en la factura { $number }
mail-dunning-late-fee-heading = Recargo por demora
mail-dunning-late-fee-body = La factura { $number } por { $amount }, vencida el { $due }, aún no ha sido pagada. Según nuestras condiciones, cobramos un recargo por demora.
mail-dunning-restrict-subject = Su cuenta en { $tenant } está restringida
mail-dunning-restrict-heading = Su cuenta está restringida
mail-dunning-restrict-body = Como la factura { $number } por { $amount }, vencida el { $due }, no ha sido pagada, no podrá cambiar de plan ni añadir suscripciones hasta que recibamos el pago. La restricción se levanta automáticamente en cuanto se paguen las facturas vencidas.
mail-dunning-pause-subscriptions-subject = Sus suscripciones en { $tenant } están en pausa
mail-dunning-pause-subscriptions-heading = Sus suscripciones están en pausa
mail-dunning-pause-subscriptions-body = Como la factura { $number } por { $amount }, vencida el { $due }, no ha sido pagada, hemos pausado sus suscripciones. Le rogamos que abone el importe pendiente.
mail-dunning-cancel-subscriptions-subject = Sus suscripciones en { $tenant } han finalizado
mail-dunning-cancel-subscriptions-heading = Sus suscripciones han finalizado
mail-dunning-cancel-subscriptions-body = Como la factura { $number } por { $amount }, vencida el { $due }, no ha sido pagada a pesar de nuestros requerimientos, hemos finalizado sus suscripciones con efecto inmediato. El importe pendiente sigue siendo exigible.
mail-dunning-charges-explained = Por el retraso en el pago cobramos los gastos que se indican a continuación. Son una indemnización por daños y, por tanto, no están sujetos al IVA; los facturamos por separado.
mail-fact-interest = Intereses de demora { $rate } anual, { $from } – { $to } (días de interés: { $days })
mail-fact-flat-fee = Cantidad fija por demora en el pago (§ 288, apdo. 5 BGB)
mail-fact-late-fee = Recargo por demora
mail-fact-charges-invoice = Factura de los gastos por mora
mail-fact-total-owed = Total a pagar
dunning-cli-actions = Acciones de cobro: { $notices } requerimientos enviados, { $charged } veces gastos facturados, { $restricted } cuentas restringidas, { $paused } veces suscripciones pausadas, { $canceled } veces suscripciones finalizadas.

mail-sepa-fact-mandate-reference = Referencia de la orden
mail-sepa-fact-creditor-id = Identificador del acreedor
mail-welcome-subject = Bienvenido a { $tenant }
mail-welcome-heading = Le damos la bienvenida
mail-welcome-body = Gracias por registrarse en { $tenant }. Su suscripción ha comenzado.
mail-welcome-portal = En su cuenta puede ver su suscripción y sus facturas, cambiar de plan y actualizar su método de pago en cualquier momento. Para iniciar sesión, solicite un enlace de acceso con esta dirección de correo.
mail-welcome-action = Abrir su cuenta

# Bounces and complaints that come back as mails (docs/adr/0046): POST /api/v1/mail_reports and
# `billing mail report --file`. $address, $tenant (slug), $reason (bounce, complaint), $detail, $id.
mail-report-error-not-a-report = El correo no es una notificación de estado de entrega (RFC 3464) ni un informe de comentarios (RFC 5965): debe ser multipart/report con report-type delivery-status o feedback-report.
mail-report-error-no-status = El informe no contiene ningún estado de destinatario ni tipo de comentario.
mail-report-error-no-message-id = El informe no indica el Message-ID del correo original; indique el comercio (--tenant) para asociarlo por la dirección.
mail-report-cli-suppressed = { $address } queda bloqueada para { $tenant } ({ $reason }): { $detail }
mail-report-cli-already = { $address } ya estaba bloqueada para { $tenant }: { $detail }
mail-report-cli-ignored = No cambia nada para { $address } ({ $tenant }): { $detail }
mail-report-cli-no-mail = Ningún correo corresponde al informe ({ $id }).

# A reminder on an invoice never charged, overdue from its due date (docs/adr/0047).
dunning-due-subject = La factura { $number } está vencida: pague por transferencia o en el portal
dunning-due-heading = Su factura está vencida
dunning-due-body = La factura { $number } por { $amount } vencía el { $due } y aún no hemos recibido su pago.
dunning-due-transfer = Transfiera { $amount } a la cuenta indicada abajo con el número de factura como referencia, o páguela en el portal. Si ya ha pagado, ignore este recordatorio.
dunning-due-portal = Páguela en el portal. Si ya ha pagado, ignore este recordatorio.
dunning-due-fact-holder = Titular de la cuenta
dunning-due-fact-iban = IBAN
dunning-due-fact-bic = BIC
dunning-due-fact-reference = Referencia
# A SEPA mandate revoked or expired (docs/adr/0044).
portal-mandate-end-revoked-subject = Su orden de domiciliación SEPA { $reference } ha sido revocada
portal-mandate-end-revoked-heading = Su orden de domiciliación ha finalizado
portal-mandate-end-revoked-body = La orden de domiciliación SEPA { $reference } de la cuenta terminada en { $last4 } fue revocada el { $date }. { $tenant } ya no cargará esta cuenta. Añada otro método de pago para que su servicio continúe sin interrupciones.
portal-mandate-end-expired-subject = Su orden de domiciliación SEPA { $reference } ha caducado
portal-mandate-end-expired-heading = Su orden de domiciliación ha caducado
portal-mandate-end-expired-body = La orden de domiciliación SEPA { $reference } de la cuenta terminada en { $last4 } caducó el { $date } por no haberse usado durante 36 meses. { $tenant } ya no cargará esta cuenta. Añada un método de pago para que su servicio continúe sin interrupciones.
portal-mandate-end-fact-iban = Cuenta
portal-mandate-end-fact-date = Finalizada el
