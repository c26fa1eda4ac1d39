# `billing` 命令行信息。
cli-run-header = 截至 { $date } 的开票运行
cli-run-header-dry = 截至 { $date } 的开票运行（试运行：不写入任何数据）
cli-run-tenant = 商户 { $tenant }：{ $subscriptions } 个到期订阅，{ $invoices } 张发票
cli-run-currency = { $currency }：{ $count } 张发票，净额 { $net }，增值税 { $vat }，合计 { $total }
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
cli-sim-header = 从 { $start } 到 { $end } 的模拟（不保存任何数据）
cli-sim-kind-subscription = 发票
cli-sim-kind-proration = 按比例
cli-sim-kind-credit-note = 贷项通知单
cli-sim-total = 共 { $count } 份单据，合计 { $total }；模拟结束时订阅状态：{ $status }。
cli-fx-imported = 已导入 { $days } 天（{ $first } 至 { $last }）的 { $rates } 条欧洲央行汇率。未导入（未知货币）：{ $skipped }
cli-job-done = 任务 { $name } 已完成：{ $count } 张发票。
cli-vies-rechecked = VIES：已核验 { $checked } 个增值税号：{ $valid } 个有效，{ $invalid } 个无效，{ $unverified } 个仍未确认。
cli-run-rates = 按税率：
cli-run-rate = { $currency } { $category } { $rate } %：{ $count } 张发票，净额 { $net }，增值税 { $vat }，合计 { $total }
cli-run-id = 运行 { $id }（{ $status }）
cli-run-resumed = 此运行继续了一次中断的运行（已恢复 { $count } 次）。
cli-run-skipped = 因异常未开票：{ $count } 个订阅。
cli-run-exceptions = 异常（{ $count }）：
cli-run-exception-blocking = 未开票
cli-run-exception-warning = 警告
cli-run-exception-price-missing = { $customer }：套餐“{ $plan }”没有 { $currency } 价格；未开票。
cli-run-exception-tax-undeterminable = { $customer }：无法确定 { $country } 的增值税（{ $reason }）；未开票。
cli-run-exception-vat-id-missing = { $customer }：位于 { $country } 的企业没有经确认的增值税号；按消费者收取增值税。
cli-run-exception-payment-method-missing = { $customer }：没有默认支付方式；自动扣款将失败。
cli-run-exception-tax-behavior-mixed = { $customer }：“{ $plan }”的到期周期部分为含税价、部分为不含税价；一张发票只能是其中一种。请先开票至价格变更前一天；未开票。
cli-runs-none = 尚无开票运行。
cli-runs-dry = 试运行
cli-runs-real = 正式运行
cli-runs-line = { $id }  { $date }  { $kind }  { $status }  { $invoices } 张发票，{ $exceptions } 个异常  { $started }  { $by }
cli-runs-detail = { $kind }，截至 { $date }，由 { $by } 于 { $started } 启动，{ $finished } 结束，耗时 { $ms } 毫秒；检查了 { $subscriptions } 个订阅。
cli-runs-not-found = 没有开票运行 { $id }。
cli-runs-report-written = 运行 { $id } 的报告已写入 { $file }（{ $rows } 行）。
cli-tenant-collection-set = 商户“{ $tenant }”的收款方式现为：{ $method }。
cli-collect-summary = 截至 { $as_of } 的收款：{ $collected } 笔已付，{ $failed } 笔未付，{ $redriven } 个待处理尝试已重新执行，{ $rechecked } 笔待处理付款已按服务商状态结清，{ $skipped } 笔已跳过，{ $refunds } 笔未获答复的退款已完成。
cli-collect-locked = 另一个收款任务持有锁；未执行任何操作。
cli-bank-imported = 已导入银行对账单 { $id }：共 { $entries } 笔，已匹配 { $matched } 笔，未匹配 { $unmatched } 笔，有歧义 { $ambiguous } 笔。

# 嵌入式数据库（一个数据目录只归一个 billing 进程所有；docs/adr/0018）
cli-embedded-serving = 一个 billing 进程（pid { $pid }）已在 { $url } 为此数据目录提供服务。请使用它，或先停止它。
cli-embedded-busy = 数据目录 { $dir } 正被另一个 billing 进程（pid { $pid }）使用，且未能及时释放。请在它完成后重试。
cli-embedded-waiting = 正在等待另一个 billing 进程使用完 { $dir } …
cli-run-date-in-future = 开票日期 { $as_of } 晚于商户时区的今天（{ $today }）：发票将带有未来的日期。请使用 --dry-run 预览；如确有需要，请使用 --allow-future。
cli-run-exception-fx-rate-missing = { $customer }：{ $date } 及其前 { $days } 天内没有 { $currency } 的欧洲央行汇率，无法以 { $national } 列示增值税（增值税指令第 230 条）；请用 billing fx-import 导入汇率；未开票。

