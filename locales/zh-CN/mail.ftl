# 交易类邮件（portal-web/src/mail）。

mail-greeting = { $name }，您好：
mail-greeting-anonymous = 您好：
mail-signoff = 此致敬礼
mail-footer = 您收到此邮件是因为您是 { $tenant } 的客户。请勿通过邮件向我们发送银行卡信息。

# A fact or a link in the text part.
mail-text-line = { $label }：{ $value }
mail-fact-number = 编号
mail-fact-amount = 金额
mail-fact-amount-paid = 已付金额
mail-fact-amount-due = 应付金额
mail-fact-due-date = 到期日
mail-fact-debit-date = 扣款日期

mail-action-view = 查看您的账户
mail-action-update-method = 更新付款方式
mail-action-pay = 立即付款
mail-action-manage = 管理订阅
mail-action-sign-in = 登录

mail-invoice-issued-subject = 来自 { $tenant } 的发票 { $number }
mail-invoice-issued-heading = 您的新发票
mail-invoice-issued-body = 附件是您的发票 { $number }，金额为 { $amount }。请在 { $due } 之前付款。

mail-payment-receipt-subject = 发票 { $number } 的付款收据
mail-payment-receipt-heading = 感谢您的付款
mail-payment-receipt-body = 我们已收到发票 { $number } 的 { $amount }。该发票现已付清。

mail-payment-failed-subject = 发票 { $number } 付款失败
mail-payment-failed-heading = 您的付款未能成功
mail-payment-failed-body = 我们未能为发票 { $number } 收取 { $amount }。
mail-payment-failed-retry = 我们将于 { $date } 再次尝试扣款。您也可以现在更新付款方式。
mail-payment-failed-update = 请添加新的付款方式，以便我们收取该款项。

mail-dunning-step-subject = 提醒：发票 { $number } 已逾期
mail-dunning-step-heading = 您的发票已逾期
mail-dunning-step-body = 金额为 { $amount } 的发票 { $number } 已于 { $due } 到期，至今尚未支付。请尽快付款。

mail-card-expiring-subject = 您尾号为 { $last4 } 的银行卡即将过期
mail-card-expiring-heading = 您的银行卡即将过期
mail-card-expiring-body = 您用于向 { $tenant } 付款的尾号为 { $last4 } 的银行卡将于 { $date } 过期。请添加新卡，以免服务中断。

mail-trial-ending-subject = 您的试用期将于 { $date } 结束
mail-trial-ending-heading = 您的试用期即将结束
mail-trial-ending-body = 您在 { $tenant } 的试用期将于 { $date } 结束。之后您的订阅将继续，并通过您的付款方式扣费。

mail-renewal-notice-subject = 您的订阅将于 { $date } 续订
mail-renewal-notice-heading = 您的订阅即将续订
mail-renewal-notice-body = 您在 { $tenant } 的订阅将于 { $date } 续订。如果您希望继续使用，无需进行任何操作。

mail-debit-notice-subject = 即将扣款 { $amount }
mail-debit-notice-heading = SEPA 直接扣款预先通知
mail-debit-notice-body = 我们将于 { $date } 从您的银行账户扣取发票 { $number } 的 { $amount }。请确保账户余额充足。

mail-subscription-changed-subject = 您的订阅已变更
mail-subscription-changed-heading = 您的订阅已变更
mail-subscription-changed-body = 您在 { $tenant } 的订阅已变更。您的下一张发票将体现此变更。

mail-subscription-canceled-subject = 您的订阅已取消
mail-subscription-canceled-heading = 您的订阅已取消
mail-subscription-canceled-body = 您在 { $tenant } 的订阅已取消，将于 { $date } 结束。很遗憾看到您离开。

mail-credit-note-issued-subject = 来自 { $tenant } 的红字发票 { $number }
mail-credit-note-issued-heading = 您的红字发票
mail-credit-note-issued-body = 我们已开具金额为 { $amount } 的红字发票 { $number }，请查看本邮件附件。

mail-sign-in-link-subject = 您的 { $tenant } 登录链接
mail-sign-in-link-heading = 登录您的账户
mail-sign-in-link-body = 请点击下方按钮登录您在 { $tenant } 的账户。该链接仅可使用一次，并将于 { $expires } 失效。
mail-sign-in-link-ignore = 如果您没有请求此链接，请忽略此邮件。

