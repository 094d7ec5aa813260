use super::Templates;
use super::view::{format_number, is_local_path};
use minijinja::context;

#[test]
fn every_template_compiles_and_renders_empty() {
    let t = Templates::new();
    let names: Vec<String> = t.env.templates().map(|(n, _)| n.to_string()).collect();
    assert!(names.len() >= 15);
    for name in names.iter().filter(|n| {
        !n.contains("/_") && *n != "macros.html" && *n != "layout.html" && *n != "bare.html"
    }) {
        let out = render(
            &t,
            name,
            context! { layout => "layout.html", me => context! { name => "A" } },
        );
        assert!(out.contains("<!doctype html>"), "{name}");
        assert!(
            !out.contains("style="),
            "{name}: the CSP forbids inline styles"
        );
        assert!(!out.contains("<script"), "{name}: no inline scripts");
    }
}

#[test]
fn output_is_escaped() {
    let t = Templates::new();
    let out = render(
        &t,
        "error.html",
        context! { layout => "bare.html", title => "<b>x</b>", message => "\"><script>", status => 404 },
    );
    assert!(out.contains("&lt;b&gt;x"));
    assert!(!out.contains("<script>"));
}

#[test]
fn local_paths_only() {
    for ok in ["/", "/users?q=a", "/organizations/acme/users"] {
        assert!(is_local_path(ok), "{ok}");
    }
    for bad in [
        "",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "evil",
        "/a\nb",
        "/a\\b",
    ] {
        assert!(!is_local_path(bad), "{bad:?}");
    }
}

#[test]
fn numbers_get_separators() {
    let f = |n: i64| format_number(n.into());
    assert_eq!(f(0), "0");
    assert_eq!(f(999), "999");
    assert_eq!(f(1000), "1,000");
    assert_eq!(f(1234567), "1,234,567");
    assert_eq!(f(-1234), "-1,234");
    assert_eq!(format_number(minijinja::Value::UNDEFINED), "—");
}

fn render(t: &Templates, name: &str, ctx: minijinja::Value) -> String {
    match t.env.get_template(name).and_then(|tpl| tpl.render(ctx)) {
        Ok(s) => s,
        Err(e) => panic!("{name}: {e:#}"),
    }
}
