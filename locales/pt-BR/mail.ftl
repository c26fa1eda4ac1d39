# E-mails transacionais (portal-web/src/mail).

mail-greeting = Olá, { $name },
mail-greeting-anonymous = Olá,
mail-signoff = Atenciosamente,
mail-footer = Você recebe este e-mail porque é cliente de { $tenant }. Nunca nos envie os dados do seu cartão por e-mail.

# A fact or a link in the text part.
mail-text-line = { $label }: { $value }
mail-fact-number = Número
mail-fact-amount = Valor
mail-fact-amount-paid = Valor pago
mail-fact-amount-due = Valor em aberto
mail-fact-due-date = Vencimento
mail-fact-debit-date = Data do débito

mail-action-view = Acessar sua conta
mail-action-update-method = Atualizar forma de pagamento
mail-action-pay = Pagar agora
mail-action-manage = Gerenciar assinatura
mail-action-sign-in = Entrar

mail-invoice-issued-subject = Fatura { $number } de { $tenant }
mail-invoice-issued-heading = Sua nova fatura
mail-invoice-issued-body = Sua fatura { $number } no valor de { $amount } está anexada a este e-mail. Pague até { $due }.

mail-payment-receipt-subject = Recibo da fatura { $number }
mail-payment-receipt-heading = Obrigado pelo seu pagamento
mail-payment-receipt-body = Recebemos { $amount } referente à fatura { $number }. A fatura está paga.

mail-payment-failed-subject = Falha no pagamento da fatura { $number }
mail-payment-failed-heading = Seu pagamento não foi concluído
mail-payment-failed-body = Não conseguimos cobrar { $amount } referente à fatura { $number }.
mail-payment-failed-retry = Tentaremos novamente em { $date }. Você também pode atualizar sua forma de pagamento agora.
mail-payment-failed-update = Adicione uma nova forma de pagamento para que possamos cobrar o valor.

mail-dunning-step-subject = Lembrete: a fatura { $number } está vencida
mail-dunning-step-heading = Sua fatura está vencida
mail-dunning-step-body = A fatura { $number } no valor de { $amount } venceu em { $due } e ainda não foi paga. Pague-a o quanto antes.

mail-card-expiring-subject = Seu cartão final { $last4 } vai expirar em breve
mail-card-expiring-heading = Seu cartão vai expirar em breve
mail-card-expiring-body = O cartão final { $last4 } que você usa para pagar { $tenant } expira em { $date }. Adicione um novo cartão para que seu serviço continue sem interrupção.

mail-trial-ending-subject = Seu período de teste termina em { $date }
mail-trial-ending-heading = Seu período de teste está terminando
mail-trial-ending-body = Seu período de teste com { $tenant } termina em { $date }. Depois disso, sua assinatura continua e é cobrada na sua forma de pagamento.

mail-renewal-notice-subject = Sua assinatura será renovada em { $date }
mail-renewal-notice-heading = Sua assinatura será renovada em breve
mail-renewal-notice-body = Sua assinatura com { $tenant } será renovada em { $date }. Se quiser mantê-la, não é preciso fazer nada.

mail-debit-notice-subject = Débito automático de { $amount } a caminho
mail-debit-notice-heading = Aviso prévio de débito SEPA
mail-debit-notice-body = Em { $date } debitaremos { $amount } referente à fatura { $number } da sua conta bancária. Verifique se a conta tem saldo suficiente.

mail-subscription-changed-subject = Sua assinatura foi alterada
mail-subscription-changed-heading = Sua assinatura foi alterada
mail-subscription-changed-body = Sua assinatura com { $tenant } foi alterada. Sua próxima fatura refletirá a mudança.

mail-subscription-canceled-subject = Sua assinatura foi cancelada
mail-subscription-canceled-heading = Sua assinatura foi cancelada
mail-subscription-canceled-body = Sua assinatura com { $tenant } foi cancelada e termina em { $date }. Lamentamos ver você partir.

mail-credit-note-issued-subject = Nota de crédito { $number } de { $tenant }
mail-credit-note-issued-heading = Uma nota de crédito para você
mail-credit-note-issued-body = Emitimos a nota de crédito { $number } no valor de { $amount }. Ela está anexada a este e-mail.

mail-sign-in-link-subject = Seu link de acesso a { $tenant }
mail-sign-in-link-heading = Entre na sua conta
mail-sign-in-link-body = Use o botão abaixo para entrar na sua conta de { $tenant }. O link pode ser usado uma vez e expira em { $expires }.
mail-sign-in-link-ignore = Se você não pediu este link, pode ignorar este e-mail.