# The command line.
mail-cli-run = 邮件：已发送 { $sent } 封，待重试 { $retried } 封，失败 { $failed } 封，已屏蔽 { $suppressed } 封（{ $where }）。
mail-cli-demo-folder = 演示模式不会发送邮件：每封邮件都以 .eml 文件写入 { $folder }

# billing jobs list
jobs-list-none = 尚无任务运行记录。
jobs-list-running = 运行中
jobs-list-ok = 成功
jobs-list-failed = 失败：{ $error }
jobs-list-line = { $started }  { $job }  商户 { $tenant }（{ $trigger }）  完成 { $done }，失败 { $failed }  { $status }

# Dunning job (docs/adr/0022)
dunning-cli-summary = 催收运行：催收中的发票 { $invoices } 张，重新扣款 { $retried } 次（已付款 { $recovered } 张），跳过重试（硬拒绝，或该卡 30 天内已尝试 15 次） { $skipped } 次，已排队提醒邮件 { $emails } 封，标记为无法收回 { $uncollectible } 张，失败 { $failed } 次。
dunning-cli-locked = 另一个催收运行持有锁；未执行任何操作。

mail-billing-question-reply-subject = 您的账单问题：{ $tenant } 已回复
mail-billing-question-reply-heading = 我们已回复您的问题
mail-billing-question-reply-body = { $tenant } 已回复您的账单问题。回复如下：
mail-action-view-question = 查看对话

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
mail-dunning-payment-reminder-subject = 付款提醒：发票 { $number }
mail-dunning-payment-reminder-heading = 付款提醒
mail-dunning-payment-reminder-body = 您可能疏忽了：发票 { $number }（{ $amount }）已于 { $due } 到期，我们尚未收到付款。请在近日内支付未付金额。如您已付款，请忽略此函。
mail-dunning-first-notice-subject = 第一次催款：发票 { $number }
mail-dunning-first-notice-heading = 第一次催款
mail-dunning-first-notice-body = 尽管我们已发出付款提醒，于 { $due } 到期的发票 { $number }（{ $amount }）仍未支付。您因此已构成付款迟延（《德国民法典》第 286 条）。请立即支付未付金额。
mail-dunning-second-notice-subject = 第二次催款：发票 { $number }
mail-dunning-second-notice-heading = 第二次催款
mail-dunning-second-notice-body = 尽管我们已发出第一次催款，于 { $due } 到期的发票 { $number }（{ $amount }）仍未支付。请立即支付未付金额及迟延费用。
mail-dunning-final-notice-subject = 最后催款：发票 { $number }
mail-dunning-final-notice-heading = 最后催款
mail-dunning-final-notice-body = 这是我们的最后一次催款：于 { $due } 到期的发票 { $number }（{ $amount }）经多次催告仍未支付。请立即支付未付金额及迟延费用。如仍未收到付款，我们将不再另行通知而采取法律措施。
mail-dunning-late-fee-subject = 发票 { $number } 的催款费
mail-dunning-late-fee-heading = 催款费
mail-dunning-late-fee-body = 于 { $due } 到期的发票 { $number }（{ $amount }）尚未支付。根据我们的条款，我们为此收取催款费。
mail-dunning-restrict-subject = 您在 { $tenant } 的账户已受限
mail-dunning-restrict-heading = 您的账户已受限
mail-dunning-restrict-body = 由于于 { $due } 到期的发票 { $number }（{ $amount }）尚未支付，在收到付款之前，您无法更改套餐或添加订阅。逾期发票付清后，限制将自动解除。
mail-dunning-pause-subscriptions-subject = 您在 { $tenant } 的订阅已暂停
mail-dunning-pause-subscriptions-heading = 您的订阅已暂停
mail-dunning-pause-subscriptions-body = 由于于 { $due } 到期的发票 { $number }（{ $amount }）尚未支付，我们已暂停您的订阅。请支付未付金额。
mail-dunning-cancel-subscriptions-subject = 您在 { $tenant } 的订阅已终止
mail-dunning-cancel-subscriptions-heading = 您的订阅已终止
mail-dunning-cancel-subscriptions-body = 由于于 { $due } 到期的发票 { $number }（{ $amount }）经催告仍未支付，我们已立即终止您的订阅。未付金额仍须支付。
mail-dunning-charges-explained = 对于迟延付款，我们收取下列费用。这些费用属于损害赔偿，因此不征收增值税；我们将另开发票。
mail-fact-interest = 迟延利息 年利率 { $rate }，{ $from } – { $to }（计息天数：{ $days }）
mail-fact-flat-fee = 迟延付款定额赔偿（《德国民法典》第 288 条第 5 款）
mail-fact-late-fee = 催款费
mail-fact-charges-invoice = 迟延费用发票
mail-fact-total-owed = 应付总额
dunning-cli-actions = 催款操作：已发送 { $notices } 份催款通知，{ $charged } 次收取费用，{ $restricted } 个账户受限，{ $paused } 次暂停订阅，{ $canceled } 次终止订阅。

