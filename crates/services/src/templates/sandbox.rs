//! The template sandbox (C2, C5): every editable template — platform emails and
//! notifications, catalog emails — is checked and rendered here.
//!
//! A template reaches nothing but the values it is given: the environment has no loader (so
//! `include`, `import` and `extends` name nothing, and are refused on save anyway), no
//! filesystem, only an allowlist of filters and tests and the `range` function, no methods on
//! values. Undefined variables are an error (`UndefinedBehavior::Strict`), HTML parts are
//! auto-escaped (and `autoescape` blocks and the `safe` filter, which would turn that off, do
//! not exist here). Each render has a fuel budget (so a huge loop or a recursive macro stops
//! with an error instead of holding a worker), a recursion limit and an output size limit.

use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior, Value};
use portico_domain::template::VariableDecl;
use serde::Serialize;
use std::collections::BTreeSet;

/// Instructions one render may run. A long welcome email takes a few hundred.
pub const FUEL: u64 = 50_000;
/// Bytes of output one part may produce.
pub const MAX_OUTPUT: usize = 256 * 1024;
/// Characters of source one part may have.
pub const MAX_SOURCE: usize = 64 * 1024;

/// Block tags that would reach another template or switch escaping off.
const FORBIDDEN_TAGS: &[&str] = &["include", "import", "from", "extends", "autoescape"];

/// Which part of a template an error is in (the form field it is shown next to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Subject,
    Html,
    Text,
}

impl Part {
    pub fn field(self) -> &'static str {
        match self {
            Part::Subject => "subject",
            Part::Html => "html_body",
            Part::Text => "text_body",
        }
    }
    /// The name it is compiled under: `.html` switches auto-escaping on.
    fn template_name(self) -> &'static str {
        match self {
            Part::Subject => "subject.txt",
            Part::Html => "body.html",
            Part::Text => "body.txt",
        }
    }
}

/// Why a template was refused: each has a stable problem type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TemplateErrorKind {
    /// Does not compile.
    Syntax,
    /// Uses a variable its key does not declare.
    UndeclaredVariable,
    /// Uses a tag the sandbox does not allow (`include`, `import`, `extends`, `autoescape`).
    ForbiddenTag,
    /// Compiles, but rendering with the sample values failed (an unknown filter, too much
    /// work, too much output, …).
    Render,
}

impl TemplateErrorKind {
    pub fn problem_type(self) -> &'static str {
        match self {
            Self::Syntax => "template-syntax",
            Self::UndeclaredVariable => "template-undeclared-variable",
            Self::ForbiddenTag => "template-forbidden-tag",
            Self::Render => "template-render",
        }
    }
}

/// A refused template: which part, which line when known, and a message fit for the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}: {message}", part.field())]
pub struct TemplateError {
    pub kind: TemplateErrorKind,
    pub part: Part,
    pub line: Option<usize>,
    pub message: String,
}

impl TemplateError {
    fn new(kind: TemplateErrorKind, part: Part, line: Option<usize>, m: impl Into<String>) -> Self {
        Self {
            kind,
            part,
            line,
            message: m.into(),
        }
    }
}

/// A template's three sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sources {
    pub subject: String,
    pub html: String,
    pub text: String,
}

impl Sources {
    fn parts(&self) -> [(Part, &str); 3] {
        [
            (Part::Subject, self.subject.as_str()),
            (Part::Html, self.html.as_str()),
            (Part::Text, self.text.as_str()),
        ]
    }
}

/// What a render produced: the subject folded onto one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

fn env() -> Environment<'static> {
    use minijinja::{filters as f, functions, tests as t};
    let mut env = Environment::empty();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(16);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.add_filter("escape", f::escape);
    env.add_filter("e", f::escape);
    env.add_filter("upper", f::upper);
    env.add_filter("lower", f::lower);
    env.add_filter("title", f::title);
    env.add_filter("capitalize", f::capitalize);
    env.add_filter("trim", f::trim);
    env.add_filter("replace", f::replace);
    env.add_filter("length", f::length);
    env.add_filter("join", f::join);
    env.add_filter("default", f::default);
    env.add_filter("d", f::default);
    env.add_filter("first", f::first);
    env.add_filter("last", f::last);
    env.add_filter("int", f::int);
    env.add_filter("round", f::round);
    env.add_filter("abs", f::abs);
    env.add_filter("lines", f::lines);
    env.add_test("defined", t::is_defined);
    env.add_test("undefined", t::is_undefined);
    env.add_test("none", t::is_none);
    env.add_test("number", t::is_number);
    env.add_test("string", t::is_string);
    env.add_test("even", t::is_even);
    env.add_test("odd", t::is_odd);
    env.add_function("range", functions::range);
    env
}

