# `billing` コマンドラインのメッセージ。
cli-run-header = { $date } 時点の請求処理
cli-run-header-dry = { $date } 時点の請求処理（ドライラン: 何も書き込みません）
cli-run-tenant = 事業者 { $tenant }: 請求対象のサブスクリプション { $subscriptions } 件、請求書 { $invoices } 件
cli-run-currency = { $currency }: 請求書 { $count } 件、税抜 { $net }、VAT { $vat }、合計 { $total }
cli-run-total = 合計: サブスクリプション { $subscriptions } 件に対して請求書 { $invoices } 件。
cli-run-nothing = 請求するものはありません。
cli-run-progress = 請求処理中
cli-demo-seeded = デモデータを作成しました: 事業者「{ $tenant }」、顧客 { $customers } 件、サブスクリプション { $subscriptions } 件。
cli-demo-reused = デモデータが見つかりました: 事業者「{ $tenant }」、顧客 { $customers } 件。何も追加していません。
cli-demo-serving = Billing は { $url } で稼働中です
cli-demo-api-key = デモ用 API キー: { $key }
cli-demo-try = 試してみる: curl -H "Authorization: Bearer { $key }" { $url }/api/v1/customers
cli-demo-stop = 停止するには Ctrl-C を押してください。
cli-serve-listening = { $url } で待ち受け中
cli-migrated = データベースを移行しました。
cli-tenant-created = 事業者「{ $tenant }」を ID { $id } で作成しました。
cli-api-key-created = 新しい API キー（表示は一度だけです。今すぐ保管してください）: { $key }
cli-sim-header = { $start } から { $end } までのシミュレーション（何も保存しません）
cli-sim-kind-subscription = 請求書
cli-sim-kind-proration = 日割り精算
cli-sim-kind-credit-note = クレジットノート
cli-sim-total = 文書 { $count } 件、合計 { $total }。シミュレーション終了時のサブスクリプションの状態: { $status }。
cli-fx-imported = ECB レートを { $rates } 件、{ $days } 日分（{ $first }～{ $last }）取り込みました。取り込まなかった通貨（不明）: { $skipped }
cli-job-done = ジョブ { $name } 完了: 請求書 { $count } 件。
cli-vies-rechecked = VIES: VAT 番号 { $checked } 件を確認しました: 有効 { $valid } 件、無効 { $invalid } 件、未確認のまま { $unverified } 件。
cli-run-rates = VAT 税率別:
cli-run-rate = { $currency } { $category } { $rate } %: 請求書 { $count } 件、税抜 { $net }、VAT { $vat }、合計 { $total }
cli-run-id = 実行 { $id }（{ $status }）
cli-run-resumed = この実行は中断した実行の続きです（再開 { $count } 回）。
cli-run-skipped = 例外のため請求しなかったサブスクリプション: { $count } 件。
cli-run-exceptions = 例外（{ $count } 件）:
cli-run-exception-blocking = 請求せず
cli-run-exception-warning = 警告
cli-run-exception-price-missing = { $customer }: プラン「{ $plan }」に { $currency } の価格がありません。請求していません。
cli-run-exception-tax-undeterminable = { $customer }: { $country } の VAT を決定できません（{ $reason }）。請求していません。
cli-run-exception-vat-id-missing = { $customer }: { $country } の事業者ですが、確認済みの VAT 番号がありません。消費者として VAT を課しました。
cli-run-exception-payment-method-missing = { $customer }: 既定の支払方法がありません。自動回収は失敗します。
cli-run-exception-tax-behavior-mixed = { $customer }: 「{ $plan }」の請求対象期間には税込価格と税抜価格が混在しています。1 通の請求書はどちらか一方です。まず価格変更の前日までを請求してください。請求していません。
cli-runs-none = 請求処理の実行はまだありません。
cli-runs-dry = ドライラン
cli-runs-real = 本番実行
cli-runs-line = { $id }  { $date }  { $kind }  { $status }  請求書 { $invoices } 件、例外 { $exceptions } 件  { $started }  { $by }
cli-runs-detail = { $date } 時点の{ $kind }、{ $started } に { $by } が開始、{ $finished } に終了、処理時間 { $ms } ms。対象サブスクリプション { $subscriptions } 件。
cli-runs-not-found = 請求処理の実行 { $id } はありません。
cli-runs-report-written = 実行 { $id } のレポートを { $file } に書き出しました（{ $rows } 行）。
cli-tenant-collection-set = 事業者「{ $tenant }」の回収方法: { $method }。
cli-collect-summary = { $as_of } 時点の回収: 支払済み { $collected } 件、未払い { $failed } 件、保留中の試行の再実行 { $redriven } 件、決済代行会社の結果で確定した待機中の支払い { $rechecked } 件、スキップ { $skipped } 件、応答のなかった返金の完了 { $refunds } 件。
cli-collect-locked = 別の回収処理がロックを保持しています。何も行いませんでした。
cli-bank-imported = 銀行取引明細 { $id } を取り込みました: 項目 { $entries } 件、照合済み { $matched } 件、未照合 { $unmatched } 件、あいまい { $ambiguous } 件。

