//! The OpenAPI contract every request is checked against: loading
//! `openapi-subset.json`, matching a method and path to an operation (with
//! GitHub's `x-multi-segment` path parameters, which may contain `/`), and
//! checking path parameters, query parameters and request bodies.
//!
//! Follows OpenAPI 3.0.3 (Paths, Operation, Parameter and Request Body
//! objects). See: <https://spec.openapis.org/oas/v3.0.3#paths-object>.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::schema::Validator;

/// The environment variable that points the fake at another OpenAPI file.
pub const SPEC_ENV: &str = "FAKE_GITHUB_OPENAPI";

/// Where the contract lives by default: `shared/github-api/` beside the main repository.
pub const DEFAULT_SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/github-api/openapi-subset.json"
);

#[derive(Debug, Clone)]
enum Seg {
    Lit(String),
    Param { name: String, multi: bool },
}

/// A parameter of an operation.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub(crate) name: String,
    pub(crate) location: String,
    pub(crate) required: bool,
    pub(crate) schema: Value,
}

/// One operation of the contract.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub(crate) method: String,
    segs: Vec<Seg>,
    pub(crate) operation_id: String,
    pub(crate) params: Vec<Param>,
    /// `(required, [(media type, schema)])` of the request body.
    pub(crate) body: Option<(bool, Vec<(String, Value)>)>,
    pointer: String,
    pub(crate) docs_url: String,
}

/// The loaded contract.
#[derive(Debug)]
pub(crate) struct Spec {
    pub(crate) doc: Value,
    routes: Vec<Route>,
}

/// The outcome of looking a request up in the contract.
pub(crate) enum Lookup<'a> {
    /// The operation and its decoded path parameters.
    Found(&'a Route, BTreeMap<String, String>),
    /// The path exists, but not for this method.
    WrongMethod,
    /// No operation has this path.
    NotFound,
}

/// Problems found in one request.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// Things GitHub would reject, with the status it would answer.
    pub(crate) violations: Vec<(u16, String)>,
    /// Things GitHub would silently ignore.
    pub(crate) warnings: Vec<String>,
}

fn cache() -> &'static Mutex<HashMap<PathBuf, Arc<Spec>>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<Spec>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The path the contract is read from: `FAKE_GITHUB_OPENAPI` or the default.
pub(crate) fn default_path() -> PathBuf {
    std::env::var_os(SPEC_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SPEC_PATH))
}

