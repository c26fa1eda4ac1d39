# `billing` 命令行信息。
cli-run-header = 截至 { $date } 的开票运行
cli-run-header-dry = 截至 { $date } 的开票运行（试运行：不写入任何数据）
cli-run-tenant = 商户 { $tenant }：{ $subscriptions } 个到期订阅，{ $invoices } 张发票
cli-run-currency = { $currency }：{ $count } 张发票，合计 { $total }
cli-run-total = 总计：{ $subscriptions } 个订阅共 { $invoices } 张发票。
cli-run-nothing = 没有需要开票的内容。
cli-run-progress = 正在开票
cli-demo-seeded = 已创建演示数据：商户“{ $tenant }”，{ $customers } 个客户，{ $subscriptions } 个订阅。
cli-demo-reused = 已找到演示数据：商户“{ $tenant }”，{ $customers } 个客户；未添加任何内容。
cli-demo-serving = Billing 正在运行：{ $url }
cli-demo-api-key = 演示 API 密钥：{ $key }
cli-demo-try = 试试：curl -H "Authorization: Bearer { $key }" { $url }/api/v1/customers
cli-demo-stop = 按 Ctrl-C 停止。
cli-serve-listening = 正在监听 { $url }
cli-migrated = 数据库已迁移。
cli-tenant-created = 已创建商户“{ $tenant }”，ID 为 { $id }。
cli-api-key-created = 新 API 密钥（仅显示一次，请立即保存）：{ $key }