/// The first forbidden block tag in `src`, with its line.
fn forbidden_tag(src: &str) -> Option<(usize, &'static str)> {
    let mut rest = src;
    let mut consumed = 0;
    while let Some(at) = rest.find("{%") {
        let after = &rest[at + 2..];
        let word: String = after
            .trim_start_matches(['-', '+', '~'])
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if let Some(tag) = FORBIDDEN_TAGS.iter().find(|t| **t == word) {
            let line = src[..consumed + at].matches('\n').count() + 1;
            return Some((line, tag));
        }
        consumed += at + 2;
        rest = after;
    }
    None
}

fn compile_error(part: Part, e: &minijinja::Error) -> TemplateError {
    let message = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    TemplateError::new(TemplateErrorKind::Syntax, part, e.line(), message)
}

fn render_error(part: Part, e: &minijinja::Error) -> TemplateError {
    let message = match e.kind() {
        ErrorKind::OutOfFuel => {
            "the template does too much work (a loop or recursion too large)".to_string()
        }
        ErrorKind::UndefinedError => format!(
            "undefined value: {}",
            e.detail()
                .unwrap_or("a variable or attribute that does not exist")
        ),
        k => e
            .detail()
            .map(str::to_string)
            .unwrap_or_else(|| k.to_string()),
    };
    TemplateError::new(TemplateErrorKind::Render, part, e.line(), message)
}

/// Checks the sources on save: size, forbidden tags, compiling, and that every variable used
/// is among `declared` (plus `implicit`, the values every render of this kind gets). Does not
/// render: call [`render`] with sample values for that.
pub fn check(sources: &Sources, declared: &BTreeSet<String>) -> Result<(), TemplateError> {
    let env = env();
    for (part, src) in sources.parts() {
        if src.chars().count() > MAX_SOURCE {
            return Err(TemplateError::new(
                TemplateErrorKind::Syntax,
                part,
                None,
                format!("at most {MAX_SOURCE} characters"),
            ));
        }
        if let Some((line, tag)) = forbidden_tag(src) {
            return Err(TemplateError::new(
                TemplateErrorKind::ForbiddenTag,
                part,
                Some(line),
                format!("the “{tag}” tag is not available in templates"),
            ));
        }
        let t = env
            .template_from_named_str(part.template_name(), src)
            .map_err(|e| compile_error(part, &e))?;
        let mut undeclared: Vec<String> = t
            .undeclared_variables(false)
            .into_iter()
            .filter(|v| !declared.contains(v) && !is_function(v))
            .collect();
        undeclared.sort();
        if let Some(v) = undeclared.first() {
            let line = src
                .lines()
                .position(|l| l.contains(v.as_str()))
                .map(|i| i + 1);
            return Err(TemplateError::new(
                TemplateErrorKind::UndeclaredVariable,
                part,
                line,
                format!("“{v}” is not a declared variable of this template"),
            ));
        }
    }
    Ok(())
}

fn is_function(name: &str) -> bool {
    name == "range"
}

