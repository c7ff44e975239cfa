//! A small JSON Schema validator for the keywords GitHub's OpenAPI 3.0
//! description uses: `$ref`, `type`, `nullable`, `enum`, `properties`,
//! `required`, `additionalProperties`, `minProperties`/`maxProperties`,
//! `items`, `minItems`/`maxItems`/`uniqueItems`, `oneOf`/`anyOf`/`allOf`/`not`,
//! `minLength`/`maxLength`, `pattern`, `minimum`/`maximum` (with 3.0's boolean
//! `exclusiveMinimum`/`exclusiveMaximum`) and the cheap `format`s (`date-time`,
//! `uri`, `email`, `repo.nwo`).
//!
//! Follows the OpenAPI 3.0.3 Schema Object, which is a dialect of JSON Schema
//! draft-wright-00. See: <https://spec.openapis.org/oas/v3.0.3#schema-object>.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;

/// What validating one value found.
#[derive(Debug, Default, Clone)]
pub(crate) struct Report {
    /// Reasons the value does not conform (empty when it does).
    pub(crate) errors: Vec<String>,
    /// Object members the schema does not declare but would accept (GitHub
    /// silently ignores those, which usually hides a typo in the client).
    pub(crate) unknown: Vec<String>,
}

/// Validates JSON values against schemas inside one OpenAPI document.
pub(crate) struct Validator<'a> {
    root: &'a Value,
}

