# Mensajes de la línea de comandos `billing`.
cli-run-header = Facturación a fecha { $date }
cli-run-header-dry = Facturación a fecha { $date } (simulación: no se guarda nada)
cli-run-tenant = Comerciante { $tenant }: { $subscriptions } suscripciones pendientes, { $invoices } facturas
cli-run-currency = { $currency }: { $count } facturas, base { $net }, IVA { $vat }, total { $total }
cli-run-total = En total: { $invoices } facturas para { $subscriptions } suscripciones.
cli-run-nothing = No hay nada que facturar.
cli-run-progress = facturando
cli-demo-seeded = Datos de demostración creados: comerciante «{ $tenant }» con { $customers } clientes y { $subscriptions } suscripciones.
cli-demo-reused = Datos de demostración encontrados: comerciante «{ $tenant }» con { $customers } clientes; no se ha añadido nada.
cli-demo-serving = Billing se está ejecutando en { $url }
cli-demo-api-key = Clave de API de demostración: { $key }
cli-demo-try = Pruebe: curl -H "Authorization: Bearer { $key }" { $url }/api/v1/customers
cli-demo-stop = Pulse Ctrl-C para detenerlo.
cli-serve-listening = Escuchando en { $url }
cli-migrated = Base de datos migrada.
cli-tenant-created = Comerciante «{ $tenant }» creado con el identificador { $id }.
cli-api-key-created = Nueva clave de API (solo se muestra una vez, guárdela ahora): { $key }
cli-sim-header = Simulación del { $start } al { $end } (no se guarda nada)
cli-sim-kind-subscription = factura
cli-sim-kind-proration = prorrateo
cli-sim-kind-credit-note = factura rectificativa
cli-sim-total = { $count } documentos, total { $total }; al final de la simulación la suscripción está { $status }.
cli-fx-imported = Importados { $rates } tipos del BCE para { $days } días (del { $first } al { $last }). No importados (monedas desconocidas): { $skipped }
cli-job-done = Tarea { $name } terminada: { $count } facturas.
cli-vies-rechecked = VIES: { $checked } NIF-IVA comprobados: { $valid } válidos, { $invalid } no válidos, { $unverified } aún sin confirmar.
cli-run-rates = Por tipo de IVA:
cli-run-rate = { $currency } { $category } { $rate } %: { $count } facturas, base { $net }, IVA { $vat }, total { $total }
cli-run-id = Ejecución { $id } ({ $status })
cli-run-resumed = Esta ejecución continúa una que se había detenido (reanudada { $count } veces).
cli-run-skipped = No facturadas por una excepción: { $count } suscripciones.
cli-run-exceptions = Excepciones ({ $count }):
cli-run-exception-blocking = no facturado
cli-run-exception-warning = aviso
cli-run-exception-price-missing = { $customer }: el plan «{ $plan }» no tiene precio en { $currency }; no facturado.
cli-run-exception-tax-undeterminable = { $customer }: no se puede determinar el IVA para { $country } ({ $reason }); no facturado.
cli-run-exception-vat-id-missing = { $customer }: empresa en { $country } sin NIF-IVA confirmado; se ha cobrado el IVA como a un consumidor.
cli-run-exception-payment-method-missing = { $customer }: no tiene método de pago predeterminado; el cobro automático fallará.
cli-run-exception-tax-behavior-mixed = { $customer }: los periodos pendientes de «{ $plan }» tienen precios en parte con IVA incluido y en parte sin IVA; una factura es una cosa o la otra. Facture primero hasta el día anterior al cambio de precio; no facturado.
cli-runs-none = Todavía no hay ejecuciones de facturación.
cli-runs-dry = simulación
cli-runs-real = ejecución real
cli-runs-line = { $id }  { $date }  { $kind }  { $status }  { $invoices } facturas, { $exceptions } excepciones  { $started }  { $by }
cli-runs-detail = { $kind } a fecha { $date }, iniciada el { $started } por { $by }, terminada el { $finished }, { $ms } ms de trabajo; { $subscriptions } suscripciones consideradas.
cli-runs-not-found = No existe la ejecución de facturación { $id }.
cli-runs-report-written = Informe de la ejecución { $id } escrito en { $file } ({ $rows } filas).
cli-tenant-collection-set = El comerciante «{ $tenant }» cobra ahora mediante: { $method }.
cli-collect-summary = Cobro a fecha { $as_of }: { $collected } pagadas, { $failed } sin pagar, { $redriven } intentos pendientes relanzados, { $rechecked } pagos en espera liquidados según el proveedor, { $skipped } omitidas, { $refunds } reembolsos sin respuesta finalizados.
cli-collect-locked = Otra ejecución de cobro tiene el bloqueo; no se ha hecho nada.
cli-bank-imported = Extracto bancario { $id } importado: { $entries } apuntes, { $matched } conciliados, { $unmatched } sin conciliar, { $ambiguous } ambiguos.

