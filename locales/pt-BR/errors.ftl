# Mensagens de erro da API. O código estável, legível por máquina, acompanha cada mensagem.
error-unknown-currency = “{ $value }” não é uma moeda conhecida. Use um código ISO 4217, como EUR.
error-currency-mismatch = Valores em { $left } e em { $right } não podem ser combinados.
error-amount-overflow = O valor é grande demais.
error-amount-too-precise = Valores em { $currency } têm no máximo { $exponent } casas decimais.
error-amount-invalid = “{ $value }” não é um valor válido. Escreva-o como 12.34.
error-negative-amount = O valor não pode ser negativo.
error-invalid-email = “{ $value }” não é um endereço de e-mail válido.
error-invalid-country = “{ $value }” não é um código de país. Use um código ISO 3166, como BR.
error-invalid-interval = O intervalo de cobrança não é válido: { $detail }
error-invalid-id = “{ $value }” não é um ID válido deste tipo (deveria começar com { $prefix }_).
error-invalid-field = O valor de “{ $field }” não é válido: { $detail }
error-invalid-quantity = A quantidade deve ser um número inteiro de 1 a { $max }.
error-not-found = { $resource ->
    [customer] Não existe nenhum cliente
    [plan] Não existe nenhum plano
    [subscription] Não existe nenhuma assinatura
    [invoice] Não existe nenhuma fatura
    [coupon] Não existe nenhum cupom
    [tenant] Não existe nenhum lojista
   *[other] Não existe nada
} com o ID “{ $id }”.
error-plan-not-priced = O plano “{ $plan }” não é oferecido em { $currency }.
error-plan-inactive = O plano “{ $plan }” não é mais oferecido.
error-duplicate = “{ $code }” já está em uso.
error-invalid-number-format = O formato do número da fatura não é válido: { $detail }
error-internal = Algo deu errado do nosso lado. Tente novamente mais tarde.
error-api-key-missing = Envie sua chave de API no cabeçalho “Authorization: Bearer sk_…”.
error-api-key-invalid = Esta chave de API não é válida ou foi revogada.
error-invalid-body = O corpo da requisição não é válido para este endpoint: { $detail }
error-invalid-query = Os parâmetros da consulta não são válidos: { $detail }
error-idempotency-key-reused = Esta Idempotency-Key já foi usada em uma requisição diferente.
error-idempotency-key-invalid = Uma Idempotency-Key deve ter de 1 a 255 caracteres visíveis.
error-route-not-found = Este endpoint não existe.
error-method-not-allowed = Este endpoint não aceita esse método.
error-payload-too-large = O corpo da requisição é grande demais.
error-proration = A alteração não pode ser calculada pro rata: { $detail }
error-subscription-state = A assinatura está { $status ->
    [active] ativa
    [paused] pausada
   *[canceled] cancelada
}, então isso não é possível ({ $action }).
error-invalid-pricing = A precificação não é válida: { $detail }
error-coupon-expired = Este cupom expirou.
error-coupon-exhausted = Este cupom já foi esgotado.
error-coupon-currency = Este cupom não pode ser usado para valores em { $currency }.
error-invalid-coupon = O cupom não é válido: { $detail }
error-not-metered = A assinatura { $subscription } não tem um plano cobrado por uso.
error-usage-period-closed = O evento de uso { $event_id } cai em um período que já foi faturado.
error-vat-id-prefix = “{ $country }” não é um prefixo de número de IVA que conhecemos. Comece o número de IVA com o código do país, por exemplo DE ou FR.
error-vat-id-format = Este não é o formato de um número de IVA de { $country }.
error-vat-id-check-digits = Os dígitos verificadores deste número de IVA de { $country } não conferem. Verifique se há um erro de digitação.
error-tax = Não é possível determinar o IVA desta venda: { $detail }
error-no-payment-method = O cliente não tem nenhuma forma de pagamento cadastrada. Adicione uma primeiro.
error-card-declined = O cartão foi recusado ({ $code }).
error-setup-pending = O cliente ainda não terminou de confirmar esta forma de pagamento com o banco. Tente novamente quando ele tiver concluído.
error-setup-authentication-failed = O banco não conseguiu confirmar esta forma de pagamento ({ $code }). Ela não foi salva; adicione-a novamente ou use outra.
error-gateway-unavailable = O provedor de pagamentos não respondeu. Nada foi cobrado em dobro; tente novamente mais tarde.
error-invoice-not-payable = Esta fatura está { $status }: não há nada a cobrar.
error-addon-not-compatible = O complemento “{ $addon }” não pode ser adicionado ao plano “{ $plan }”.
error-insufficient-balance = O saldo de crédito do cliente é insuficiente ({ $available } unidades menores de { $currency } disponíveis).
error-refund-too-large = No máximo { $refundable } unidades menores de { $currency } podem ser reembolsadas nesta fatura.
error-invoice-state = A fatura está { $status }: não é possível { $action } nesse estado.
error-credit-exceeds-invoice = No máximo { $creditable } unidades menores de { $currency } ainda podem ser creditadas nesta fatura.
error-invoice-has-payments = Já foi recebido dinheiro por esta fatura, então ela não pode ser anulada. Emita uma nota de crédito ou um reembolso.
error-invoice-empty = A fatura não tem itens. Adicione pelo menos um item antes de finalizá-la.
error-no-gateway-route = Nenhuma conta de provedor de pagamentos pode receber este pagamento: { $reason }
error-invalid-gateway-config = A configuração do provedor de pagamentos não é válida: { $detail }
error-webhook-rejected = O webhook foi rejeitado: a assinatura está ausente, errada ou antiga demais.
error-webhook-unverifiable = No momento não é possível verificar a entrega com o provedor de pagamentos. Entregue-a novamente mais tarde.
error-invalid-iban = “{ $value }” não é um IBAN válido: verifique o código do país, o comprimento e os dois dígitos verificadores.
error-invalid-bic = “{ $value }” não é um BIC válido: ele tem 8 ou 11 letras e dígitos.
error-bank-account-missing = Ainda não há conta bancária configurada para transferências: defina uma com PUT /api/v1/bank_account.
error-invalid-statement = Não foi possível ler o extrato bancário ({ $location }): { $detail }
error-statement-format-unknown = Envie o extrato como XML camt.053 (Content-Type application/xml) ou CSV (text/csv), ou indique o formato com ?format=camt053 ou ?format=csv.
error-statement-layout-unknown = Não existe um layout de CSV chamado “{ $value }”. Use german ou english, ou omita-o para que o layout seja reconhecido pela linha de cabeçalho.
error-statement-entry-settled = Este lançamento do extrato está { $outcome } e não pode ser atribuído a uma fatura; só créditos não conciliados ou ambíguos podem.
error-epc-qr-unavailable = Esta fatura não tem código QR EPC: ela não está em euros ou não há nada a pagar.
error-invalid-tax-behavior = “{ $value }” não é um tratamento de imposto. Use “exclusive” (o IVA é somado ao preço) ou “inclusive” (o preço já inclui o IVA).
error-tax-behavior-mixed = Uma fatura tem todos os preços com IVA incluído ou todos sem IVA. Estes valores misturariam preços com e sem IVA; emita-os em documentos separados.

