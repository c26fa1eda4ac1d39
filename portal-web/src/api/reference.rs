//! `GET /api/docs`: the API reference, rendered on the server from the OpenAPI document
//! (`super::openapi::document`): operations grouped by tag with their parameters, bodies and
//! answers, then every schema and the error codes. One HTML page with its own styles; nothing
//! is fetched from the network and no script runs. The page's own headings and labels are in the
//! reader's language (`?lang=`, then `Accept-Language`; keys `apidocs-*` in locales/*/common.ftl);
//! the operations', fields' and error codes' descriptions stay English like the document they
//! come from (docs/adr/0025, 0038).

use std::sync::OnceLock;

use askama::Template;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use super::openapi::{ERROR_CODES, document};
use crate::i18n::{I18n, Locale};
use crate::web::layout::LanguageLink;

/// A type as the page shows it: its text and, for a named schema, the anchor of its section.
#[derive(Debug, Clone)]
pub struct TypeView {
    pub text: String,
    pub link: Option<String>,
}

#[derive(Debug)]
pub struct ParamView {
    pub name: String,
    pub location: String,
    pub ty: TypeView,
    pub required: bool,
    pub description: String,
}

#[derive(Debug)]
pub struct ResponseView {
    pub status: String,
    pub description: String,
    pub content_type: String,
    pub ty: Option<TypeView>,
}

#[derive(Debug)]
pub struct OperationView {
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub description: String,
    pub public: bool,
    pub params: Vec<ParamView>,
    pub body: Option<(String, TypeView, bool)>,
    pub body_description: String,
    pub responses: Vec<ResponseView>,
}

#[derive(Debug)]
pub struct TagView {
    pub anchor: String,
    pub name: String,
    pub description: String,
    pub operations: Vec<OperationView>,
}

#[derive(Debug)]
pub struct FieldView {
    pub name: String,
    pub ty: TypeView,
    pub required: bool,
    pub description: String,
}

#[derive(Debug)]
pub struct SchemaView {
    pub anchor: String,
    pub name: String,
    pub description: String,
    /// For a schema that is not an object with properties (an enum, a union).
    pub shape: Option<TypeView>,
    pub fields: Vec<FieldView>,
}

/// What the page shows of the document: the same in every language.
#[derive(Debug)]
pub struct Content {
    pub title: String,
    pub version: String,
    pub intro: Vec<String>,
    pub tags: Vec<TagView>,
    pub schemas: Vec<SchemaView>,
    pub errors: Vec<(u16, &'static str, &'static str)>,
}

/// The page's own texts in its language.
pub struct Tx {
    pub locale: Locale,
}

impl Tx {
    /// Message `apidocs-{id}`.
    pub fn t(&self, id: &str) -> String {
        I18n::global().text(self.locale, &format!("apidocs-{id}"), &[])
    }

    /// Message `apidocs-{id}` with one argument.
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        I18n::global().text(self.locale, &format!("apidocs-{id}"), &[(name, value.to_string())])
    }
}

#[derive(Template)]
#[template(path = "api/reference.html")]
pub struct ReferencePage {
    pub lang: &'static str,
    pub tx: Tx,
    pub languages: Vec<LanguageLink>,
    pub c: &'static Content,
}

/// `GET /api/docs`, in the language `?lang=` names, else the best of `Accept-Language`.
pub async fn page(headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let locale = chosen(crate::web::lang::query_lang(query.as_deref()).as_deref(), &headers);
    static CONTENT: OnceLock<Content> = OnceLock::new();
    let page = ReferencePage {
        lang: locale.tag(),
        tx: Tx { locale },
        languages: Locale::ALL
            .into_iter()
            .map(|l| LanguageLink { tag: l.tag(), name: l.native_name(), current: l == locale })
            .collect(),
        c: CONTENT.get_or_init(build),
    };
    let mut response = crate::web::layout::html(StatusCode::OK, locale, &page);
    response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept-Language"));
    response
}

/// `?lang=` when it names a shipped language, then `Accept-Language`, then English.
fn chosen(query: Option<&str>, headers: &HeaderMap) -> Locale {
    if let Some(l) = query.and_then(Locale::negotiate_tag) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::negotiate_accept_language)
        .unwrap_or(Locale::FALLBACK)
}