/// Loads (once per path and process) the contract at `path`.
pub(crate) fn load_cached(path: &Path) -> Result<Arc<Spec>, String> {
    let mut guard = cache()
        .lock()
        .map_err(|_| "spec cache poisoned".to_string())?;
    if let Some(spec) = guard.get(path) {
        return Ok(spec.clone());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read OpenAPI file {}: {e}", path.display()))?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| format!("cannot parse OpenAPI file {}: {e}", path.display()))?;
    let spec = Arc::new(Spec::from_doc(doc)?);
    guard.insert(path.to_path_buf(), spec.clone());
    Ok(spec)
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

impl Spec {
    /// Builds the route table of an OpenAPI document.
    pub(crate) fn from_doc(doc: Value) -> Result<Spec, String> {
        let mut routes = Vec::new();
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("OpenAPI document has no `paths`")?;
        let validator = Validator::new(&doc);
        for (template, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            let shared_params: Vec<Value> = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (method, op) in item {
                if !matches!(
                    method.as_str(),
                    "get" | "post" | "put" | "patch" | "delete" | "head"
                ) {
                    continue;
                }
                let mut params = Vec::new();
                let mut multi = HashMap::new();
                let op_params = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for raw in shared_params.iter().chain(op_params.iter()) {
                    let p = validator.resolve(raw);
                    let name = p
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    let location = p
                        .get("in")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    if location == "path" {
                        multi.insert(
                            name.clone(),
                            p.get("x-multi-segment").and_then(Value::as_bool) == Some(true),
                        );
                    }
                    params.push(Param {
                        required: p.get("required").and_then(Value::as_bool) == Some(true),
                        schema: p.get("schema").cloned().unwrap_or(Value::Null),
                        name,
                        location,
                    });
                }
                let segs = template
                    .trim_start_matches('/')
                    .split('/')
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Seg::Param {
                                multi: multi.get(name).copied().unwrap_or(false),
                                name: name.to_string(),
                            },
                            None => Seg::Lit(s.to_string()),
                        },
                    )
                    .collect();
                let body = op.get("requestBody").map(|rb| {
                    let rb = validator.resolve(rb);
                    let required = rb.get("required").and_then(Value::as_bool) == Some(true);
                    let content = rb
                        .get("content")
                        .and_then(Value::as_object)
                        .map(|c| {
                            c.iter()
                                .map(|(media, m)| {
                                    (
                                        media.clone(),
                                        m.get("schema").cloned().unwrap_or(Value::Null),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    (required, content)
                });
                routes.push(Route {
                    method: method.to_ascii_uppercase(),
                    segs,
                    operation_id: op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    params,
                    body,
                    pointer: format!("/paths/{}/{method}", escape_pointer(template)),
                    docs_url: op
                        .pointer("/externalDocs/url")
                        .and_then(Value::as_str)
                        .unwrap_or("https://docs.github.com/rest")
                        .to_string(),
                });
            }
        }
        if routes.is_empty() {
            return Err("OpenAPI document has no operations".into());
        }
        Ok(Spec { doc, routes })
    }

    /// Finds the operation for `method` and a raw (still percent-encoded) path.
    pub(crate) fn lookup(&self, method: &str, raw_path: &str) -> Lookup<'_> {
        let Some(rest) = raw_path.strip_prefix('/') else {
            return Lookup::NotFound;
        };
        let mut parts = Vec::new();
        for raw in rest.split('/') {
            match percent_decode_str(raw).decode_utf8() {
                Ok(s) => parts.push(s.into_owned()),
                Err(_) => return Lookup::NotFound,
            }
        }
        let mut best: Option<(usize, &Route, BTreeMap<String, String>)> = None;
        let mut path_exists = false;
        for route in &self.routes {
            let Some(params) = match_segs(&route.segs, &parts) else {
                continue;
            };
            path_exists = true;
            if route.method != method {
                continue;
            }
            let literals = route
                .segs
                .iter()
                .filter(|s| matches!(s, Seg::Lit(_)))
                .count();
            if best.as_ref().is_none_or(|(n, _, _)| literals > *n) {
                best = Some((literals, route, params));
            }
        }
        match best {
            Some((_, route, params)) => Lookup::Found(route, params),
            None if path_exists => Lookup::WrongMethod,
            None => Lookup::NotFound,
        }
    }

    /// Every operation id in the contract.
    pub(crate) fn operation_ids(&self) -> Vec<String> {
        self.routes.iter().map(|r| r.operation_id.clone()).collect()
    }

    /// Checks path parameters, query parameters and the body of a request.
    pub(crate) fn check_request(
        &self,
        route: &Route,
        path_params: &BTreeMap<String, String>,
        query: &[(String, String)],
        content_type: Option<&str>,
        body: &[u8],
    ) -> (Findings, Option<Value>) {
        let mut found = Findings::default();
        let validator = Validator::new(&self.doc);
        for p in route.params.iter().filter(|p| p.location == "path") {
            if let Some(value) = path_params.get(&p.name) {
                if let Err(why) = check_scalar(&validator, &p.schema, value) {
                    found
                        .violations
                        .push((404, format!("path parameter `{}`: {why}", p.name)));
                }
            }
        }
        for (key, value) in query {
            match route
                .params
                .iter()
                .find(|p| p.location == "query" && &p.name == key)
            {
                Some(p) => {
                    if let Err(why) = check_scalar(&validator, &p.schema, value) {
                        found
                            .violations
                            .push((422, format!("query parameter `{key}`: {why}")));
                    }
                }
                None => found.warnings.push(format!(
                    "query parameter `{key}` is not documented for {} (GitHub ignores it)",
                    route.operation_id
                )),
            }
        }
        for p in route
            .params
            .iter()
            .filter(|p| p.location == "query" && p.required)
        {
            if !query.iter().any(|(k, _)| k == &p.name) {
                found.violations.push((
                    422,
                    format!("required query parameter `{}` is missing", p.name),
                ));
            }
        }
        let mut parsed = None;
        match &route.body {
            None => {
                if !body.is_empty() {
                    found.warnings.push(format!(
                        "{} takes no request body, but {} bytes were sent",
                        route.operation_id,
                        body.len()
                    ));
                }
            }
            Some((required, content)) => {
                let json_schema = content
                    .iter()
                    .find(|(m, _)| m == "application/json")
                    .map(|(_, s)| s);
                match json_schema {
                    None => {
                        // A binary upload: any bytes are fine.
                    }
                    Some(schema) => {
                        if body.is_empty() || body.iter().all(u8::is_ascii_whitespace) {
                            if *required {
                                found
                                    .violations
                                    .push((422, "a JSON request body is required".to_string()));
                            }
                        } else {
                            if let Some(ct) = content_type {
                                if !ct.to_ascii_lowercase().contains("json") {
                                    found.warnings.push(format!(
                                        "request body is sent as `{ct}`, not application/json"
                                    ));
                                }
                            }
                            match serde_json::from_slice::<Value>(body) {
                                Err(e) => found
                                    .violations
                                    .push((400, format!("request body is not JSON: {e}"))),
                                Ok(value) => {
                                    let report = validator.validate(schema, &value, "body");
                                    found
                                        .violations
                                        .extend(report.errors.into_iter().map(|e| (422, e)));
                                    found.warnings.extend(report.unknown.into_iter().map(|u| {
                                        format!(
                                            "{u} is not a documented property (GitHub ignores it)"
                                        )
                                    }));
                                    parsed = Some(value);
                                }
                            }
                        }
                    }
                }
            }
        }
        (found, parsed)
    }

    /// Checks a JSON response body against the documented schema for its status.
    pub(crate) fn check_response(&self, route: &Route, status: u16, body: &Value) -> Vec<String> {
        let validator = Validator::new(&self.doc);
        let Some(responses) = self.doc.pointer(&format!("{}/responses", route.pointer)) else {
            return Vec::new();
        };
        let Some(response) = responses.get(status.to_string()) else {
            return Vec::new();
        };
        let response = validator.resolve(response);
        match response.pointer("/content/application~1json/schema") {
            Some(schema) => validator.validate(schema, body, "response").errors,
            None => Vec::new(),
        }
    }
}

fn check_scalar(validator: &Validator<'_>, schema: &Value, raw: &str) -> Result<(), String> {
    let schema_r = validator.resolve(schema);
    let value = match schema_r.get("type").and_then(Value::as_str) {
        Some("integer") => match raw.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => return Err(format!("{raw:?} is not an integer")),
        },
        Some("number") => match raw.parse::<f64>() {
            Ok(n) => Value::from(n),
            Err(_) => return Err(format!("{raw:?} is not a number")),
        },
        Some("boolean") => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("{raw:?} is not a boolean")),
        },
        _ => Value::String(raw.to_string()),
    };
    let report = validator.validate(schema, &value, "value");
    match report.errors.first() {
        Some(e) => Err(e.trim_start_matches("value: ").to_string()),
        None => Ok(()),
    }
}

fn match_segs(segs: &[Seg], parts: &[String]) -> Option<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    if match_from(segs, parts, &mut out) {
        Some(out)
    } else {
        None
    }
}