error-idempotency-key-in-use = Uma solicitação com esta Idempotency-Key ainda está sendo processada. Tente novamente em instantes com a mesma chave.
error-payment-in-progress = Já há um pagamento desta fatura em andamento. Aguarde o resultado em vez de pagar de novo.
error-refund-failed = O provedor de pagamentos recusou o reembolso; nada foi reembolsado. Motivo: { $reason }
error-run-date-in-future = A data de execução { $as_of } é posterior a hoje ({ $today }) no seu fuso horário: as faturas seriam emitidas com data futura. Antecipe com uma execução de teste ou permita expressamente (allow_future).
error-fx-rate-missing = Não há taxa de referência do BCE para { $currency } em { $date } nem nos { $days } dias anteriores, portanto o IVA não pode ser indicado em { $national } como exige o art. 230 da Diretiva do IVA. Importe as taxas do BCE (billing fx-import) e finalize novamente.
error-invalid-text = O campo { $field } contém um caractere de controle ({ $char }). Remova-o; apenas tabulações e quebras de linha são permitidas.
error-text-too-long = O campo { $field } tem mais de { $max } caracteres.
error-amount-out-of-bounds = O valor está fora do intervalo: os valores podem ter no máximo { $max } unidades menores, positivos ou negativos.
error-request-timeout = O corpo da solicitação não chegou a tempo.
error-rate-limited = Tentativas de autenticação com falha demais a partir do seu endereço. Tente novamente em { $seconds } segundos.
error-bad-request = A solicitação não é válida: { $detail }
error-service-unavailable = O serviço não está disponível no momento. Tente novamente mais tarde.
error-einvoice-data-missing = Não é possível gerar a fatura eletrônica { $format }: falta { $missing }.
error-einvoice-not-finalized = Somente faturas e notas de crédito finalizadas têm fatura eletrônica. Finalize o rascunho primeiro.
einvoice-missing-seller-address = o endereço postal do vendedor (POST /api/v1/tenant)
einvoice-missing-seller-tax-id = o número de IVA ou o número fiscal do vendedor (um número de IVA para entregas intracomunitárias e exportações)
einvoice-missing-seller-tax-number = o número fiscal do vendedor (um documento não sujeito a IVA não pode mostrar um número de IVA)
einvoice-missing-seller-contact-name = o nome do contato do vendedor (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-phone = o telefone de contato do vendedor (POST /api/v1/tenant/einvoice)
einvoice-missing-seller-contact-email = o e-mail de contato do vendedor (POST /api/v1/tenant/einvoice)
einvoice-missing-buyer-address = o endereço de cobrança do cliente com código postal e cidade
einvoice-missing-buyer-reference = o Leitweg-ID do cliente como referência do comprador (comprador público; POST /api/v1/customers/…/einvoice)
einvoice-missing-payment-means = instruções de pagamento: uma conta bancária do vendedor ou um cartão salvo do cliente
einvoice-missing-currency-precision = uma moeda com no máximo duas casas decimais (os valores EN 16931 têm duas)
einvoice-missing-mixed-not-subject-to-vat = documentos separados para fornecimentos não sujeitos a IVA e os demais

# Outgoing webhooks (docs/adr/0024).
error-invalid-webhook-url = “{ $url }” não pode receber webhooks: use um endereço https:// (http:// só é aceito para 127.0.0.1 ou localhost, para testes), sem nome de usuário, senha ou #fragmento.
error-webhook-endpoint-disabled = Este endpoint de webhooks está desativado. Ative-o (status “enabled”) antes de reenviar eventos para ele.
error-insufficient-scope = Esta chave de API não pode fazer isso: ela precisa do escopo “{ $scope }”.

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
error-invalid-late-fee = A taxa de cobrança não é válida: { $detail }
error-account-restricted = Sua conta está restrita porque há faturas vencidas: mudanças de plano e novas assinaturas voltam a ser possíveis após o pagamento.
# api-limits: rate limits per API key and per merchant (docs/adr/0033).
error-rate-limited-key = Esta chave de API ou sua conta fez mais de { $limit } solicitações neste minuto. Tente novamente em { $seconds } segundos.
sepa-period-invalid = O prazo de pré-notificação SEPA deve ser um número inteiro de dias corridos de { $min } a { $max }, ou null para os 14 dias das regras SEPA. Nada foi alterado.