fn anchor(prefix: &str, text: &str) -> String {
    let mut out = String::from(prefix);
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// How a schema reads: `string (date)`, `array of Customer`, `integer | null`, a link for `$ref`.
pub fn type_of(schema: &Value) -> TypeView {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r).to_string();
        return TypeView { link: Some(anchor("schema-", &name)), text: name };
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            let parts: Vec<TypeView> = list.iter().map(type_of).collect();
            let link = parts.iter().find_map(|p| p.link.clone());
            let joiner = if key == "allOf" { " & " } else { " | " };
            return TypeView { text: parts.into_iter().map(|p| p.text).collect::<Vec<_>>().join(joiner), link };
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let names: Vec<String> =
            values.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect();
        return TypeView { text: format!("one of {}", names.join(", ")), link: None };
    }
    let types: Vec<String> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts.iter().map(text).collect(),
        _ => vec![],
    };
    let mut link = None;
    let shown: Vec<String> = types
        .iter()
        .map(|t| match t.as_str() {
            "array" => {
                let items = schema.get("items").map(type_of).unwrap_or(TypeView { text: "any".into(), link: None });
                link = items.link.clone();
                format!("array of {}", items.text)
            }
            "object" if schema.get("additionalProperties").is_some_and(Value::is_object) => {
                let values = schema
                    .get("additionalProperties")
                    .map(type_of)
                    .unwrap_or(TypeView { text: "any".into(), link: None });
                format!("map of {}", values.text)
            }
            "null" => "null".to_string(),
            other => match schema.get("format").and_then(Value::as_str) {
                Some(f) => format!("{other} ({f})"),
                None => other.to_string(),
            },
        })
        .collect();
    if shown.is_empty() {
        return TypeView { text: "any".into(), link: None };
    }
    TypeView { text: shown.join(" | "), link }
}

fn build() -> Content {
    let doc: Value = serde_json::to_value(document()).unwrap_or_default();
    let info = &doc["info"];
    let description = text(&info["description"]);
    // The description's own error table is rendered from `ERROR_CODES` instead.
    let intro: Vec<String> = description
        .split("\n\n")
        .filter(|p| !p.trim_start().starts_with('|'))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    let mut tags: Vec<TagView> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| TagView {
            anchor: anchor("tag-", &text(&t["name"])),
            name: text(&t["name"]),
            description: text(&t["description"]),
            operations: Vec::new(),
        })
        .collect();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    for (path, item) in &paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let view = operation(method, path, op);
            let tag = op["tags"].get(0).map(text).unwrap_or_else(|| "other".into());
            match tags.iter_mut().find(|t| t.name == tag) {
                Some(t) => t.operations.push(view),
                None => tags.push(TagView {
                    anchor: anchor("tag-", &tag),
                    name: tag,
                    description: String::new(),
                    operations: vec![view],
                }),
            }
        }
    }
    tags.retain(|t| !t.operations.is_empty());
    let schemas =
        doc["components"]["schemas"].as_object().into_iter().flatten().map(|(name, s)| schema(name, s)).collect();
    Content {
        title: text(&info["title"]),
        version: text(&info["version"]),
        intro,
        tags,
        schemas,
        errors: ERROR_CODES.to_vec(),
    }
}