# E-invoices: the invoice run's exception and the CLI export.
cli-run-exception-einvoice-data-missing = { $customer }：该客户接收的 { $format } 电子发票缺少{ $missing }。
cli-einvoice-exported = 已将 { $files } 张电子发票（{ $format }，开具日期 { $from } 至 { $to }）导出到 { $file }。
cli-einvoice-skipped = { $number } 没有电子发票：{ $reason }

# billing bench (docs/performance.md)
cli-bench-needs-server = billing bench 需要 DATABASE_URL：它会在该 PostgreSQL 服务器上创建自己的数据库。
cli-bench-subscriptions-range = --subscriptions 必须在 1 到 10000000 之间。
cli-bench-kept = 已保留数据库 { $database }。
cli-bench-loading = 正在加载 { $count } 个客户和订阅…
cli-bench-running = 正在为 { $count } 个到期订阅开票…
cli-bench-floors = 正在测量下限（COPY 相同的行）…
cli-bench-run = 开票：{ $subscriptions } 个订阅，{ $invoices } 张发票，用时 { $seconds } 秒（每个订阅 { $us } 微秒）
cli-bench-rss = 内存峰值：{ $mib } MiB
cli-bench-rows = 写入的行：{ $rows }
cli-bench-lean = 精简表 COPY 下限：{ $seconds } 秒；开票用时是它的 { $ratio } 倍
cli-bench-real = COPY 到实际表：{ $seconds } 秒；开票用时是它的 { $ratio } 倍
cli-bench-rerun = 重新运行：{ $seconds } 秒（开票用时的 { $percent } %），写入的行：{ $rows }
cli-bench-phases = 开票时间的分布：
cli-bench-usage-range = --events 须在 1 到 10000000 之间，--batch 在 1 到 1000 之间，--concurrency 在 1 到 256 之间。
cli-bench-usage-sending = 正在通过 API 发送 { $count } 个用量事件…
cli-bench-usage-batch = 批量：{ $events } 个事件，每批 { $batch } 个，{ $concurrency } 个连接：每秒 { $rate } 个事件（每个请求 p50 { $p50 } 毫秒，p99 { $p99 } 毫秒）
cli-bench-usage-single = 单个事件：{ $events } 个：每秒 { $rate } 个事件（p50 { $p50 } 毫秒，p99 { $p99 } 毫秒）
cli-bench-usage-copy = COPY 到 usage_events：每秒 { $rate } 行；批量写入达到其 { $ratio }
cli-webhooks-run = Webhook：已分发 { $events } 个事件，已发送 { $sent } 次投递，{ $retried } 次待重试，{ $failed } 次最终失败，已停用 { $disabled } 个端点。
cli-request-log-pruned = 请求日志：已删除 { $count } 条超过 { $days } 天的记录。

# dunning-retries
predunning-cli-locked = 另一个预催收任务持有锁；未执行任何操作。
predunning-cli-summary = 预催收：已排队 { $cards } 条银行卡到期通知、{ $trials } 条试用结束通知、{ $renewals } 条续订通知和 { $debits } 条直接借记预通知。
purge-outbox-cli-summary = 发件箱清理：已删除超过 { $days } 天的 { $events } 个事件、{ $mails } 封邮件和 { $deliveries } 次 Webhook 投递。
bench-api-range = --customers 和 --requests 须在 1 到 10000000 之间，--concurrency 在 1 到 256 之间。
bench-api-measuring = 正在测量 { $scenario }…
bench-api-setup = { $customers } 个客户，{ $invoices } 张发票；每个场景 { $requests } 个请求，{ $concurrency } 个连接
bench-api-scenario = { $scenario }：{ $rate } 请求/秒（p50 { $p50 } ms，p99 { $p99 } ms）；为基准吞吐量的 { $ratio }，p99 为基准的 { $p99ratio } 倍
bench-api-during-run = 开票运行耗时 { $seconds } 秒；运行期间应答了 { $requests } 个请求{ $ended ->
    [yes] 。
   *[no] ，但运行在测量结束前就已结束（请使用更多客户）。
}

# Scheduled jobs (issue 12, docs/adr/0037)
jobs-simulated-clock = 模拟时钟：此服务器按 { $file } 中写入的时间（当前 { $now }）而非真实时间运行所有任务和 API。仅用于测试和预发布环境。
jobs-invoice-run-tenant = { $tenant } 截至 { $as_of } 的开票运行：{ $invoices } 张发票，跳过 { $skipped } 个订阅。
jobs-invoice-run-done-already = { $tenant } 截至 { $as_of } 的开票运行：已完成。
jobs-invoice-run-busy = { $tenant } 的开票运行：另一个进程正在运行；未执行任何操作。
jobs-invoice-run-failed = { $tenant } 截至 { $as_of } 的开票运行失败：{ $error }
jobs-invoice-run-some-failed = { $count } 个开票运行失败。
jobs-fx-not-configured = 没有可导入的内容：请设置 [fx] url 或 [fx] folder。
jobs-metrics-snapshot-done = 指标快照：为 { $tenants } 个商户写入 { $rows } 行。
