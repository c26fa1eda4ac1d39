# 取引メール（portal-web/src/mail）。

mail-greeting = { $name } 様
mail-greeting-anonymous = お客様各位
mail-signoff = 今後ともよろしくお願いいたします。
mail-footer = このメールは、{ $tenant } をご利用のお客様にお送りしています。カード情報をメールで送らないでください。

# A fact or a link in the text part.
mail-text-line = { $label }：{ $value }
mail-fact-number = 番号
mail-fact-amount = 金額
mail-fact-amount-paid = お支払い金額
mail-fact-amount-due = 未払い金額
mail-fact-due-date = 支払期日
mail-fact-debit-date = 引き落とし日

mail-action-view = アカウントを表示
mail-action-update-method = お支払い方法を更新
mail-action-pay = 今すぐ支払う
mail-action-manage = サブスクリプションを管理
mail-action-sign-in = サインイン

mail-invoice-issued-subject = { $tenant } からの請求書 { $number }
mail-invoice-issued-heading = 新しい請求書
mail-invoice-issued-body = 請求書 { $number }（{ $amount }）をこのメールに添付しました。{ $due } までにお支払いください。

mail-payment-receipt-subject = 請求書 { $number } の領収書
mail-payment-receipt-heading = お支払いありがとうございます
mail-payment-receipt-body = 請求書 { $number } について { $amount } を受領しました。この請求書はお支払い済みです。

mail-payment-failed-subject = 請求書 { $number } のお支払いに失敗しました
mail-payment-failed-heading = お支払いが完了しませんでした
mail-payment-failed-body = 請求書 { $number } の { $amount } を回収できませんでした。
mail-payment-failed-retry = { $date } に再度お支払いを試みます。今すぐお支払い方法を更新することもできます。
mail-payment-failed-update = 金額を回収できるよう、新しいお支払い方法を追加してください。

mail-dunning-step-subject = お知らせ：請求書 { $number } の支払期日が過ぎています
mail-dunning-step-heading = 請求書の支払期日が過ぎています
mail-dunning-step-body = 請求書 { $number }（{ $amount }）の支払期日は { $due } でしたが、まだお支払いいただいておりません。至急お支払いください。

mail-card-expiring-subject = 末尾 { $last4 } のカードの有効期限が近づいています
mail-card-expiring-heading = カードの有効期限が近づいています
mail-card-expiring-body = { $tenant } へのお支払いに使用している末尾 { $last4 } のカードは { $date } に有効期限が切れます。サービスを中断なくご利用いただくため、新しいカードを追加してください。

mail-trial-ending-subject = 無料トライアルは { $date } に終了します
mail-trial-ending-heading = 無料トライアルがまもなく終了します
mail-trial-ending-body = { $tenant } の無料トライアルは { $date } に終了します。その後はサブスクリプションが継続し、登録済みのお支払い方法に請求されます。

mail-renewal-notice-subject = サブスクリプションは { $date } に更新されます
mail-renewal-notice-heading = サブスクリプションがまもなく更新されます
mail-renewal-notice-body = { $tenant } のサブスクリプションは { $date } に更新されます。継続される場合、お手続きは不要です。

mail-debit-notice-subject = { $amount } の口座引き落としのお知らせ
mail-debit-notice-heading = SEPA 口座引き落としの事前通知
mail-debit-notice-body = { $date } に請求書 { $number } の { $amount } をお客様の銀行口座から引き落とします。口座残高が十分であることをご確認ください。

mail-subscription-changed-subject = サブスクリプションが変更されました
mail-subscription-changed-heading = サブスクリプションが変更されました
mail-subscription-changed-body = { $tenant } のサブスクリプションが変更されました。次回の請求書に変更が反映されます。

mail-subscription-canceled-subject = サブスクリプションが解約されました
mail-subscription-canceled-heading = サブスクリプションが解約されました
mail-subscription-canceled-body = { $tenant } のサブスクリプションは解約され、{ $date } に終了します。ご利用ありがとうございました。

mail-credit-note-issued-subject = { $tenant } からのクレジットノート { $number }
mail-credit-note-issued-heading = クレジットノートを発行しました
mail-credit-note-issued-body = クレジットノート { $number }（{ $amount }）を発行しました。このメールに添付しています。

mail-sign-in-link-subject = { $tenant } へのサインインリンク
mail-sign-in-link-heading = アカウントにサインイン
mail-sign-in-link-body = 下のボタンから { $tenant } のアカウントにサインインしてください。このリンクは 1 回限り有効で、{ $expires } に期限切れとなります。
mail-sign-in-link-ignore = このリンクをリクエストしていない場合は、このメールを無視してください。