fn match_from(segs: &[Seg], parts: &[String], out: &mut BTreeMap<String, String>) -> bool {
    let Some((seg, rest_segs)) = segs.split_first() else {
        return parts.is_empty();
    };
    match seg {
        Seg::Lit(lit) => match parts.split_first() {
            Some((p, rest)) if p == lit => match_from(rest_segs, rest, out),
            _ => false,
        },
        Seg::Param { name, multi: false } => match parts.split_first() {
            Some((p, rest)) if !p.is_empty() => {
                out.insert(name.clone(), p.clone());
                if match_from(rest_segs, rest, out) {
                    true
                } else {
                    out.remove(name);
                    false
                }
            }
            _ => false,
        },
        Seg::Param { name, multi: true } => {
            // NOTE: a trailing multi-segment parameter may be empty (`contents/`
            // lists the root; the recorded get-content fixture does exactly that).
            if rest_segs.is_empty()
                && parts.len() == 1
                && parts.first().is_some_and(String::is_empty)
            {
                out.insert(name.clone(), String::new());
                return true;
            }
            for take in (1..=parts.len()).rev() {
                let (mine, rest) = parts.split_at(take);
                // A trailing slash (`matching-refs/heads/feature/`) is part of
                // the value; any other empty segment (`a//b`) is not.
                let trailing_ok = rest_segs.is_empty() && mine.len() > 1;
                let bad = mine
                    .iter()
                    .enumerate()
                    .any(|(i, p)| p.is_empty() && !(trailing_ok && i + 1 == mine.len()));
                if bad {
                    continue;
                }
                out.insert(name.clone(), mine.join("/"));
                if match_from(rest_segs, rest, out) {
                    return true;
                }
                out.remove(name);
            }
            false
        }
    }
}

