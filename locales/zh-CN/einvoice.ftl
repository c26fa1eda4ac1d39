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
cli-run-exception-einvoice-data-missing = { $customer }：该客户接收的 { $format } 电子发票缺少{ $missing }。
cli-einvoice-exported = 已将 { $files } 张电子发票（{ $format }，开具日期 { $from } 至 { $to }）导出到 { $file }。
cli-einvoice-skipped = { $number } 没有电子发票：{ $reason }