# The command line.
mail-cli-run = メール：送信 { $sent } 件、再試行待ち { $retried } 件、失敗 { $failed } 件、送信停止 { $suppressed } 件（{ $where }）。
mail-cli-demo-folder = デモではメールは送信されません。各メールは .eml ファイルとして { $folder } に保存されます。

# billing jobs list
jobs-list-none = ジョブの実行記録はまだありません。
jobs-list-running = 実行中
jobs-list-ok = 成功
jobs-list-failed = 失敗：{ $error }
jobs-list-line = { $started }  { $job }  加盟店 { $tenant }（{ $trigger }）  完了 { $done }、失敗 { $failed }  { $status }

# Dunning job (docs/adr/0022)
dunning-cli-summary = 督促処理: 督促中の請求書 { $invoices } 件、再請求 { $retried } 件（うち支払済み { $recovered } 件）、再試行を省略（確定的な拒否、またはカードで 30 日間に 15 回の試行） { $skipped } 件、督促メール登録 { $emails } 件、回収不能に変更 { $uncollectible } 件、失敗 { $failed } 件。
dunning-cli-locked = 別の督促処理がロックを保持しているため、何も行いませんでした。

mail-billing-question-reply-subject = 請求に関するご質問：{ $tenant } から回答がありました
mail-billing-question-reply-heading = ご質問に回答しました
mail-billing-question-reply-body = { $tenant } が請求に関するご質問に回答しました。回答は次のとおりです：
mail-action-view-question = やり取りを見る

# --- dunning-ladder: dunning step actions and the German reminder ladder (docs/adr/0031) ---
mail-dunning-payment-reminder-subject = お支払いのお願い：請求書 { $number }
mail-dunning-payment-reminder-heading = お支払いのお願い
mail-dunning-payment-reminder-body = 行き違いかと存じますが、請求書 { $number }（{ $amount }）の支払期日 { $due } を過ぎてもお支払いを確認できておりません。数日以内に未払い金額をお支払いください。すでにお支払い済みの場合は、本状をお捨て置きください。
mail-dunning-first-notice-subject = 第1回督促：請求書 { $number }
mail-dunning-first-notice-heading = 第1回督促
mail-dunning-first-notice-body = お支払いのお願いにもかかわらず、支払期日 { $due } の請求書 { $number }（{ $amount }）がお支払いいただけておりません。これにより履行遅滞となっております（ドイツ民法典第286条）。直ちに未払い金額をお支払いください。
mail-dunning-second-notice-subject = 第2回督促：請求書 { $number }
mail-dunning-second-notice-heading = 第2回督促
mail-dunning-second-notice-body = 第1回督促にもかかわらず、支払期日 { $due } の請求書 { $number }（{ $amount }）は依然として未払いです。遅延損害金を含む未払い金額を遅滞なくお支払いください。
mail-dunning-final-notice-subject = 最終督促：請求書 { $number }
mail-dunning-final-notice-heading = 最終督促
mail-dunning-final-notice-body = これが最終の督促です。支払期日 { $due } の請求書 { $number }（{ $amount }）は、再三の督促にもかかわらずお支払いいただけておりません。遅延損害金を含む未払い金額を直ちにお支払いください。お支払いが確認できない場合は、予告なく法的手続きを取らせていただきます。
mail-dunning-late-fee-subject = 請求書 { $number } の督促手数料
mail-dunning-late-fee-heading = 督促手数料
mail-dunning-late-fee-body = 支払期日 { $due } の請求書 { $number }（{ $amount }）がまだお支払いいただけておりません。当社の規約に基づき、督促手数料を請求いたします。
mail-dunning-restrict-subject = { $tenant } のアカウントが制限されました
mail-dunning-restrict-heading = アカウントが制限されました
mail-dunning-restrict-body = 支払期日 { $due } の請求書 { $number }（{ $amount }）が未払いのため、お支払いを確認するまでプランの変更やサブスクリプションの追加はできません。延滞中の請求書のお支払いが完了すると、制限は自動的に解除されます。
mail-dunning-pause-subscriptions-subject = { $tenant } のサブスクリプションを一時停止しました
mail-dunning-pause-subscriptions-heading = サブスクリプションを一時停止しました
mail-dunning-pause-subscriptions-body = 支払期日 { $due } の請求書 { $number }（{ $amount }）が未払いのため、サブスクリプションを一時停止しました。未払い金額をお支払いください。
mail-dunning-cancel-subscriptions-subject = { $tenant } のサブスクリプションを終了しました
mail-dunning-cancel-subscriptions-heading = サブスクリプションを終了しました
mail-dunning-cancel-subscriptions-body = 支払期日 { $due } の請求書 { $number }（{ $amount }）が督促にもかかわらず未払いのため、サブスクリプションを即時終了しました。未払い金額は引き続きお支払いいただく必要があります。
mail-dunning-charges-explained = お支払いの遅延に対し、下記の費用を請求いたします。これらは損害賠償であるため付加価値税の対象外であり、別の請求書で請求いたします。
mail-fact-interest = 遅延損害金 年率 { $rate }、{ $from } – { $to }（{ $days } 日）
mail-fact-flat-fee = 支払遅延の定額賠償金（ドイツ民法典第288条第5項）
mail-fact-late-fee = 督促手数料
mail-fact-charges-invoice = 遅延費用の請求書
mail-fact-total-owed = お支払い総額
dunning-cli-actions = 督促処理：督促状 { $notices } 件送信、費用請求 { $charged } 回、アカウント制限 { $restricted } 件、サブスクリプション一時停止 { $paused } 回、サブスクリプション終了 { $canceled } 回。

