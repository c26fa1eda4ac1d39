# ページ、メール、文書で共通に使う文言。
# 言語切り替えに表示する、その言語自身での名前。
language-name = 日本語

# API リファレンスページ /api/docs の見出しとラベル（操作の説明は英語のまま）。
apidocs-reference = { $title } リファレンス
apidocs-skip = リファレンスへ移動
apidocs-version = バージョン { $version }
apidocs-contents = 目次
apidocs-introduction = はじめに
apidocs-schemas = スキーマ
apidocs-errors = エラーコード
apidocs-language = 言語
apidocs-base-path = ベースパス：
apidocs-document = 機械可読なドキュメント（OpenAPI 3.1）。ここからクライアントを生成できます：
apidocs-no-key = API キーは不要です。
apidocs-parameters = パラメーター
apidocs-name = 名前
apidocs-in = 場所
apidocs-type = 型
apidocs-required = 必須
apidocs-description = 説明
apidocs-yes = はい
apidocs-no = いいえ
apidocs-request-body = リクエスト本文
apidocs-optional = （任意）
apidocs-responses = レスポンス
apidocs-status = ステータス
apidocs-body = 本文
apidocs-meaning = 意味
apidocs-none = なし
apidocs-field = フィールド
apidocs-always-present = 常に存在
apidocs-errors-shape = エラーはすべて次の形式で返されます：
apidocs-errors-stable = code は変わりません。message は Accept-Language ヘッダーに従います。
apidocs-code = コード
apidocs-when = 条件
apidocs-english-note = 操作、フィールド、エラーコードの説明は英語です。
