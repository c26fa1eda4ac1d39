# API のエラーメッセージ。各メッセージには機械可読の固定コードが添えられます。
error-unknown-currency = 「{ $value }」は既知の通貨ではありません。EUR などの ISO 4217 コードを使用してください。
error-currency-mismatch = { $left } と { $right } の金額は合算できません。
error-amount-overflow = 金額が大きすぎます。
error-amount-too-precise = { $currency } の金額は小数点以下 { $exponent } 桁までです。
error-amount-invalid = 「{ $value }」は有効な金額ではありません。12.34 のように入力してください。
error-negative-amount = 金額を負の値にすることはできません。
error-invalid-email = 「{ $value }」は有効なメールアドレスではありません。
error-invalid-country = 「{ $value }」は国コードではありません。JP などの ISO 3166 コードを使用してください。
error-invalid-interval = 請求間隔が無効です: { $detail }
error-invalid-id = 「{ $value }」はこの種類の有効な ID ではありません（{ $prefix }_ で始まる必要があります）。
error-invalid-field = 「{ $field }」の値が無効です: { $detail }
error-invalid-quantity = 数量は 1 から { $max } までの整数で指定してください。
error-not-found = ID「{ $id }」の{ $resource ->
    [customer] 顧客
    [plan] プラン
    [subscription] サブスクリプション
    [invoice] 請求書
    [coupon] クーポン
    [tenant] 事業者
   *[other] データ
}は存在しません。
error-plan-not-priced = プラン「{ $plan }」は { $currency } では提供されていません。
error-plan-inactive = プラン「{ $plan }」は提供を終了しました。
error-duplicate = 「{ $code }」はすでに使用されています。
error-invalid-number-format = 請求書番号の書式が無効です: { $detail }
error-internal = 当社側で問題が発生しました。しばらくしてからもう一度お試しください。
error-api-key-missing = API キーをヘッダー「Authorization: Bearer sk_…」で送信してください。
error-api-key-invalid = この API キーは無効か、失効しています。
error-invalid-body = リクエスト本文がこのエンドポイントに対して無効です: { $detail }
error-invalid-query = クエリパラメーターが無効です: { $detail }
error-idempotency-key-reused = この Idempotency-Key は別のリクエストですでに使用されています。
error-idempotency-key-invalid = Idempotency-Key は 1～255 文字の表示可能な文字で指定してください。
error-route-not-found = このエンドポイントは存在しません。
error-method-not-allowed = このエンドポイントはそのメソッドを受け付けません。
error-payload-too-large = リクエスト本文が大きすぎます。
error-proration = この変更は日割り計算できません: { $detail }
error-subscription-state = サブスクリプションは{ $status ->
    [active] 有効
    [paused] 一時停止中
   *[canceled] 解約済み
}のため、この操作（{ $action }）はできません。
error-invalid-pricing = 料金設定が無効です: { $detail }
error-coupon-expired = このクーポンは有効期限が切れています。
error-coupon-exhausted = このクーポンは使用回数の上限に達しています。
error-coupon-currency = このクーポンは { $currency } の金額には使用できません。
error-invalid-coupon = クーポンが無効です: { $detail }
error-not-metered = サブスクリプション { $subscription } は従量課金プランではありません。
error-usage-period-closed = 利用イベント { $event_id } は、すでに請求済みの期間に含まれています。
error-vat-id-prefix = 「{ $country }」は既知の VAT 番号の接頭辞ではありません。VAT 番号は DE や FR などの国コードで始めてください。
error-vat-id-format = これは { $country } の VAT 番号の形式ではありません。
error-vat-id-check-digits = この { $country } の VAT 番号のチェックディジットが一致しません。入力ミスがないか確認してください。
error-tax = この販売の VAT を決定できません: { $detail }
error-no-payment-method = 顧客に登録済みの支払方法がありません。先に追加してください。
error-card-declined = カードが拒否されました（{ $code }）。
error-setup-pending = 顧客がこの支払方法の銀行での確認をまだ完了していません。完了してから再度お試しください。
error-setup-authentication-failed = 銀行がこの支払方法を確認できませんでした（{ $code }）。保存されていません。もう一度追加するか、別の支払方法を使用してください。
error-gateway-unavailable = 決済代行会社から応答がありませんでした。二重に請求されたものはありません。しばらくしてからもう一度お試しください。
error-invoice-not-payable = この請求書は { $status } のため、回収するものはありません。
error-addon-not-compatible = アドオン「{ $addon }」はプラン「{ $plan }」に追加できません。
error-insufficient-balance = 顧客のクレジット残高が不足しています（利用可能: { $currency } の最小単位で { $available }）。
error-refund-too-large = この請求書で返金できるのは { $currency } の最小単位で最大 { $refundable } です。
error-invoice-state = 請求書は { $status } のため、この状態では { $action } できません。
error-credit-exceeds-invoice = この請求書でまだ貸方計上できるのは { $currency } の最小単位で最大 { $creditable } です。
error-invoice-has-payments = この請求書には入金があるため、無効にできません。代わりにクレジットノートを発行するか返金してください。
error-invoice-empty = 請求書に明細行がありません。確定する前に少なくとも 1 行追加してください。
error-no-gateway-route = この支払いを受け付けられる決済代行会社のアカウントがありません: { $reason }
error-invalid-gateway-config = 決済代行会社の設定が無効です: { $detail }
error-webhook-rejected = Webhook は拒否されました。署名がないか、誤っているか、古すぎます。
error-webhook-unverifiable = 現在、この配信を決済代行会社に確認できません。しばらくしてから再配信してください。
error-invalid-iban = 「{ $value }」は有効な IBAN ではありません。国コード、桁数、2 桁のチェックディジットを確認してください。
error-invalid-bic = 「{ $value }」は有効な BIC ではありません。BIC は英数字 8 桁または 11 桁です。
error-bank-account-missing = 銀行振込用の口座がまだ設定されていません。PUT /api/v1/bank_account で設定してください。
error-invalid-statement = 銀行取引明細を読み取れませんでした（{ $location }）: { $detail }
error-statement-format-unknown = 明細は camt.053 XML（Content-Type application/xml）または CSV（text/csv）で送信するか、?format=camt053 または ?format=csv で形式を指定してください。
error-statement-layout-unknown = 「{ $value }」という CSV レイアウトはありません。german か english を指定するか、省略してヘッダー行からレイアウトを判別させてください。
error-statement-entry-settled = この明細項目は { $outcome } のため、請求書に割り当てられません。割り当てられるのは未照合またはあいまいな入金だけです。
error-epc-qr-unavailable = この請求書には EPC QR コードがありません。ユーロ建てでないか、支払うべき残額がありません。
error-invalid-tax-behavior = 「{ $value }」は税の扱いではありません。「exclusive」（価格に VAT を加算）または「inclusive」（価格に VAT を含む）を使用してください。
error-tax-behavior-mixed = 請求書はすべて税込価格か、すべて税抜価格のどちらかです。これらの金額では税込価格と税抜価格が混在するため、別々の文書で発行してください。

