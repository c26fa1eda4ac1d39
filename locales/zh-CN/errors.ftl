# API 错误信息。每条信息都附带稳定的机器可读代码。
error-unknown-currency = “{ $value }”不是已知货币。请使用 ISO 4217 代码，例如 EUR。
error-currency-mismatch = { $left } 与 { $right } 的金额不能合并计算。
error-amount-overflow = 金额过大。
error-amount-too-precise = { $currency } 金额最多保留 { $exponent } 位小数。
error-amount-invalid = “{ $value }”不是有效金额。请按 12.34 的格式填写。
error-negative-amount = 金额不能为负数。
error-invalid-email = “{ $value }”不是有效的电子邮件地址。
error-invalid-country = “{ $value }”不是国家代码。请使用 ISO 3166 代码，例如 CN。
error-invalid-interval = 计费周期无效：{ $detail }
error-invalid-id = “{ $value }”不是此类有效 ID（应以 { $prefix }_ 开头）。
error-invalid-field = “{ $field }”的值无效：{ $detail }
error-invalid-quantity = 数量必须是 1 到 { $max } 之间的整数。
error-not-found = { $resource ->
    [customer] 客户
    [plan] 套餐
    [subscription] 订阅
    [invoice] 发票
    [coupon] 优惠券
    [tenant] 商户
   *[other] 对象
}“{ $id }”不存在。
error-plan-not-priced = 套餐“{ $plan }”不提供 { $currency } 定价。
error-plan-inactive = 套餐“{ $plan }”已停止提供。
error-duplicate = “{ $code }”已被使用。
error-invalid-number-format = 发票编号格式无效：{ $detail }
error-internal = 我们这边出现了问题，请稍后重试。
error-api-key-missing = 请在请求头“Authorization: Bearer sk_…”中发送您的 API 密钥。
error-api-key-invalid = 此 API 密钥无效或已被撤销。
error-invalid-body = 请求正文对此接口无效：{ $detail }
error-invalid-query = 查询参数无效：{ $detail }
error-idempotency-key-reused = 此 Idempotency-Key 已用于另一个请求。
error-idempotency-key-in-use = 使用此 Idempotency-Key 的请求仍在处理中。请稍后使用同一密钥重试。
error-idempotency-key-invalid = Idempotency-Key 必须由 1 到 255 个可见字符组成。
error-route-not-found = 不存在此接口。
error-method-not-allowed = 此接口不接受该请求方法。
error-payload-too-large = 请求正文过大。
error-proration = 无法按比例计算此变更：{ $detail }
error-subscription-state = 该订阅{ $status ->
    [active] 处于活动状态
    [paused] 已暂停
   *[canceled] 已取消
}，因此无法执行此操作（{ $action }）。
error-invalid-pricing = 定价无效：{ $detail }
error-coupon-expired = 此优惠券已过期。
error-coupon-exhausted = 此优惠券已用完。
error-coupon-currency = 此优惠券不适用于 { $currency } 金额。
error-invalid-coupon = 优惠券无效：{ $detail }
error-not-metered = 订阅 { $subscription } 不是按用量计费的套餐。
error-usage-period-closed = 用量事件 { $event_id } 所在的周期已开具发票。
error-vat-id-prefix = “{ $country }”不是已知的增值税号前缀。请以国家代码开头，例如 DE 或 FR。
error-vat-id-format = 这不是 { $country } 增值税号的格式。
error-vat-id-check-digits = 此 { $country } 增值税号的校验位不匹配。请检查是否输入有误。
error-tax = 无法确定此笔销售的增值税：{ $detail }
error-no-payment-method = 该客户没有已保存的支付方式。请先添加一个。
error-payment-in-progress = 此发票的一笔付款正在处理中。请等待其结果，不要再次付款。
error-card-declined = 银行卡被拒绝（{ $code }）。
error-setup-pending = 客户尚未在其银行完成此支付方式的验证。请在完成后重试。
error-setup-authentication-failed = 银行未能验证此支付方式（{ $code }）。该支付方式未保存；请重新添加或使用其他支付方式。
error-gateway-unavailable = 支付服务商没有响应。不会重复扣款；请稍后重试。
error-invoice-not-payable = 此发票状态为 { $status }：没有需要收取的款项。
error-addon-not-compatible = 附加项“{ $addon }”不能添加到套餐“{ $plan }”。
error-insufficient-balance = 客户的余额不足（可用 { $available } 个 { $currency } 最小单位）。
error-refund-too-large = 此发票最多可退款 { $refundable } 个 { $currency } 最小单位。
error-refund-failed = 支付服务商拒绝了该退款；未退还任何款项。原因：{ $reason }
error-invoice-state = 发票状态为 { $status }：此状态下无法执行 { $action }。
error-credit-exceeds-invoice = 此发票最多还能贷记 { $creditable } 个 { $currency } 最小单位。
error-invoice-has-payments = 此发票已收到付款，无法作废。请改为开具贷项通知单或退款。
error-invoice-empty = 发票没有任何明细行。请在定稿前至少添加一行。
error-no-gateway-route = 没有支付服务商账户可以处理这笔付款：{ $reason }
error-invalid-gateway-config = 支付服务商配置无效：{ $detail }
error-webhook-rejected = Webhook 被拒绝：签名缺失、错误或已过期。
error-webhook-unverifiable = 暂时无法向支付服务商核实此通知。请稍后重新发送。
error-invalid-iban = “{ $value }”不是有效的 IBAN：请检查国家代码、长度和两位校验码。
error-invalid-bic = “{ $value }”不是有效的 BIC：它由 8 或 11 位字母和数字组成。
error-bank-account-missing = 尚未设置用于银行转账的银行账户：请使用 PUT /api/v1/bank_account 设置。
error-invalid-statement = 无法读取银行对账单（{ $location }）：{ $detail }
error-statement-format-unknown = 请以 camt.053 XML（Content-Type application/xml）或 CSV（text/csv）发送对账单，或用 ?format=camt053 或 ?format=csv 指明格式。
error-statement-layout-unknown = 没有名为“{ $value }”的 CSV 格式。请使用 german 或 english，或不指定以便根据表头行识别格式。
error-statement-entry-settled = 此对账单条目状态为 { $outcome }，不能分配给发票；只有未匹配或有歧义的入账才可以。
error-epc-qr-unavailable = 此发票没有 EPC 二维码：它不是欧元发票，或已无应付金额。
error-invalid-tax-behavior = “{ $value }”不是有效的计税方式。请使用“exclusive”（增值税另加在价格上）或“inclusive”（价格已含增值税）。
error-tax-behavior-mixed = 一张发票要么全部为含税价，要么全部为不含税价。这些金额会混合含增值税和不含增值税的价格；请分别开具单据。
error-run-date-in-future = 开票日期 { $as_of } 晚于您所在时区的今天（{ $today }）：发票将带有未来的日期。请用试运行（dry run）预览，或明确允许（allow_future）。
error-fx-rate-missing = { $date } 及其前 { $days } 天内没有 { $currency } 的欧洲央行参考汇率，因此无法按增值税指令第 230 条的要求以 { $national } 列示增值税。请导入欧洲央行汇率（billing fx-import）后再定稿。
error-invalid-text = 字段 { $field } 含有控制字符（{ $char }）。请删除它；只允许制表符和换行符。
error-text-too-long = 字段 { $field } 超过 { $max } 个字符。
error-amount-out-of-bounds = 金额超出范围：正负金额最多为 { $max } 个最小货币单位。
error-request-timeout = 请求正文未能及时送达。
error-rate-limited = 来自您地址的身份验证失败次数过多。请在 { $seconds } 秒后重试。
error-bad-request = 请求无效：{ $detail }
error-service-unavailable = 服务暂时不可用。请稍后重试。