fn describe(value: &Value) -> String {
    let text = match value {
        Value::Null => "null".to_string(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn is_integer(value: &Value) -> bool {
    match value {
        Value::Number(n) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

fn type_matches(ty: &str, value: &Value) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => is_integer(value),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        // Unknown type names constrain nothing.
        _ => true,
    }
}

fn format_ok(format: &str, s: &str) -> bool {
    match format {
        "date-time" => time::OffsetDateTime::parse(s, &Rfc3339).is_ok(),
        "uri" => s.contains(':') && !s.chars().any(char::is_whitespace),
        "email" => s.contains('@'),
        "repo.nwo" => {
            let mut parts = s.split('/');
            matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty())
        }
        _ => true,
    }
}

impl<'a> Validator<'a> {
    /// A validator resolving `$ref`s against `root`.
    pub(crate) fn new(root: &'a Value) -> Self {
        Validator { root }
    }

    /// Follows `$ref` (local JSON pointers only) until a non-reference.
    pub(crate) fn resolve(&self, mut value: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    let pointer = reference.strip_prefix('#').unwrap_or(reference);
                    match self.root.pointer(pointer) {
                        Some(target) => value = target,
                        None => return value,
                    }
                }
                None => return value,
            }
        }
        value
    }

    /// Validates `value` (found at `at`, e.g. `body.tree[0]`) against `schema`.
    pub(crate) fn validate(&self, schema: &'a Value, value: &Value, at: &str) -> Report {
        let mut report = Report::default();
        self.check(schema, value, at, &mut report, 0);
        report
    }

    fn check(&self, schema: &'a Value, value: &Value, at: &str, report: &mut Report, depth: usize) {
        if depth > 64 {
            return;
        }
        let schema = self.resolve(schema);
        let Some(obj) = schema.as_object() else {
            return;
        };
        let nullable = obj.get("nullable").and_then(Value::as_bool) == Some(true);
        if value.is_null() && nullable {
            return;
        }
        if let Some(ty) = obj.get("type").and_then(Value::as_str) {
            if !type_matches(ty, value) {
                report
                    .errors
                    .push(format!("{at}: {} is not of type `{ty}`", describe(value)));
                return;
            }
        }
        if let Some(options) = obj.get("enum").and_then(Value::as_array) {
            if !options.contains(value) {
                let allowed: Vec<String> = options.iter().map(describe).collect();
                report.errors.push(format!(
                    "{at}: {} is not one of [{}]",
                    describe(value),
                    allowed.join(", ")
                ));
            }
        }
        self.check_combinators(obj, value, at, report, depth);
        match value {
            Value::String(s) => self.check_string(obj, s, at, report),
            Value::Number(_) => Self::check_number(obj, value, at, report),
            Value::Array(items) => self.check_array(obj, items, at, report, depth),
            Value::Object(members) => self.check_object(obj, members, at, report, depth),
            _ => {}
        }
    }

    fn check_combinators(
        &self,
        obj: &'a serde_json::Map<String, Value>,
        value: &Value,
        at: &str,
        report: &mut Report,
        depth: usize,
    ) {
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            for sub in all {
                self.check(sub, value, at, report, depth + 1);
            }
        }
        for (keyword, exactly_one) in [("oneOf", true), ("anyOf", false)] {
            let Some(alternatives) = obj.get(keyword).and_then(Value::as_array) else {
                continue;
            };
            let results: Vec<Report> = alternatives
                .iter()
                .map(|sub| {
                    let mut r = Report::default();
                    self.check(sub, value, at, &mut r, depth + 1);
                    r
                })
                .collect();
            let matching: Vec<&Report> = results.iter().filter(|r| r.errors.is_empty()).collect();
            match matching.len() {
                0 if results.len() == 1 => {
                    if let Some(only) = results.first() {
                        report.errors.extend(only.errors.iter().cloned());
                    }
                }
                0 => {
                    let first: Vec<String> = results
                        .iter()
                        .filter_map(|r| r.errors.first().cloned())
                        .collect();
                    report.errors.push(format!(
                        "{at}: matches none of the {keyword} alternatives ({})",
                        first.join("; ")
                    ));
                }
                1 => {
                    if let Some(ok) = matching.first() {
                        report.unknown.extend(ok.unknown.iter().cloned());
                    }
                }
                n if exactly_one => report.errors.push(format!(
                    "{at}: matches {n} of the oneOf alternatives, not exactly one"
                )),
                _ => {
                    if let Some(ok) = matching.first() {
                        report.unknown.extend(ok.unknown.iter().cloned());
                    }
                }
            }
        }
        if let Some(not) = obj.get("not") {
            let mut r = Report::default();
            self.check(not, value, at, &mut r, depth + 1);
            if r.errors.is_empty() {
                report
                    .errors
                    .push(format!("{at}: must not match the `not` schema"));
            }
        }
    }

    fn check_string(
        &self,
        obj: &serde_json::Map<String, Value>,
        s: &str,
        at: &str,
        report: &mut Report,
    ) {
        let len = s.chars().count() as u64;
        if let Some(min) = obj.get("minLength").and_then(Value::as_u64) {
            if len < min {
                report
                    .errors
                    .push(format!("{at}: is shorter than {min} characters"));
            }
        }
        if let Some(max) = obj.get("maxLength").and_then(Value::as_u64) {
            if len > max {
                report
                    .errors
                    .push(format!("{at}: is longer than {max} characters"));
            }
        }
        if let Some(pattern) = obj.get("pattern").and_then(Value::as_str) {
            if let Ok(re) = regex::Regex::new(pattern) {
                if !re.is_match(s) {
                    report
                        .errors
                        .push(format!("{at}: {s:?} does not match /{pattern}/"));
                }
            }
        }
        if let Some(format) = obj.get("format").and_then(Value::as_str) {
            if !format_ok(format, s) {
                report
                    .errors
                    .push(format!("{at}: {s:?} is not a valid `{format}`"));
            }
        }
    }

    fn check_number(
        obj: &serde_json::Map<String, Value>,
        value: &Value,
        at: &str,
        report: &mut Report,
    ) {
        let Some(n) = value.as_f64() else {
            return;
        };
        let exclusive = |key: &str| obj.get(key).and_then(Value::as_bool) == Some(true);
        if let Some(min) = obj.get("minimum").and_then(Value::as_f64) {
            if n < min || (exclusive("exclusiveMinimum") && n == min) {
                report
                    .errors
                    .push(format!("{at}: {n} is below the minimum {min}"));
            }
        }
        if let Some(max) = obj.get("maximum").and_then(Value::as_f64) {
            if n > max || (exclusive("exclusiveMaximum") && n == max) {
                report
                    .errors
                    .push(format!("{at}: {n} is above the maximum {max}"));
            }
        }
    }

    fn check_array(
        &self,
        obj: &'a serde_json::Map<String, Value>,
        items: &[Value],
        at: &str,
        report: &mut Report,
        depth: usize,
    ) {
        let len = items.len() as u64;
        if let Some(min) = obj.get("minItems").and_then(Value::as_u64) {
            if len < min {
                report
                    .errors
                    .push(format!("{at}: has {len} items, fewer than {min}"));
            }
        }
        if let Some(max) = obj.get("maxItems").and_then(Value::as_u64) {
            if len > max {
                report
                    .errors
                    .push(format!("{at}: has {len} items, more than {max}"));
            }
        }
        if obj.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
            for (i, item) in items.iter().enumerate() {
                if items.iter().take(i).any(|earlier| earlier == item) {
                    report
                        .errors
                        .push(format!("{at}[{i}]: duplicates an earlier item"));
                }
            }
        }
        if let Some(item_schema) = obj.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.check(item_schema, item, &format!("{at}[{i}]"), report, depth + 1);
            }
        }
    }

    fn check_object(
        &self,
        obj: &'a serde_json::Map<String, Value>,
        members: &serde_json::Map<String, Value>,
        at: &str,
        report: &mut Report,
        depth: usize,
    ) {
        if let Some(required) = obj.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !members.contains_key(name) {
                    report
                        .errors
                        .push(format!("{at}: missing required property `{name}`"));
                }
            }
        }
        let count = members.len() as u64;
        if let Some(max) = obj.get("maxProperties").and_then(Value::as_u64) {
            if count > max {
                report
                    .errors
                    .push(format!("{at}: has {count} properties, more than {max}"));
            }
        }
        if let Some(min) = obj.get("minProperties").and_then(Value::as_u64) {
            if count < min {
                report
                    .errors
                    .push(format!("{at}: has {count} properties, fewer than {min}"));
            }
        }
        let declared = obj.get("properties").and_then(Value::as_object);
        let additional = obj.get("additionalProperties");
        for (name, member) in members {
            let here = format!("{at}.{name}");
            match declared.and_then(|d| d.get(name)) {
                Some(sub) => self.check(sub, member, &here, report, depth + 1),
                None => match additional {
                    Some(Value::Bool(false)) => report
                        .errors
                        .push(format!("{at}: property `{name}` is not allowed")),
                    Some(Value::Bool(true)) => {}
                    Some(sub @ Value::Object(_)) => {
                        self.check(sub, member, &here, report, depth + 1)
                    }
                    _ => {
                        // Only objects that declare their properties can have unknown ones.
                        if declared.is_some() {
                            report.unknown.push(here);
                        }
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(schema: Value, value: Value) -> Vec<String> {
        let root = json!({ "components": { "schemas": { "s": schema } } });
        let v = Validator::new(&root);
        let reference = json!({ "$ref": "#/components/schemas/s" });
        v.validate(&reference, &value, "body").errors
    }

    #[test]
    fn each_keyword_accepts_and_rejects() {
        let cases: Vec<(Value, Value, bool)> = vec![
            (json!({"type": "string"}), json!("x"), true),
            (json!({"type": "string"}), json!(null), false),
            (
                json!({"type": "string", "nullable": true}),
                json!(null),
                true,
            ),
            (json!({"type": "integer"}), json!(3), true),
            (json!({"type": "integer"}), json!(3.5), false),
            (json!({"type": "integer"}), json!("3"), false),
            (json!({"type": "boolean"}), json!("true"), false),
            (json!({"enum": ["a", "b"]}), json!("c"), false),
            (
                json!({"type": "object", "required": ["a"]}),
                json!({}),
                false,
            ),
            (
                json!({"type": "object", "properties": {"a": {"type": "integer"}}}),
                json!({"a": "x"}),
                false,
            ),
            (
                json!({"type": "object", "additionalProperties": false, "properties": {}}),
                json!({"z": 1}),
                false,
            ),
            (
                json!({"type": "object", "maxProperties": 1}),
                json!({"a": 1, "b": 2}),
                false,
            ),
            (
                json!({"type": "array", "items": {"type": "string"}}),
                json!(["a", 1]),
                false,
            ),
            (json!({"type": "array", "minItems": 1}), json!([]), false),
            (
                json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
                json!(1),
                true,
            ),
            (
                json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
                json!(true),
                false,
            ),
            (
                json!({"oneOf": [{"type": "number"}, {"type": "integer"}]}),
                json!(1),
                false,
            ),
            (
                json!({"anyOf": [{"type": "number"}, {"type": "integer"}]}),
                json!(1),
                true,
            ),
            (
                json!({"allOf": [{"type": "integer"}, {"minimum": 2}]}),
                json!(1),
                false,
            ),
            (
                json!({"type": "string", "minLength": 1, "maxLength": 3}),
                json!(""),
                false,
            ),
            (
                json!({"type": "string", "minLength": 1, "maxLength": 3}),
                json!("abcd"),
                false,
            ),
            (
                json!({"type": "string", "pattern": "^[a-f0-9]{6}$"}),
                json!("ededed"),
                true,
            ),
            (
                json!({"type": "string", "pattern": "^[a-f0-9]{6}$"}),
                json!("#ededed"),
                false,
            ),
            (
                json!({"type": "integer", "minimum": 1, "maximum": 100}),
                json!(101),
                false,
            ),
            (
                json!({"type": "string", "format": "date-time"}),
                json!("2024-01-02T03:04:05Z"),
                true,
            ),
            (
                json!({"type": "string", "format": "date-time"}),
                json!("yesterday"),
                false,
            ),
            (
                json!({"type": "string", "format": "uri"}),
                json!("not a uri"),
                false,
            ),
            (
                json!({"type": "string", "format": "repo.nwo"}),
                json!("octo/repo"),
                true,
            ),
        ];
        for (schema, value, ok) in cases {
            let found = errors(schema.clone(), value.clone());
            assert_eq!(found.is_empty(), ok, "{schema} vs {value}: {found:?}");
        }
    }

    #[test]
    fn undeclared_members_are_reported_as_unknown_not_as_errors() {
        let root = json!({});
        let v = Validator::new(&root);
        let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
        let report = v.validate(&schema, &json!({"name": "x", "nmae": "y"}), "body");
        assert!(report.errors.is_empty());
        assert_eq!(report.unknown, vec!["body.nmae".to_string()]);
    }
}
