use super::*;
use crate::ServiceConfig;
use serde_json::json;

fn welcome_vars() -> serde_json::Value {
    json!({
        "name": "Anna <b>Berg</b>",
        "username": "anna",
        "link": "https://portico.example/welcome/abc?x=1&y=2",
        "expires_hours": 72,
    })
}

#[test]
fn renders_english_with_escaped_html_and_raw_text() {
    let s = ServiceConfig::default();
    let r = render(&s, EmailTemplateKey::Welcome, Some("en"), &welcome_vars()).unwrap();
    assert_eq!(r.language, "en");
    assert_eq!(r.subject, "Welcome to Portico");
    assert!(r.text.contains("Hello Anna <b>Berg</b>,"), "{}", r.text);
    assert!(
        r.text
            .contains("https://portico.example/welcome/abc?x=1&y=2")
    );
    assert!(r.text.contains("expires in 72 hours"));
    assert!(
        r.html.contains("Anna &lt;b&gt;Berg&lt;&#x2f;b&gt;"),
        "{}",
        r.html
    );
    assert!(!r.html.contains("<b>Berg"));
    assert!(
        r.html.contains(
            "href=\"https:&#x2f;&#x2f;portico.example&#x2f;welcome&#x2f;abc?x=1&amp;y=2\""
        ),
        "{}",
        r.html
    );
    assert!(r.html.starts_with("<!DOCTYPE html>"));
    assert!(r.html.contains("<html lang=\"en\">"));
}

#[test]
fn german_when_asked_and_english_for_an_unknown_language() {
    let s = ServiceConfig::default();
    let de = render(
        &s,
        EmailTemplateKey::Welcome,
        Some("de-CH"),
        &welcome_vars(),
    )
    .unwrap();
    assert_eq!(de.language, "de");
    assert_eq!(de.subject, "Willkommen bei Portico");
    assert!(de.text.contains("Hallo Anna"));
    assert!(de.text.contains("läuft in 72 Stunden ab"));
    let xx = render(&s, EmailTemplateKey::Welcome, Some("tlh"), &welcome_vars()).unwrap();
    assert_eq!(xx.language, "en");
    assert_eq!(xx.subject, "Welcome to Portico");
    let none = render(&s, EmailTemplateKey::Welcome, None, &welcome_vars()).unwrap();
    assert_eq!(none.language, "en");
}

#[test]
fn falls_back_to_the_configured_default_language() {
    let s = ServiceConfig {
        default_language: "de".into(),
        platform_name: "Akademie".into(),
        ..ServiceConfig::default()
    };
    let r = render(
        &s,
        EmailTemplateKey::PasswordReset,
        Some("fr"),
        &welcome_vars(),
    )
    .unwrap();
    assert_eq!(r.language, "de");
    assert_eq!(r.subject, "Passwort für Akademie zurücksetzen");
}

#[test]
fn every_template_renders_in_every_language_with_the_documented_variables() {
    let s = ServiceConfig::default();
    let vars = json!({
        "name": "Anna", "username": "anna", "link": "https://x.example/l",
        "expires_hours": 72, "when": "2026-12-02 06:00 UTC",
        "org": "Acme", "seats": "back_office", "used": 9, "limit": 10,
        "title": "Workshop", "starts_at": "2026-12-10 09:00", "location": "Room 2",
    });
    for key in EmailTemplateKey::ALL {
        for lang in TEMPLATE_LANGUAGES {
            let r = render(&s, key, Some(lang), &vars).unwrap();
            assert_eq!(&r.language, lang);
            assert!(!r.subject.is_empty() && !r.subject.contains('\n'));
            assert!(
                r.text.contains("Anna") && r.html.contains("Anna"),
                "{key:?} {lang}"
            );
        }
    }
}

#[test]
fn a_missing_variable_is_an_error_not_an_empty_string() {
    let s = ServiceConfig::default();
    let err = render(
        &s,
        EmailTemplateKey::Welcome,
        Some("en"),
        &json!({ "name": "Anna" }),
    )
    .unwrap_err();
    assert!(matches!(err, ServiceError::Internal(_)), "{err:?}");
}
