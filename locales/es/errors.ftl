# Mensajes de error de la API. El código estable y legible por máquina acompaña a cada mensaje.
error-unknown-currency = «{ $value }» no es una moneda conocida. Use un código ISO 4217, por ejemplo EUR.
error-currency-mismatch = No se pueden combinar importes en { $left } y en { $right }.
error-amount-overflow = El importe es demasiado grande.
error-amount-too-precise = Los importes en { $currency } tienen como máximo { $exponent } decimales.
error-amount-invalid = «{ $value }» no es un importe válido. Escríbalo como 12.34.
error-negative-amount = El importe no puede ser negativo.
error-invalid-email = «{ $value }» no es una dirección de correo electrónico válida.
error-invalid-country = «{ $value }» no es un código de país. Use un código ISO 3166, por ejemplo ES.
error-invalid-interval = El intervalo de facturación no es válido: { $detail }
error-invalid-id = «{ $value }» no es un identificador válido de este tipo (debe empezar por { $prefix }_).
error-invalid-field = El valor de «{ $field }» no es válido: { $detail }
error-invalid-quantity = La cantidad debe ser un número entero entre 1 y { $max }.
error-not-found = { $resource ->
    [customer] No existe ningún cliente
    [plan] No existe ningún plan
    [subscription] No existe ninguna suscripción
    [invoice] No existe ninguna factura
    [coupon] No existe ningún cupón
    [tenant] No existe ningún comerciante
   *[other] No existe nada
} con el identificador «{ $id }».
error-plan-not-priced = El plan «{ $plan }» no se ofrece en { $currency }.
error-plan-inactive = El plan «{ $plan }» ya no se ofrece.
error-duplicate = «{ $code }» ya está en uso.
error-invalid-number-format = El formato del número de factura no es válido: { $detail }
error-internal = Algo ha fallado por nuestra parte. Vuelva a intentarlo más tarde.
error-api-key-missing = Envíe su clave de API en la cabecera «Authorization: Bearer sk_…».
error-api-key-invalid = Esta clave de API no es válida o ha sido revocada.
error-invalid-body = El cuerpo de la solicitud no es válido para este endpoint: { $detail }
error-invalid-query = Los parámetros de la consulta no son válidos: { $detail }
error-idempotency-key-reused = Esta Idempotency-Key ya se usó para otra solicitud distinta.
error-idempotency-key-invalid = Una Idempotency-Key debe tener entre 1 y 255 caracteres visibles.
error-route-not-found = Este endpoint no existe.
error-method-not-allowed = Este endpoint no acepta ese método.
error-payload-too-large = El cuerpo de la solicitud es demasiado grande.
error-proration = El cambio no se puede prorratear: { $detail }
error-subscription-state = La suscripción está { $status ->
    [active] activa
    [paused] en pausa
   *[canceled] cancelada
}, por lo que esto no es posible ({ $action }).
error-invalid-pricing = La tarifa no es válida: { $detail }
error-coupon-expired = Este cupón ha caducado.
error-coupon-exhausted = Este cupón ya se ha agotado.
error-coupon-currency = Este cupón no se puede usar para importes en { $currency }.
error-invalid-coupon = El cupón no es válido: { $detail }
error-not-metered = La suscripción { $subscription } no tiene un plan por consumo.
error-usage-period-closed = El evento de consumo { $event_id } cae en un periodo que ya se ha facturado.
error-vat-id-prefix = «{ $country }» no es un prefijo de NIF-IVA que conozcamos. Empiece el NIF-IVA con el código del país, por ejemplo ES o DE.
error-vat-id-format = Este no es el formato de un NIF-IVA de { $country }.
error-vat-id-check-digits = Los dígitos de control de este NIF-IVA de { $country } no coinciden. Compruebe si hay una errata.
error-tax = No se puede determinar el IVA de esta venta: { $detail }
error-no-payment-method = El cliente no tiene ningún método de pago registrado. Añada uno primero.
error-card-declined = La tarjeta ha sido rechazada ({ $code }).
error-setup-pending = El cliente aún no ha terminado de confirmar este método de pago con su banco. Vuelva a intentarlo cuando lo haya hecho.
error-setup-authentication-failed = El banco no ha podido confirmar este método de pago ({ $code }). No se ha guardado; añádalo de nuevo o use otro.
error-gateway-unavailable = El proveedor de pagos no ha respondido. No se ha cobrado nada dos veces; vuelva a intentarlo más tarde.
error-invoice-not-payable = Esta factura está { $status }: no hay nada que cobrar.
error-addon-not-compatible = El complemento «{ $addon }» no se puede añadir al plan «{ $plan }».
error-insufficient-balance = El saldo a favor del cliente es insuficiente ({ $available } unidades menores de { $currency } disponibles).
error-refund-too-large = Como máximo se pueden reembolsar { $refundable } unidades menores de { $currency } en esta factura.
error-invoice-state = La factura está { $status }: en ese estado no se puede { $action }.
error-credit-exceeds-invoice = Como máximo se pueden abonar todavía { $creditable } unidades menores de { $currency } en esta factura.
error-invoice-has-payments = Se ha recibido dinero por esta factura, por lo que no se puede anular. Emita en su lugar una factura rectificativa o un reembolso.
error-invoice-empty = La factura no tiene líneas. Añada al menos una línea antes de emitirla.
error-no-gateway-route = Ninguna cuenta de proveedor de pagos puede aceptar este pago: { $reason }
error-invalid-gateway-config = La configuración del proveedor de pagos no es válida: { $detail }
error-webhook-rejected = Se ha rechazado el webhook: su firma falta, es incorrecta o es demasiado antigua.
error-webhook-unverifiable = Ahora mismo no se puede comprobar el envío con el proveedor de pagos. Vuelva a enviarlo más tarde.
error-invalid-iban = «{ $value }» no es un IBAN válido: compruebe el código de país, la longitud y los dos dígitos de control.
error-invalid-bic = «{ $value }» no es un BIC válido: tiene 8 u 11 letras y cifras.
error-bank-account-missing = Aún no hay ninguna cuenta bancaria configurada para transferencias: configúrela con PUT /api/v1/bank_account.
error-invalid-statement = No se ha podido leer el extracto bancario ({ $location }): { $detail }
error-statement-format-unknown = Envíe el extracto como XML camt.053 (Content-Type application/xml) o como CSV (text/csv), o indique el formato con ?format=camt053 o ?format=csv.
error-statement-layout-unknown = No existe ningún formato CSV llamado «{ $value }». Use german o english, u omítalo para que el formato se reconozca por la fila de cabecera.
error-statement-entry-settled = Este apunte del extracto está { $outcome } y no se puede asignar a una factura; solo pueden asignarse los abonos sin conciliar o ambiguos.
error-epc-qr-unavailable = Esta factura no tiene código QR EPC: no está en euros o no hay nada pendiente de pago.
error-invalid-tax-behavior = «{ $value }» no es un tratamiento fiscal. Use «exclusive» (el IVA se suma al precio) o «inclusive» (el precio incluye el IVA).
error-tax-behavior-mixed = Una factura tiene todos los precios con IVA incluido o todos sin IVA. Estos importes mezclarían precios con IVA incluido y precios sin IVA; emítalos en documentos separados.