# The command line.
mail-cli-run = E-mails: { $sent } enviados, { $retried } a tentar novamente, { $failed } com falha, { $suppressed } bloqueados ({ $where }).
mail-cli-demo-folder = A demonstração não envia e-mails: cada um é gravado como arquivo .eml em { $folder }

# billing jobs list
jobs-list-none = Nenhuma execução de tarefa registrada ainda.
jobs-list-running = em execução
jobs-list-ok = ok
jobs-list-failed = falhou: { $error }
jobs-list-line = { $started }  { $job }  lojista { $tenant }  ({ $trigger })  feitos { $done }, com falha { $failed }  { $status }

# Dunning job (docs/adr/0022)
dunning-cli-summary = Cobrança: { $invoices } faturas em cobrança, { $retried } cobradas novamente ({ $recovered } pagas), { $skipped } novas tentativas ignoradas (recusa definitiva ou 15 tentativas em 30 dias no cartão), { $emails } lembretes na fila, { $uncollectible } marcadas como incobráveis, { $failed } com falha.
dunning-cli-locked = Outra execução da cobrança detém o bloqueio; nada foi feito.

mail-billing-question-reply-subject = Sua pergunta sobre cobrança: { $tenant } respondeu
mail-billing-question-reply-heading = Respondemos à sua pergunta
mail-billing-question-reply-body = { $tenant } respondeu à sua pergunta sobre cobrança. Esta é a resposta:
mail-action-view-question = Ver a conversa

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
mail-dunning-payment-reminder-subject = Lembrete de pagamento: fatura { $number }
mail-dunning-payment-reminder-heading = Lembrete de pagamento
mail-dunning-payment-reminder-body = Certamente passou despercebido: a fatura { $number } no valor de { $amount } venceu em { $due } e ainda não foi paga. Pedimos que quite o valor em aberto nos próximos dias. Se já pagou, desconsidere esta mensagem.
mail-dunning-first-notice-subject = Primeira cobrança: fatura { $number }
mail-dunning-first-notice-heading = Primeira cobrança
mail-dunning-first-notice-body = Apesar do nosso lembrete, a fatura { $number } no valor de { $amount }, vencida em { $due }, não foi paga. Com isso, você está em mora (§ 286 BGB). Pedimos que pague imediatamente o valor em aberto.
mail-dunning-second-notice-subject = Segunda cobrança: fatura { $number }
mail-dunning-second-notice-heading = Segunda cobrança
mail-dunning-second-notice-body = Apesar da nossa primeira cobrança, a fatura { $number } no valor de { $amount }, vencida em { $due }, continua sem pagamento. Solicitamos que pague sem demora o valor em aberto, incluindo os encargos de mora.
mail-dunning-final-notice-subject = Última cobrança: fatura { $number }
mail-dunning-final-notice-heading = Última cobrança
mail-dunning-final-notice-body = Esta é a nossa última cobrança: a fatura { $number } no valor de { $amount }, vencida em { $due }, não foi paga apesar de várias cobranças. Pague imediatamente o valor em aberto, incluindo os encargos de mora. Se o pagamento não for recebido, tomaremos medidas judiciais sem novo aviso.
mail-dunning-late-fee-subject = Taxa de cobrança da fatura { $number }
mail-dunning-late-fee-heading = Taxa de cobrança
mail-dunning-late-fee-body = A fatura { $number } no valor de { $amount }, vencida em { $due }, ainda não foi paga. Conforme nossos termos, cobramos uma taxa de cobrança por isso.
mail-dunning-restrict-subject = Sua conta na { $tenant } está restrita
mail-dunning-restrict-heading = Sua conta está restrita
mail-dunning-restrict-body = Como a fatura { $number } no valor de { $amount }, vencida em { $due }, não foi paga, você não pode mudar de plano nem adicionar assinaturas até recebermos o pagamento. A restrição é removida automaticamente assim que as faturas vencidas forem pagas.
mail-dunning-pause-subscriptions-subject = Suas assinaturas na { $tenant } estão pausadas
mail-dunning-pause-subscriptions-heading = Suas assinaturas estão pausadas
mail-dunning-pause-subscriptions-body = Como a fatura { $number } no valor de { $amount }, vencida em { $due }, não foi paga, pausamos suas assinaturas. Pague o valor em aberto.
mail-dunning-cancel-subscriptions-subject = Suas assinaturas na { $tenant } foram encerradas
mail-dunning-cancel-subscriptions-heading = Suas assinaturas foram encerradas
mail-dunning-cancel-subscriptions-body = Como a fatura { $number } no valor de { $amount }, vencida em { $due }, não foi paga apesar das nossas cobranças, encerramos suas assinaturas com efeito imediato. O valor em aberto continua devido.
mail-dunning-charges-explained = Pelo atraso no pagamento cobramos os encargos listados abaixo. São indenização por danos e, portanto, não sujeitos a IVA; nós os faturamos separadamente.
mail-fact-interest = Juros de mora { $rate } ao ano, { $from } – { $to } (dias de juros: { $days })
mail-fact-flat-fee = Indenização fixa por atraso no pagamento (§ 288, al. 5 BGB)
mail-fact-late-fee = Taxa de cobrança
mail-fact-charges-invoice = Fatura dos encargos de mora
mail-fact-total-owed = Total a pagar
dunning-cli-actions = Ações de cobrança: { $notices } cobranças enviadas, { $charged } vezes encargos faturados, { $restricted } contas restritas, { $paused } vezes assinaturas pausadas, { $canceled } vezes assinaturas encerradas.