cli-embedded-serving = billing プロセス（pid { $pid }）がすでにこのデータフォルダを { $url } で提供しています。それを使うか、先に停止してください。
cli-embedded-busy = データフォルダ { $dir } は別の billing プロセス（pid { $pid }）が使用中で、時間内に解放されませんでした。処理が終わってから再試行してください。
cli-embedded-waiting = 別の billing プロセスが { $dir } の使用を終えるのを待っています …
cli-run-date-in-future = 実行日 { $as_of } は、販売者のタイムゾーンの今日（{ $today }）より後です。請求書が将来の日付で発行されてしまいます。先を確認するには --dry-run を、本当に必要な場合は --allow-future を使ってください。
cli-run-exception-fx-rate-missing = { $customer }: { $date } およびその前の { $days } 日間に { $currency } の ECB レートがないため、VAT を { $national } で記載できません（VAT 指令第 230 条）。billing fx-import でレートをインポートしてください。請求されていません。
cli-run-exception-einvoice-data-missing = { $customer }: この顧客が受け取る { $format } の電子請求書には { $missing } が必要です。
cli-einvoice-exported = 電子請求書 { $files } 件（{ $format }、{ $from } から { $to } に発行）を { $file } にエクスポートしました。
cli-einvoice-skipped = { $number } の電子請求書はありません: { $reason }

# billing bench (docs/performance.md)
cli-bench-needs-server = billing bench には DATABASE_URL が必要です。その PostgreSQL サーバーに専用のデータベースを作成します。
cli-bench-subscriptions-range = --subscriptions は 1 から 10000000 の範囲で指定してください。
cli-bench-kept = データベース { $database } を残しました。
cli-bench-loading = 顧客とサブスクリプションを { $count } 件読み込んでいます…
cli-bench-running = 期日の来た { $count } 件のサブスクリプションを請求しています…
cli-bench-floors = 下限を測定しています（同じ行の COPY）…
cli-bench-run = 請求処理: サブスクリプション { $subscriptions } 件、請求書 { $invoices } 件、{ $seconds } 秒（1 件あたり { $us } µs）
cli-bench-rss = 最大メモリ: { $mib } MiB
cli-bench-rows = 書き込んだ行: { $rows }
cli-bench-lean = 最小テーブルへの COPY の下限: { $seconds } 秒。請求処理はその { $ratio } 倍
cli-bench-real = 実際のテーブルへの COPY: { $seconds } 秒。請求処理はその { $ratio } 倍
cli-bench-rerun = 再実行: { $seconds } 秒（請求処理の { $percent } %）、書き込んだ行: { $rows }
cli-bench-phases = 請求処理の時間の内訳:
cli-bench-usage-range = --events は 1 から 10000000、--batch は 1 から 1000、--concurrency は 1 から 256 の範囲で指定してください。
cli-bench-usage-sending = API 経由で { $count } 件の利用イベントを送信しています…
cli-bench-usage-batch = バッチ: { $events } 件を { $batch } 件ずつ { $concurrency } 接続から: 毎秒 { $rate } 件 (リクエストあたり p50 { $p50 } ms、p99 { $p99 } ms)
cli-bench-usage-single = 単一イベント: { $events } 件: 毎秒 { $rate } 件 (p50 { $p50 } ms、p99 { $p99 } ms)
cli-bench-usage-copy = usage_events への COPY: 毎秒 { $rate } 行。バッチ取り込みはその { $ratio } に達します
cli-webhooks-run = Webhook: イベント { $events } 件を配分、配信 { $sent } 件を送信、再試行待ち { $retried } 件、最終的に失敗 { $failed } 件、無効化したエンドポイント { $disabled } 件。
cli-request-log-pruned = リクエストログ: { $days } 日より古いエントリ { $count } 件を削除しました。

# dunning-retries
predunning-cli-locked = 別の事前通知処理がロックを保持しているため、何も行いませんでした。
predunning-cli-summary = 事前通知: カード期限切れ { $cards } 件、トライアル終了 { $trials } 件、更新 { $renewals } 件、口座引き落としの事前通知 { $debits } 件を登録しました。
purge-outbox-cli-summary = アウトボックスの整理: { $days } 日より古いイベント { $events } 件、メール { $mails } 件、Webhook 配信 { $deliveries } 件を削除しました。
bench-api-range = --customers と --requests は 1 から 10000000、--concurrency は 1 から 256 の範囲で指定してください。
bench-api-measuring = { $scenario } を計測中…
bench-api-setup = 顧客 { $customers } 件、請求書 { $invoices } 件。シナリオごとに { $requests } リクエスト、{ $concurrency } 接続
bench-api-scenario = { $scenario }: { $rate } リクエスト/秒 (p50 { $p50 } ms、p99 { $p99 } ms)。基準のスループットの { $ratio }、p99 は基準の { $p99ratio } 倍
bench-api-during-run = 請求処理の実行は { $seconds } 秒かかり、実行中に { $requests } 件のリクエストに応答しました{ $ended ->
    [yes] 。
   *[no] が、計測より先に終了しました (顧客数を増やしてください)。
}

# Scheduled jobs (issue 12, docs/adr/0037)
jobs-simulated-clock = シミュレーション時計：このサーバーはすべてのジョブと API を実時間ではなく { $file } に書かれた時刻（現在 { $now }）で実行します。テストとステージング専用です。
jobs-invoice-run-tenant = { $tenant } の { $as_of } 時点の請求実行：請求書 { $invoices } 件、スキップしたサブスクリプション { $skipped } 件。
jobs-invoice-run-done-already = { $tenant } の { $as_of } 時点の請求実行：実行済みです。
jobs-invoice-run-busy = { $tenant } の請求実行：別のプロセスが実行中です。何もしませんでした。
jobs-invoice-run-failed = { $tenant } の { $as_of } 時点の請求実行に失敗しました：{ $error }
jobs-invoice-run-some-failed = { $count } 件の請求実行が失敗しました。
jobs-fx-not-configured = インポートするものがありません：[fx] url または [fx] folder を設定してください。
jobs-metrics-snapshot-done = 指標スナップショット：{ $tenants } 件の加盟店について { $rows } 行を書き込みました。