# 电子发票（XRechnung、ZUGFeRD）：API 错误、缺少的数据、开票运行的异常以及命令行导出。
error-einvoice-data-missing = 无法生成 { $format } 电子发票：缺少{ $missing }。
error-einvoice-not-finalized = 只有已定稿的发票和贷项通知单才有电子发票。请先将草稿定稿。
einvoice-missing-seller-address = 卖方的邮政地址（POST /api/v1/tenant）
einvoice-missing-seller-tax-id = 卖方的增值税号或税号（欧盟内部供货和出口需要增值税号）
einvoice-missing-seller-tax-number = 卖方的税号（不属于增值税征税范围的单据不得显示增值税号）
einvoice-missing-seller-contact-name = 卖方联系人姓名（POST /api/v1/tenant/einvoice）
einvoice-missing-seller-contact-phone = 卖方联系人电话（POST /api/v1/tenant/einvoice）
einvoice-missing-seller-contact-email = 卖方联系人电子邮箱（POST /api/v1/tenant/einvoice）
einvoice-missing-buyer-address = 客户包含邮编和城市的账单地址
einvoice-missing-buyer-reference = 客户的 Leitweg-ID 作为买方参考（公共机构买方；POST /api/v1/customers/…/einvoice）
einvoice-missing-payment-means = 付款说明：卖方的银行账户或客户已保存的银行卡
einvoice-missing-currency-precision = 最多两位小数的币种（EN 16931 金额只有两位小数）
einvoice-missing-mixed-not-subject-to-vat = 为不属于增值税征税范围的业务和其他业务分别开具单据

# Outgoing webhooks (docs/adr/0024).
error-invalid-webhook-url = “{ $url }”无法接收 Webhook：请使用 https:// 地址（http:// 仅可用于 127.0.0.1 或 localhost，供测试使用），且不能包含用户名、密码或 #片段。
error-webhook-endpoint-disabled = 此 Webhook 端点已停用。请先将其启用（状态“enabled”），再向其重新发送事件。
error-insufficient-scope = 此 API 密钥无权执行此操作：需要权限范围“{ $scope }”。

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
error-invalid-late-fee = 催款费无效：{ $detail }
error-account-restricted = 由于存在逾期发票，您的账户已受限：付清后才能再次更改套餐或添加订阅。
# api-limits: rate limits per API key and per merchant (docs/adr/0033).
error-rate-limited-key = 此 API 密钥或您的账户在本分钟内发出的请求超过 { $limit } 个。请在 { $seconds } 秒后重试。
sepa-period-invalid = SEPA 预先通知期限必须是 { $min } 到 { $max } 之间的整数日历天数，或为 null（采用 SEPA 规则的 14 天）。未做任何更改。