/// Parses a query string into decoded pairs (`+` is a space).
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Arc<Spec> {
        match load_cached(&default_path()) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn routes_resolve_to_their_operations() {
        let spec = spec();
        let cases = [
            ("GET", "/repos/o/r", Some("repos/get")),
            ("GET", "/repos/o/r/contents/", Some("repos/get-content")),
            (
                "GET",
                "/repos/o/r/contents/helm/charts/a/Chart.yaml",
                Some("repos/get-content"),
            ),
            (
                "GET",
                "/repos/o/r/git/ref/heads/release-action/promote/a-b",
                Some("git/get-ref"),
            ),
            (
                "PATCH",
                "/repos/o/r/git/refs/heads/x/y",
                Some("git/update-ref"),
            ),
            (
                "GET",
                "/repos/o/r/releases/latest",
                Some("repos/get-latest-release"),
            ),
            (
                "GET",
                "/repos/o/r/releases/tags/frontend/v1.0.0",
                Some("repos/get-release-by-tag"),
            ),
            (
                "PATCH",
                "/repos/o/r/releases/12",
                Some("repos/update-release"),
            ),
            (
                "GET",
                "/repos/o/r/compare/main...feature/x",
                Some("repos/compare-commits-with-basehead"),
            ),
            (
                "POST",
                "/repos/o/r/issues/3/labels",
                Some("issues/add-labels"),
            ),
            ("GET", "/repos/o/r/releases/12", None),
            ("GET", "/repos/o/r/git/refs/", None),
            ("GET", "/repos/o/r/contents//x", None),
            (
                "GET",
                "/repos/o/r/git/matching-refs/heads/release-action/",
                Some("git/list-matching-refs"),
            ),
            ("GET", "/repos/o/r/branches", None),
        ];
        for (method, path, want) in cases {
            let got = match spec.lookup(method, path) {
                Lookup::Found(r, _) => Some(r.operation_id.as_str()),
                _ => None,
            };
            assert_eq!(got, want, "{method} {path}");
        }
    }

    #[test]
    fn multi_segment_parameters_keep_their_slashes() {
        let spec = spec();
        let Lookup::Found(_, params) = spec.lookup("GET", "/repos/o/r/git/ref/heads/a/b%20c")
        else {
            panic!("no route");
        };
        assert_eq!(params.get("ref").map(String::as_str), Some("heads/a/b c"));
    }

    #[test]
    fn query_strings_decode_plus_and_percent() {
        assert_eq!(
            parse_query("head=o%3Abranch&state=all&q=a+b"),
            vec![
                ("head".to_string(), "o:branch".to_string()),
                ("state".to_string(), "all".to_string()),
                ("q".to_string(), "a b".to_string()),
            ]
        );
    }
}