mail-sepa-fact-mandate-reference = 委任参照番号
mail-sepa-fact-creditor-id = 債権者識別番号
mail-welcome-subject = { $tenant } へようこそ
mail-welcome-heading = ようこそ
mail-welcome-body = { $tenant } にご登録いただきありがとうございます。サブスクリプションが開始されました。
mail-welcome-portal = アカウントでは、サブスクリプションと請求書の確認、プランの変更、支払い方法の更新をいつでも行えます。サインインするには、このメールアドレスでサインインリンクをリクエストしてください。
mail-welcome-action = アカウントを開く

# Bounces and complaints that come back as mails (docs/adr/0046): POST /api/v1/mail_reports and
# `billing mail report --file`. $address, $tenant (slug), $reason (bounce, complaint), $detail, $id.
mail-report-error-not-a-report = このメールは配信状態通知（RFC 3464）でもフィードバックレポート（RFC 5965）でもありません。report-type が delivery-status または feedback-report の multipart/report である必要があります。
mail-report-error-no-status = レポートに受信者のステータスもフィードバックの種類も含まれていません。
mail-report-error-no-message-id = レポートに元のメールの Message-ID がありません。アドレスで照合するには加盟店（--tenant）を指定してください。
mail-report-cli-suppressed = { $address } は { $tenant } で送信停止になりました（{ $reason }）：{ $detail }
mail-report-cli-already = { $address } は { $tenant } ですでに送信停止です：{ $detail }
mail-report-cli-ignored = { $address }（{ $tenant }）に変更はありません：{ $detail }
mail-report-cli-no-mail = レポートに一致するメールがありません（{ $id }）。

# A reminder on an invoice never charged, overdue from its due date (docs/adr/0047).
dunning-due-subject = 請求書 { $number } の支払期日が過ぎています：振込またはポータルでお支払いください
dunning-due-heading = 請求書の支払期日が過ぎています
dunning-due-body = 請求書 { $number }（{ $amount }）の支払期日は { $due } でしたが、まだお支払いを確認できていません。
dunning-due-transfer = 請求書番号を振込依頼人名義の参照として、下記の口座に { $amount } をお振り込みいただくか、ポータルでお支払いください。すでにお支払い済みの場合は、このお知らせは破棄してください。
dunning-due-portal = ポータルでお支払いください。すでにお支払い済みの場合は、このお知らせは破棄してください。
dunning-due-fact-holder = 口座名義
dunning-due-fact-iban = IBAN
dunning-due-fact-bic = BIC
dunning-due-fact-reference = 参照番号
# A SEPA mandate revoked or expired (docs/adr/0044).
portal-mandate-end-revoked-subject = SEPA 口座引落の委任 { $reference } が取り消されました
portal-mandate-end-revoked-heading = 口座引落の委任が終了しました
portal-mandate-end-revoked-body = 末尾 { $last4 } の口座に対する SEPA 口座引落の委任 { $reference } は { $date } に取り消されました。{ $tenant } はこの口座から今後引き落としを行いません。サービスを中断なくご利用いただくため、別のお支払い方法を追加してください。
portal-mandate-end-expired-subject = SEPA 口座引落の委任 { $reference } の有効期限が切れました
portal-mandate-end-expired-heading = 口座引落の委任の有効期限が切れました
portal-mandate-end-expired-body = 末尾 { $last4 } の口座に対する SEPA 口座引落の委任 { $reference } は、36 か月間使用されなかったため { $date } に失効しました。{ $tenant } はこの口座から今後引き落としを行いません。サービスを中断なくご利用いただくため、お支払い方法を追加してください。
portal-mandate-end-fact-iban = 口座
portal-mandate-end-fact-date = 終了日