fn operation(method: &str, path: &str, op: &Value) -> OperationView {
    let params = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| ParamView {
            name: text(&p["name"]),
            location: text(&p["in"]),
            ty: type_of(&p["schema"]),
            required: p["required"].as_bool().unwrap_or(false),
            description: text(&p["description"]),
        })
        .collect();
    let body = op["requestBody"]["content"].as_object().and_then(|c| c.iter().next()).map(|(ct, media)| {
        (ct.clone(), type_of(&media["schema"]), op["requestBody"]["required"].as_bool().unwrap_or(false))
    });
    let mut responses = Vec::new();
    for (status, r) in op["responses"].as_object().into_iter().flatten() {
        let content = r["content"].as_object();
        match content {
            Some(c) if !c.is_empty() => {
                for (ct, media) in c {
                    responses.push(ResponseView {
                        status: status.clone(),
                        description: text(&r["description"]),
                        content_type: ct.clone(),
                        ty: Some(type_of(&media["schema"])),
                    });
                }
            }
            _ => responses.push(ResponseView {
                status: status.clone(),
                description: text(&r["description"]),
                content_type: String::new(),
                ty: None,
            }),
        }
    }
    let summary = [text(&op["summary"]), text(&op["description"])]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    OperationView {
        anchor: anchor("op-", &format!("{method} {path}")),
        method: method.to_ascii_uppercase(),
        path: path.to_string(),
        description: summary,
        public: op["security"].as_array().is_none_or(|s| s.iter().all(|r| r.as_object().is_some_and(|o| o.is_empty()))),
        params,
        body,
        body_description: text(&op["requestBody"]["description"]),
        responses,
    }
}

fn schema(name: &str, s: &Value) -> SchemaView {
    let required: Vec<String> = s["required"].as_array().into_iter().flatten().map(text).collect();
    let fields: Vec<FieldView> = s["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(field, fs)| FieldView {
            name: field.clone(),
            ty: type_of(fs),
            required: required.contains(field),
            description: text(&fs["description"]),
        })
        .collect();
    SchemaView {
        anchor: anchor("schema-", name),
        name: name.to_string(),
        description: text(&s["description"]),
        shape: fields.is_empty().then(|| type_of(s)),
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_in(locale: Locale) -> ReferencePage {
        let content: &'static Content = Box::leak(Box::new(build()));
        ReferencePage { lang: locale.tag(), tx: Tx { locale }, languages: Vec::new(), c: content }
    }

    #[test]
    fn every_documented_operation_is_on_the_page_under_its_tag() {
        let page = page_in(Locale::En);
        let shown: usize = page.c.tags.iter().map(|t| t.operations.len()).sum();
        assert_eq!(shown, super::super::openapi::document_operations(document()).len());
        let html = page.render().expect("renders");
        assert!(html.contains("POST /api/v1/customers") || html.contains("/api/v1/customers</code>"));
        assert!(html.contains("id=\"schema-customerbody\""), "schemas have anchors");
        assert!(html.contains("insufficient_balance"), "error codes are listed");
        assert!(!html.contains("<script"), "no script");
        assert!(!html.contains("src=") && !html.contains("<link"), "nothing from the network");
    }

    #[test]
    fn the_pages_own_labels_are_in_the_readers_language_and_the_operations_stay_english() {
        let html = page_in(Locale::De).render().expect("renders");
        assert!(html.contains("<html lang=\"de\">"), "the page says its language");
        assert!(html.contains(">Parameter</h4>") && html.contains(">Antworten</h4>"), "German labels");
        assert!(html.contains(">Fehlercodes</h2>"));
        assert!(!html.contains(">Responses</h4>"), "no English label left");
        assert!(html.contains("Payment methods, collecting and refunding invoices."), "the descriptions stay English");
        let ja = page_in(Locale::Ja).render().expect("renders");
        assert!(ja.contains(">レスポンス</h4>"), "Japanese labels");
        let headers = |accept: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_LANGUAGE, accept.parse().unwrap());
            h
        };
        assert_eq!(chosen(None, &headers("fr-CH,fr;q=0.9,en;q=0.5")), Locale::Fr);
        assert_eq!(chosen(Some("pt-BR"), &headers("fr")), Locale::PtBr, "?lang= beats the browser");
        assert_eq!(chosen(Some("klingon"), &headers("xx")), Locale::En);
    }

    #[test]
    fn types_read_as_people_write_them() {
        let t = type_of(&serde_json::json!({"type": ["string", "null"], "format": "date"}));
        assert_eq!(t.text, "string (date) | null");
        let t = type_of(&serde_json::json!({"type": "array", "items": {"$ref": "#/components/schemas/InvoiceBody"}}));
        assert_eq!((t.text.as_str(), t.link.as_deref()), ("array of InvoiceBody", Some("schema-invoicebody")));
    }
}