/// A writer that refuses to grow past [`MAX_OUTPUT`].
struct Capped(Vec<u8>);

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_OUTPUT {
            return Err(std::io::Error::other("output too large"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn render_part(
    env: &Environment<'_>,
    part: Part,
    src: &str,
    ctx: &Value,
) -> Result<String, TemplateError> {
    let t = env
        .template_from_named_str(part.template_name(), src)
        .map_err(|e| compile_error(part, &e))?;
    let mut out = Capped(Vec::new());
    match t.render_captured_to(ctx, &mut out) {
        Ok(_) => Ok(String::from_utf8_lossy(&out.0).into_owned()),
        Err(e) if e.kind() == ErrorKind::WriteFailure => Err(TemplateError::new(
            TemplateErrorKind::Render,
            part,
            None,
            format!("the output is larger than {} KiB", MAX_OUTPUT / 1024),
        )),
        Err(e) => Err(render_error(part, &e)),
    }
}

/// Renders the three parts with `ctx` (an object of values). The subject is folded onto one
/// line.
pub fn render(sources: &Sources, ctx: &serde_json::Value) -> Result<Rendered, TemplateError> {
    let env = env();
    let ctx = Value::from_serialize(ctx);
    let subject = render_part(&env, Part::Subject, &sources.subject, &ctx)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Rendered {
        subject,
        html: render_part(&env, Part::Html, &sources.html, &ctx)?,
        text: render_part(&env, Part::Text, &sources.text, &ctx)?,
    })
}

/// Renders a trusted HTML frame (the built-in email layout) around an already rendered,
/// escaped `body`: `{{ body }}` in the frame inserts it as is.
pub fn render_frame(
    frame: &str,
    ctx: &serde_json::Value,
    body: &str,
) -> Result<String, TemplateError> {
    let env = env();
    let ctx = minijinja::context! {
        body => Value::from_safe_string(body.to_string()),
        ..Value::from_serialize(ctx)
    };
    render_part(&env, Part::Html, frame, &ctx)
}

/// The sample context of a declaration list: each name with its sample value.
pub fn sample_context(decls: &[VariableDecl]) -> serde_json::Value {
    serde_json::Value::Object(
        decls
            .iter()
            .map(|d| (d.name.clone(), serde_json::Value::String(d.sample.clone())))
            .collect(),
    )
}

/// `check`, then a render with the declared samples: what saving a template runs.
pub fn validate(sources: &Sources, decls: &[VariableDecl]) -> Result<Rendered, TemplateError> {
    let names: BTreeSet<String> = decls.iter().map(|d| d.name.clone()).collect();
    check(sources, &names)?;
    render(sources, &sample_context(decls))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(n: &str, s: &str) -> VariableDecl {
        VariableDecl::parse(n, "", s).unwrap()
    }

    fn src(subject: &str, html: &str, text: &str) -> Sources {
        Sources {
            subject: subject.into(),
            html: html.into(),
            text: text.into(),
        }
    }

    #[test]
    fn renders_and_escapes_html_only() {
        let r = validate(
            &src("Hi {{ name }}", "<p>{{ name }}</p>", "{{ name }}"),
            &[decl("name", "<b>A&B</b>")],
        )
        .unwrap();
        assert_eq!(r.html, "<p>&lt;b&gt;A&amp;B&lt;&#x2f;b&gt;</p>");
        assert_eq!(r.text, "<b>A&B</b>");
    }

    #[test]
    fn refuses_what_escapes_the_sandbox() {
        let d = [decl("name", "x")];
        let kind = |html: &str| validate(&src("s", html, "t"), &d).unwrap_err().kind;
        assert_eq!(
            kind("{% include \"/etc/passwd\" %}"),
            TemplateErrorKind::ForbiddenTag
        );
        assert_eq!(
            kind("x\n{%- import \"a\" as b %}"),
            TemplateErrorKind::ForbiddenTag
        );
        assert_eq!(
            kind("{% extends \"layout.html\" %}"),
            TemplateErrorKind::ForbiddenTag
        );
        assert_eq!(
            kind("{% autoescape false %}{{ name }}{% endautoescape %}"),
            TemplateErrorKind::ForbiddenTag
        );
        assert_eq!(kind("{{ config }}"), TemplateErrorKind::UndeclaredVariable);
        let e = validate(&src("s", "{{ self }}", "t"), &d).unwrap_err();
        assert_eq!(e.kind, TemplateErrorKind::Render, "{e:?}");
        assert_eq!(kind("{{ name|safe }}"), TemplateErrorKind::Render);
        assert_eq!(kind("{{ debug() }}"), TemplateErrorKind::UndeclaredVariable);
        assert_eq!(
            kind("{% for i in range(100000000) %}{% endfor %}"),
            TemplateErrorKind::Render
        );
        assert_eq!(
            kind(
                "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
            ),
            TemplateErrorKind::Render
        );
        assert_eq!(
            kind("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"),
            TemplateErrorKind::Render
        );
        assert_eq!(kind("{{ name.secret.deeper }}"), TemplateErrorKind::Render);
        assert_eq!(kind("{{ name.upper() }}"), TemplateErrorKind::Render);
        assert_eq!(kind("{% if %}"), TemplateErrorKind::Syntax);
    }

    #[test]
    fn output_is_capped() {
        let e = validate(
            &src("s", "{% for i in range(5000) %}{{ big }}{% endfor %}", "t"),
            &[decl("big", &"x".repeat(1000))],
        )
        .unwrap_err();
        assert_eq!(e.kind, TemplateErrorKind::Render);
        assert!(e.message.contains("larger"), "{e:?}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = validate(&src("s", "a\nb\n{{ name ", "t"), &[decl("name", "")]).unwrap_err();
        assert_eq!(
            (e.kind, e.part, e.line),
            (TemplateErrorKind::Syntax, Part::Html, Some(3))
        );
    }
}
