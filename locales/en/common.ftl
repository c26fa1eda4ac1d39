# Shared across pages, emails and documents.
# The language's own name, as a language switcher lists it.
language-name = English

# The API reference page /api/docs: its own headings and labels (the operations' texts stay English).
apidocs-reference = { $title } reference
apidocs-skip = Skip to the reference
apidocs-version = version { $version }
apidocs-contents = Contents
apidocs-introduction = Introduction
apidocs-schemas = Schemas
apidocs-errors = Error codes
apidocs-language = Language
apidocs-base-path = Base path:
apidocs-document = The machine-readable document (OpenAPI 3.1), to generate a client from:
apidocs-no-key = No API key needed.
apidocs-parameters = Parameters
apidocs-name = Name
apidocs-in = In
apidocs-type = Type
apidocs-required = Required
apidocs-description = Description
apidocs-yes = yes
apidocs-no = no
apidocs-request-body = Request body
apidocs-optional = (optional)
apidocs-responses = Responses
apidocs-status = Status
apidocs-body = Body
apidocs-meaning = Meaning
apidocs-none = none
apidocs-field = Field
apidocs-always-present = Always present
apidocs-errors-shape = Every error answers with this shape:
apidocs-errors-stable = The code is stable; the message follows the Accept-Language header.
apidocs-code = Code
apidocs-when = When
apidocs-english-note = The descriptions of operations, fields and error codes are in English.