mail-sepa-fact-mandate-reference = 授权参考号
mail-sepa-fact-creditor-id = 债权人识别码
mail-welcome-subject = 欢迎使用 { $tenant }
mail-welcome-heading = 欢迎加入
mail-welcome-body = 感谢您在 { $tenant } 注册。您的订阅已开始。
mail-welcome-portal = 在您的账户中，您可以随时查看订阅和发票、更换套餐以及更新付款方式。如需登录，请使用此邮箱地址申请登录链接。
mail-welcome-action = 打开您的账户

# Bounces and complaints that come back as mails (docs/adr/0046): POST /api/v1/mail_reports and
# `billing mail report --file`. $address, $tenant (slug), $reason (bounce, complaint), $detail, $id.
mail-report-error-not-a-report = 该邮件既不是投递状态通知（RFC 3464），也不是反馈报告（RFC 5965）：它必须是 report-type 为 delivery-status 或 feedback-report 的 multipart/report。
mail-report-error-no-status = 报告中没有收件人状态，也没有反馈类型。
mail-report-error-no-message-id = 报告中没有原始邮件的 Message-ID；请指定商户（--tenant）以按地址匹配。
mail-report-cli-suppressed = { $address } 现已对 { $tenant } 屏蔽（{ $reason }）：{ $detail }
mail-report-cli-already = { $address } 此前已对 { $tenant } 屏蔽：{ $detail }
mail-report-cli-ignored = { $address }（{ $tenant }）没有变化：{ $detail }
mail-report-cli-no-mail = 没有与该报告匹配的邮件（{ $id }）。

# A reminder on an invoice never charged, overdue from its due date (docs/adr/0047).
dunning-due-subject = 发票 { $number } 已逾期：请通过转账或在门户中付款
dunning-due-heading = 您的发票已逾期
dunning-due-body = 发票 { $number }（金额 { $amount }）的到期日为 { $due }，我们尚未收到您的付款。
dunning-due-transfer = 请将 { $amount } 转账至下方账户，并以发票号作为付款附言，或在门户中付款。如您已付款，请忽略此提醒。
dunning-due-portal = 请在门户中付款。如您已付款，请忽略此提醒。
dunning-due-fact-holder = 账户持有人
dunning-due-fact-iban = IBAN
dunning-due-fact-bic = BIC
dunning-due-fact-reference = 付款附言
# A SEPA mandate revoked or expired (docs/adr/0044).
portal-mandate-end-revoked-subject = 您的 SEPA 直接借记授权 { $reference } 已被撤销
portal-mandate-end-revoked-heading = 您的直接借记授权已终止
portal-mandate-end-revoked-body = 尾号为 { $last4 } 的账户的 SEPA 直接借记授权 { $reference } 已于 { $date } 被撤销。{ $tenant } 将不再从该账户扣款。请添加其他付款方式，以免服务中断。
portal-mandate-end-expired-subject = 您的 SEPA 直接借记授权 { $reference } 已过期
portal-mandate-end-expired-heading = 您的直接借记授权已过期
portal-mandate-end-expired-body = 尾号为 { $last4 } 的账户的 SEPA 直接借记授权 { $reference } 因 36 个月未使用，已于 { $date } 过期。{ $tenant } 将不再从该账户扣款。请添加付款方式，以免服务中断。
portal-mandate-end-fact-iban = 账户
portal-mandate-end-fact-date = 终止日期