error-idempotency-key-in-use = Una solicitud con esta Idempotency-Key todavía se está procesando. Vuelva a intentarlo en un momento con la misma clave.
error-payment-in-progress = Ya hay un pago de esta factura en curso. Espere su resultado en lugar de volver a pagar.
error-refund-failed = El proveedor de pagos rechazó el reembolso; no se ha reembolsado nada. Motivo: { $reason }
error-run-date-in-future = La fecha de ejecución { $as_of } es posterior a hoy ({ $today }) en su zona horaria: las facturas se emitirían con fecha futura. Consulte el futuro con una ejecución de prueba o permítalo expresamente (allow_future).
error-fx-rate-missing = No hay tipo de referencia del BCE para { $currency } el { $date } ni en los { $days } días anteriores, por lo que el IVA no puede indicarse en { $national } como exige el artículo 230 de la Directiva del IVA. Importe los tipos del BCE (billing fx-import) y vuelva a emitir la factura.
error-invalid-text = El campo { $field } contiene un carácter de control ({ $char }). Elimínelo; solo se admiten tabulaciones y saltos de línea.
error-text-too-long = El campo { $field } tiene más de { $max } caracteres.
error-amount-out-of-bounds = El importe está fuera de rango: los importes pueden ser como máximo de { $max } unidades menores, positivos o negativos.
error-request-timeout = El cuerpo de la solicitud no llegó a tiempo.
error-rate-limited = Demasiados intentos de autenticación fallidos desde su dirección. Vuelva a intentarlo dentro de { $seconds } segundos.
error-bad-request = La solicitud no es válida: { $detail }
error-service-unavailable = El servicio no está disponible en este momento. Inténtelo más tarde.
error-einvoice-data-missing = No se puede generar la factura electrónica { $format }: falta { $missing }.
error-einvoice-not-finalized = Solo las facturas y notas de crédito emitidas tienen factura electrónica. Emita primero el borrador.
einvoice-missing-seller-address = la dirección postal del vendedor (POST /api/v1/tenant)
einvoice-missing-seller-tax-id = el NIF-IVA o el número fiscal del vendedor (un NIF-IVA para entregas intracomunitarias y exportaciones)
einvoice-missing-seller-tax-number = el número fiscal del vendedor (un documento no sujeto a IVA no puede mostrar un NIF-IVA)
einvoice-missing-seller-contact-name = el nombre de contacto del vendedor (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-phone = el teléfono de contacto del vendedor (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-email = el correo electrónico de contacto del vendedor (POST /api/v1/tenant/einvoice)
einvoice-missing-buyer-address = la dirección de facturación del cliente con código postal y ciudad
einvoice-missing-buyer-reference = el Leitweg-ID del cliente como referencia del comprador (comprador público; POST /api/v1/customers/…/einvoice)
einvoice-missing-payment-means = instrucciones de pago: una cuenta bancaria del vendedor o una tarjeta registrada del cliente
einvoice-missing-currency-precision = una moneda con dos decimales como máximo (los importes EN 16931 tienen dos)
einvoice-missing-mixed-not-subject-to-vat = documentos separados para las entregas no sujetas a IVA y las demás

# Outgoing webhooks (docs/adr/0024).
error-invalid-webhook-url = «{ $url }» no puede recibir webhooks: use una dirección https:// (http:// solo se acepta para 127.0.0.1 o localhost, para pruebas), sin nombre de usuario, contraseña ni #fragmento.
error-webhook-endpoint-disabled = Este endpoint de webhooks está desactivado. Actívelo (estado «enabled») antes de volver a enviarle eventos.
error-insufficient-scope = Esta clave de API no puede hacer esto: necesita el ámbito «{ $scope }».

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
error-invalid-late-fee = El recargo por demora no es válido: { $detail }
error-account-restricted = Su cuenta está restringida porque hay facturas vencidas: podrá cambiar de plan y añadir suscripciones de nuevo cuando estén pagadas.
# api-limits: rate limits per API key and per merchant (docs/adr/0033).
error-rate-limited-key = Esta clave de API o su cuenta ha hecho más de { $limit } solicitudes en este minuto. Vuelva a intentarlo dentro de { $seconds } segundos.
sepa-period-invalid = El plazo de preaviso SEPA debe ser un número entero de días naturales entre { $min } y { $max }, o null para los 14 días de las normas SEPA. No se ha cambiado nada.
