# Mensagens da linha de comando `billing`.
cli-run-header = Faturamento em { $date }
cli-run-header-dry = Faturamento em { $date } (simulação: nada é gravado)
cli-run-tenant = Lojista { $tenant }: { $subscriptions } assinaturas a faturar, { $invoices } faturas
cli-run-currency = { $currency }: { $count } faturas, líquido { $net }, IVA { $vat }, total { $total }
cli-run-total = Ao todo: { $invoices } faturas para { $subscriptions } assinaturas.
cli-run-nothing = Nada a faturar.
cli-run-progress = faturando
cli-demo-seeded = Dados de demonstração criados: lojista “{ $tenant }” com { $customers } clientes e { $subscriptions } assinaturas.
cli-demo-reused = Dados de demonstração encontrados: lojista “{ $tenant }” com { $customers } clientes; nada foi adicionado.
cli-demo-serving = O Billing está rodando em { $url }
cli-demo-api-key = Chave de API de demonstração: { $key }
cli-demo-try = Experimente: curl -H "Authorization: Bearer { $key }" { $url }/api/v1/customers
cli-demo-stop = Pressione Ctrl-C para parar.
cli-serve-listening = Escutando em { $url }
cli-migrated = Banco de dados migrado.
cli-tenant-created = Lojista “{ $tenant }” criado com o ID { $id }.
cli-api-key-created = Nova chave de API (exibida uma única vez, guarde-a agora): { $key }
cli-sim-header = Simulação de { $start } a { $end } (nada é gravado)
cli-sim-kind-subscription = fatura
cli-sim-kind-proration = pro rata
cli-sim-kind-credit-note = nota de crédito
cli-sim-total = { $count } documentos, total { $total }; ao fim da simulação a assinatura está { $status }.
cli-fx-imported = Importadas { $rates } taxas do BCE para { $days } dias (de { $first } a { $last }). Não importadas (moedas desconhecidas): { $skipped }
cli-job-done = Tarefa { $name } concluída: { $count } faturas.
cli-vies-rechecked = VIES: { $checked } números de IVA verificados: { $valid } válidos, { $invalid } inválidos, { $unverified } ainda não confirmados.
cli-run-rates = Por alíquota de IVA:
cli-run-rate = { $currency } { $category } { $rate } %: { $count } faturas, líquido { $net }, IVA { $vat }, total { $total }
cli-run-id = Execução { $id } ({ $status })
cli-run-resumed = Esta execução continua uma que havia parado (retomada { $count } vezes).
cli-run-skipped = Não faturadas por causa de uma exceção: { $count } assinaturas.
cli-run-exceptions = Exceções ({ $count }):
cli-run-exception-blocking = não faturado
cli-run-exception-warning = aviso
cli-run-exception-price-missing = { $customer }: o plano “{ $plan }” não tem preço em { $currency }; não faturado.
cli-run-exception-tax-undeterminable = { $customer }: não é possível determinar o IVA para { $country } ({ $reason }); não faturado.
cli-run-exception-vat-id-missing = { $customer }: empresa em { $country } sem número de IVA confirmado; IVA cobrado como de um consumidor.
cli-run-exception-payment-method-missing = { $customer }: sem forma de pagamento padrão; a cobrança automática vai falhar.
cli-run-exception-tax-behavior-mixed = { $customer }: os períodos devidos de “{ $plan }” têm preços em parte com IVA incluído e em parte sem; uma fatura é uma coisa ou outra. Fature primeiro até a véspera da mudança de preço; não faturado.
cli-runs-none = Ainda não há execuções de faturamento.
cli-runs-dry = simulação
cli-runs-real = execução real
cli-runs-line = { $id }  { $date }  { $kind }  { $status }  { $invoices } faturas, { $exceptions } exceções  { $started }  { $by }
cli-runs-detail = { $kind } em { $date }, iniciada em { $started } por { $by }, concluída em { $finished }, { $ms } ms de trabalho; { $subscriptions } assinaturas consideradas.
cli-runs-not-found = Não há execução de faturamento { $id }.
cli-runs-report-written = Relatório da execução { $id } gravado em { $file } ({ $rows } linhas).
cli-tenant-collection-set = O lojista “{ $tenant }” agora cobra via: { $method }.
cli-collect-summary = Cobrança em { $as_of }: { $collected } pagas, { $failed } não pagas, { $redriven } tentativas pendentes retomadas, { $rechecked } pagamentos em espera liquidados conforme o provedor, { $skipped } ignoradas, { $refunds } reembolsos sem resposta concluídos.
cli-collect-locked = Outra execução de cobrança detém o bloqueio; nada foi feito.
cli-bank-imported = Extrato bancário { $id } importado: { $entries } lançamentos, { $matched } conciliados, { $unmatched } não conciliados, { $ambiguous } ambíguos.