cli-embedded-serving = Un proceso de billing (pid { $pid }) ya sirve esta carpeta de datos en { $url }. Úselo o deténgalo primero.
cli-embedded-busy = La carpeta de datos { $dir } está en uso por otro proceso de billing (pid { $pid }) que no la liberó a tiempo. Vuelva a intentarlo cuando haya terminado.
cli-embedded-waiting = Esperando a que otro proceso de billing termine con { $dir } …
cli-run-date-in-future = La fecha de ejecución { $as_of } es posterior a hoy ({ $today }) en la zona horaria del comerciante: las facturas se emitirían con fecha futura. Use --dry-run para anticiparse, o --allow-future si realmente lo quiere.
cli-run-exception-fx-rate-missing = { $customer }: no hay tipo del BCE para { $currency } el { $date } ni en los { $days } días anteriores, por lo que el IVA no puede indicarse en { $national } (artículo 230 de la Directiva del IVA); importe los tipos con billing fx-import; no facturado.
cli-run-exception-einvoice-data-missing = { $customer }: la factura electrónica { $format } que recibe este cliente necesita { $missing }.
cli-einvoice-exported = Se exportaron { $files } facturas electrónicas ({ $format }, emitidas del { $from } al { $to }) a { $file }.
cli-einvoice-skipped = Sin factura electrónica para { $number }: { $reason }

# billing bench (docs/performance.md)
cli-bench-needs-server = billing bench necesita DATABASE_URL: crea una base de datos propia en ese servidor PostgreSQL.
cli-bench-subscriptions-range = --subscriptions debe estar entre 1 y 10000000.
cli-bench-kept = Se conserva la base de datos { $database }.
cli-bench-loading = Cargando { $count } clientes y suscripciones…
cli-bench-running = Facturación de { $count } suscripciones vencidas…
cli-bench-floors = Midiendo los mínimos (COPY de las mismas filas)…
cli-bench-run = Facturación: { $subscriptions } suscripciones, { $invoices } facturas en { $seconds } s ({ $us } µs por suscripción)
cli-bench-rss = Memoria máxima: { $mib } MiB
cli-bench-rows = Filas escritas: { $rows }
cli-bench-lean = Mínimo COPY en tablas ligeras: { $seconds } s; la facturación tarda { $ratio } veces más
cli-bench-real = COPY en las tablas reales: { $seconds } s; la facturación tarda { $ratio } veces más
cli-bench-rerun = Repetición: { $seconds } s ({ $percent } % de la facturación), filas escritas: { $rows }
cli-bench-phases = En qué se va el tiempo de la facturación:
cli-bench-usage-range = --events debe estar entre 1 y 10000000, --batch entre 1 y 1000 y --concurrency entre 1 y 256.
cli-bench-usage-sending = Enviando { $count } eventos de uso por la API…
cli-bench-usage-batch = Lotes: { $events } eventos en lotes de { $batch } desde { $concurrency } conexiones: { $rate } eventos/s (p50 { $p50 } ms, p99 { $p99 } ms por petición)
cli-bench-usage-single = Eventos sueltos: { $events }: { $rate } eventos/s (p50 { $p50 } ms, p99 { $p99 } ms)
cli-bench-usage-copy = COPY en usage_events: { $rate } filas/s; la ingesta por lotes alcanza { $ratio } de ello
cli-webhooks-run = Webhooks: { $events } eventos distribuidos, { $sent } entregas enviadas, { $retried } por reintentar, { $failed } fallidas definitivamente, { $disabled } endpoints desactivados.
cli-request-log-pruned = Registro de solicitudes: { $count } entradas con más de { $days } días eliminadas.

# dunning-retries
predunning-cli-locked = Otra ejecución de preaviso de cobro tiene el bloqueo; no se hizo nada.
predunning-cli-summary = Preavisos: { $cards } avisos de tarjeta que caduca, { $trials } de fin de prueba, { $renewals } de renovación y { $debits } notificaciones previas de adeudo en cola.
purge-outbox-cli-summary = Purga del outbox: { $events } eventos, { $mails } correos y { $deliveries } entregas de webhooks de más de { $days } días eliminados.
bench-api-range = --customers y --requests deben estar entre 1 y 10000000 y --concurrency entre 1 y 256.
bench-api-measuring = Midiendo { $scenario }…
bench-api-setup = { $customers } clientes, { $invoices } facturas; { $requests } solicitudes por escenario desde { $concurrency } conexiones
bench-api-scenario = { $scenario }: { $rate } solicitudes/s (p50 { $p50 } ms, p99 { $p99 } ms); { $ratio } del rendimiento del mínimo, p99 { $p99ratio } veces el del mínimo
bench-api-during-run = La facturación duró { $seconds } s; { $requests } solicitudes se respondieron mientras se ejecutaba{ $ended ->
    [yes] .
   *[no] , y terminó antes que la medición (use más clientes).
}

# Scheduled jobs (issue 12, docs/adr/0037)
jobs-simulated-clock = RELOJ SIMULADO: este servidor ejecuta todas las tareas y la API a la hora escrita en { $file } (ahora { $now }), no a la hora real. Solo para pruebas y preproducción.
jobs-invoice-run-tenant = Facturación de { $tenant } a { $as_of }: { $invoices } facturas, { $skipped } suscripciones omitidas.
jobs-invoice-run-done-already = Facturación de { $tenant } a { $as_of }: ya realizada.
jobs-invoice-run-busy = Facturación de { $tenant }: otro proceso la está ejecutando; no se ha hecho nada.
jobs-invoice-run-failed = La facturación de { $tenant } a { $as_of } ha fallado: { $error }
jobs-invoice-run-some-failed = { $count } facturaciones han fallado.
jobs-fx-not-configured = Nada que importar: configure [fx] url o [fx] folder.
jobs-metrics-snapshot-done = Instantánea de métricas: { $rows } filas escritas para { $tenants } comercios.
