# 页面、电子邮件和文档共用。
# 语言切换器中显示的该语言自称。
language-name = 简体中文

# API 参考页面 /api/docs：页面自身的标题和标签（操作说明保持英文）。
apidocs-reference = { $title } 参考
apidocs-skip = 跳到参考内容
apidocs-version = 版本 { $version }
apidocs-contents = 目录
apidocs-introduction = 简介
apidocs-schemas = 数据结构
apidocs-errors = 错误代码
apidocs-language = 语言
apidocs-base-path = 基础路径：
apidocs-document = 机器可读的文档（OpenAPI 3.1），可据此生成客户端：
apidocs-no-key = 无需 API 密钥。
apidocs-parameters = 参数
apidocs-name = 名称
apidocs-in = 位置
apidocs-type = 类型
apidocs-required = 必填
apidocs-description = 说明
apidocs-yes = 是
apidocs-no = 否
apidocs-request-body = 请求正文
apidocs-optional = （可选）
apidocs-responses = 响应
apidocs-status = 状态
apidocs-body = 正文
apidocs-meaning = 含义
apidocs-none = 无
apidocs-field = 字段
apidocs-always-present = 始终存在
apidocs-errors-shape = 每个错误都以此格式返回：
apidocs-errors-stable = code 保持不变；message 随 Accept-Language 请求头变化。
apidocs-code = 代码
apidocs-when = 何时
apidocs-english-note = 操作、字段和错误代码的说明为英文。