cli-embedded-serving = Um processo billing (pid { $pid }) já atende esta pasta de dados em { $url }. Use-o ou pare-o primeiro.
cli-embedded-busy = A pasta de dados { $dir } está em uso por outro processo billing (pid { $pid }) que não a liberou a tempo. Tente novamente quando ele terminar.
cli-embedded-waiting = Aguardando outro processo billing terminar com { $dir } …
cli-run-date-in-future = A data de execução { $as_of } é posterior a hoje ({ $today }) no fuso horário do comerciante: as faturas seriam emitidas com data futura. Use --dry-run para antecipar, ou --allow-future se realmente quiser.
cli-run-exception-fx-rate-missing = { $customer }: sem taxa do BCE para { $currency } em { $date } nem nos { $days } dias anteriores, portanto o IVA não pode ser indicado em { $national } (art. 230 da Diretiva do IVA); importe as taxas com billing fx-import; não faturado.
cli-run-exception-einvoice-data-missing = { $customer }: a fatura eletrônica { $format } que este cliente recebe precisa de { $missing }.
cli-einvoice-exported = { $files } faturas eletrônicas exportadas ({ $format }, emitidas de { $from } a { $to }) para { $file }.
cli-einvoice-skipped = Sem fatura eletrônica para { $number }: { $reason }

# billing bench (docs/performance.md)
cli-bench-needs-server = billing bench precisa de DATABASE_URL: ele cria um banco de dados próprio nesse servidor PostgreSQL.
cli-bench-subscriptions-range = --subscriptions deve estar entre 1 e 10000000.
cli-bench-kept = Banco de dados { $database } mantido.
cli-bench-loading = Carregando { $count } clientes e assinaturas…
cli-bench-running = Faturamento de { $count } assinaturas vencidas…
cli-bench-floors = Medindo os pisos (COPY das mesmas linhas)…
cli-bench-run = Faturamento: { $subscriptions } assinaturas, { $invoices } faturas em { $seconds } s ({ $us } µs por assinatura)
cli-bench-rss = Memória máxima: { $mib } MiB
cli-bench-rows = Linhas gravadas: { $rows }
cli-bench-lean = Piso de COPY em tabelas enxutas: { $seconds } s; o faturamento leva { $ratio } vezes mais
cli-bench-real = COPY nas tabelas reais: { $seconds } s; o faturamento leva { $ratio } vezes mais
cli-bench-rerun = Repetição: { $seconds } s ({ $percent } % do faturamento), linhas gravadas: { $rows }
cli-bench-phases = Para onde vai o tempo do faturamento:
cli-bench-usage-range = --events deve estar entre 1 e 10000000, --batch entre 1 e 1000 e --concurrency entre 1 e 256.
cli-bench-usage-sending = Enviando { $count } eventos de uso pela API…
cli-bench-usage-batch = Lotes: { $events } eventos em lotes de { $batch } a partir de { $concurrency } conexões: { $rate } eventos/s (p50 { $p50 } ms, p99 { $p99 } ms por requisição)
cli-bench-usage-single = Eventos avulsos: { $events }: { $rate } eventos/s (p50 { $p50 } ms, p99 { $p99 } ms)
cli-bench-usage-copy = COPY em usage_events: { $rate } linhas/s; a ingestão em lotes atinge { $ratio } disso
cli-webhooks-run = Webhooks: { $events } eventos distribuídos, { $sent } entregas enviadas, { $retried } a tentar de novo, { $failed } com falha definitiva, { $disabled } endpoints desativados.
cli-request-log-pruned = Registro de requisições: { $count } entradas com mais de { $days } dias excluídas.

# dunning-retries
predunning-cli-locked = Outra execução de pré-cobrança detém o bloqueio; nada foi feito.
predunning-cli-summary = Pré-cobrança: { $cards } avisos de cartão expirando, { $trials } de fim de teste, { $renewals } de renovação e { $debits } pré-notificações de débito na fila.
purge-outbox-cli-summary = Limpeza do outbox: { $events } eventos, { $mails } e-mails e { $deliveries } entregas de webhooks com mais de { $days } dias excluídos.
bench-api-range = --customers e --requests devem estar entre 1 e 10000000 e --concurrency entre 1 e 256.
bench-api-measuring = Medindo { $scenario }…
bench-api-setup = { $customers } clientes, { $invoices } faturas; { $requests } requisições por cenário a partir de { $concurrency } conexões
bench-api-scenario = { $scenario }: { $rate } requisições/s (p50 { $p50 } ms, p99 { $p99 } ms); { $ratio } da vazão do piso, p99 { $p99ratio } vezes o do piso
bench-api-during-run = A execução de faturamento levou { $seconds } s; { $requests } requisições foram respondidas enquanto ela rodava{ $ended ->
    [yes] .
   *[no] , e ela terminou antes da medição (use mais clientes).
}

# Scheduled jobs (issue 12, docs/adr/0037)
jobs-simulated-clock = RELÓGIO SIMULADO: este servidor executa todas as tarefas e a API no horário escrito em { $file } (agora { $now }), não no horário real. Somente para testes e homologação.
jobs-invoice-run-tenant = Faturamento de { $tenant } em { $as_of }: { $invoices } faturas, { $skipped } assinaturas ignoradas.
jobs-invoice-run-done-already = Faturamento de { $tenant } em { $as_of }: já feito.
jobs-invoice-run-busy = Faturamento de { $tenant }: outro processo o está executando; nada foi feito.
jobs-invoice-run-failed = O faturamento de { $tenant } em { $as_of } falhou: { $error }
jobs-invoice-run-some-failed = { $count } faturamentos falharam.
jobs-fx-not-configured = Nada a importar: defina [fx] url ou [fx] folder.
jobs-metrics-snapshot-done = Instantâneo de métricas: { $rows } linhas gravadas para { $tenants } comerciantes.