mail-sepa-fact-mandate-reference = Referência da autorização
mail-sepa-fact-creditor-id = Identificador do credor
mail-welcome-subject = Boas-vindas à { $tenant }
mail-welcome-heading = Boas-vindas
mail-welcome-body = Obrigado por se cadastrar na { $tenant }. Sua assinatura começou.
mail-welcome-portal = Na sua conta você pode ver sua assinatura e suas faturas, trocar de plano e atualizar sua forma de pagamento a qualquer momento. Para entrar, peça um link de acesso com este endereço de e-mail.
mail-welcome-action = Abrir sua conta

# Bounces and complaints that come back as mails (docs/adr/0046): POST /api/v1/mail_reports and
# `billing mail report --file`. $address, $tenant (slug), $reason (bounce, complaint), $detail, $id.
mail-report-error-not-a-report = O e-mail não é uma notificação de status de entrega (RFC 3464) nem um relatório de feedback (RFC 5965): ele deve ser multipart/report com report-type delivery-status ou feedback-report.
mail-report-error-no-status = O relatório não traz status de destinatário nem tipo de feedback.
mail-report-error-no-message-id = O relatório não informa o Message-ID do e-mail original; indique o lojista (--tenant) para associá-lo pelo endereço.
mail-report-cli-suppressed = { $address } agora está bloqueado para { $tenant } ({ $reason }): { $detail }
mail-report-cli-already = { $address } já estava bloqueado para { $tenant }: { $detail }
mail-report-cli-ignored = Nada muda para { $address } ({ $tenant }): { $detail }
mail-report-cli-no-mail = Nenhum e-mail corresponde ao relatório ({ $id }).

# A reminder on an invoice never charged, overdue from its due date (docs/adr/0047).
dunning-due-subject = A fatura { $number } está vencida: pague por transferência ou no portal
dunning-due-heading = Sua fatura está vencida
dunning-due-body = A fatura { $number } de { $amount } venceu em { $due } e ainda não recebemos seu pagamento.
dunning-due-transfer = Transfira { $amount } para a conta abaixo com o número da fatura como referência, ou pague no portal. Se você já pagou, desconsidere este lembrete.
dunning-due-portal = Pague-a no portal. Se você já pagou, desconsidere este lembrete.
dunning-due-fact-holder = Titular da conta
dunning-due-fact-iban = IBAN
dunning-due-fact-bic = BIC
dunning-due-fact-reference = Referência
# A SEPA mandate revoked or expired (docs/adr/0044).
portal-mandate-end-revoked-subject = Sua autorização de débito direto SEPA { $reference } foi revogada
portal-mandate-end-revoked-heading = Sua autorização de débito terminou
portal-mandate-end-revoked-body = A autorização de débito direto SEPA { $reference } da conta terminada em { $last4 } foi revogada em { $date }. { $tenant } não debitará mais esta conta. Adicione outra forma de pagamento para que seu serviço continue sem interrupção.
portal-mandate-end-expired-subject = Sua autorização de débito direto SEPA { $reference } expirou
portal-mandate-end-expired-heading = Sua autorização de débito expirou
portal-mandate-end-expired-body = A autorização de débito direto SEPA { $reference } da conta terminada em { $last4 } expirou em { $date } por não ter sido usada durante 36 meses. { $tenant } não debitará mais esta conta. Adicione uma forma de pagamento para que seu serviço continue sem interrupção.
portal-mandate-end-fact-iban = Conta
portal-mandate-end-fact-date = Encerrada em