error-idempotency-key-in-use = この Idempotency-Key のリクエストはまだ処理中です。しばらくしてから同じキーで再試行してください。
error-payment-in-progress = この請求書の支払いはすでに処理中です。もう一度支払う代わりに、その結果をお待ちください。
error-refund-failed = 決済代行会社が返金を拒否しました。返金は行われていません。理由: { $reason }
error-run-date-in-future = 実行日 { $as_of } は、お使いのタイムゾーンの今日（{ $today }）より後です。請求書が将来の日付で発行されてしまいます。試行実行で先を確認するか、明示的に許可してください（allow_future）。
error-fx-rate-missing = { $date } およびその前の { $days } 日間に { $currency } の ECB 参照レートがないため、VAT 指令第 230 条の定めどおりに VAT を { $national } で記載できません。ECB のレートをインポートして（billing fx-import）、もう一度確定してください。
error-invalid-text = 項目 { $field } に制御文字（{ $char }）が含まれています。削除してください。使用できるのはタブと改行のみです。
error-text-too-long = 項目 { $field } が { $max } 文字を超えています。
error-amount-out-of-bounds = 金額が範囲外です。金額は正負とも最大 { $max } 補助単位までです。
error-request-timeout = リクエスト本文が時間内に届きませんでした。
error-rate-limited = お使いのアドレスからの認証失敗が多すぎます。{ $seconds } 秒後に再試行してください。
error-bad-request = リクエストが無効です: { $detail }
error-service-unavailable = 現在サービスを利用できません。後でもう一度お試しください。
error-einvoice-data-missing = { $format } の電子請求書を作成できません。{ $missing } が必要です。
error-einvoice-not-finalized = 電子請求書があるのは確定済みの請求書とクレジットノートだけです。まず下書きを確定してください。
einvoice-missing-seller-address = 販売者の住所（POST /api/v1/tenant）
einvoice-missing-seller-tax-id = 販売者の VAT 番号または税番号（EU 域内供給と輸出には VAT 番号）
einvoice-missing-seller-tax-number = 販売者の税番号（VAT の対象外の文書には VAT 番号を表示できません）
einvoice-missing-seller-contact-name = 販売者の担当者名（POST /api/v1/tenant/einvoice）
einvoice-missing-seller-contact-phone = 販売者の担当者の電話番号（POST /api/v1/tenant/einvoice）
einvoice-missing-seller-contact-email = 販売者の担当者のメールアドレス（POST /api/v1/tenant/einvoice）
einvoice-missing-buyer-address = 郵便番号と市区町村を含む顧客の請求先住所
einvoice-missing-buyer-reference = 購入者参照としての顧客の Leitweg-ID（公的機関の購入者。POST /api/v1/customers/…/einvoice）
einvoice-missing-payment-means = 支払方法の指示: 販売者の銀行口座、または顧客の登録済みカード
einvoice-missing-currency-precision = 小数点以下が 2 桁以下の通貨（EN 16931 の金額は 2 桁）
einvoice-missing-mixed-not-subject-to-vat = VAT の対象外の供給とその他の供給で別々の文書

# Outgoing webhooks (docs/adr/0024).
error-invalid-webhook-url = 「{ $url }」は Webhook を受信できません: https:// のアドレスを使用してください（http:// はテスト用に 127.0.0.1 または localhost の場合のみ使用できます）。ユーザー名、パスワード、#フラグメントは含められません。
error-webhook-endpoint-disabled = この Webhook エンドポイントは無効になっています。イベントを再送する前に有効にしてください（ステータス「enabled」）。
error-insufficient-scope = この API キーではこの操作はできません。スコープ「{ $scope }」が必要です。

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
error-invalid-late-fee = 督促手数料が無効です：{ $detail }
error-account-restricted = 延滞中の請求書があるため、アカウントが制限されています。お支払い後、プランの変更とサブスクリプションの追加が再びできるようになります。
# api-limits: rate limits per API key and per merchant (docs/adr/0033).
error-rate-limited-key = この API キーまたはお客様のアカウントは、この 1 分間に { $limit } 件を超えるリクエストを送信しました。{ $seconds } 秒後に再試行してください。
sepa-period-invalid = SEPA の事前通知期間は { $min } から { $max } までの整数の暦日数で指定するか、SEPA 規則の 14 日とする場合は null を指定してください。何も変更されていません。
