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
dunning-cli-summary = 督促処理: 督促中の請求書 { $invoices } 件、再請求 { $retried } 件（うち支払済み { $recovered } 件）、確定的な拒否のため再試行を省略 { $skipped } 件、督促メール登録 { $emails } 件、回収不能に変更 { $uncollectible } 件、失敗 { $failed } 件。
dunning-cli-locked = 別の督促処理がロックを保持しているため、何も行いませんでした。

mail-billing-question-reply-subject = 請求に関するご質問：{ $tenant } から回答がありました
mail-billing-question-reply-heading = ご質問に回答しました
mail-billing-question-reply-body = { $tenant } が請求に関するご質問に回答しました。回答は次のとおりです：
mail-action-view-question = やり取りを見る
