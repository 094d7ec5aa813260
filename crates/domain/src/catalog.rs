//! Catalog (C1, C3): products and course templates, the platform's learning content that
//! organizations activate into their portfolio (C4).
//!
//! A product's type is an open key (`quiz`, `survey`, `image`, `document`, `video`, `link`
//! or any new one), not a closed enum: a new type needs no code change. The built-in file
//! types know which media types their uploads may have ([`ProductType::allowed_media`]), and an
//! upload is sniffed from its bytes ([`check_upload`]) so a file cannot lie about what it is.

use crate::error::ValidationError;
use serde::{Deserialize, Serialize};

/// A product type key: 1–32 characters, lowercase ASCII letters, digits, `_` or `-`,
/// starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProductType(String);

/// The built-in types, in the order the console offers them.
pub const BUILT_IN_TYPES: &[&str] = &["quiz", "survey", "image", "document", "video", "link"];

impl ProductType {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim().to_ascii_lowercase();
        let bad = || {
            ValidationError::new(
                "type",
                "a type is 1–32 lowercase letters, digits, _ or -, starting with a letter \
                 (quiz, survey, image, document, video, link, …)",
            )
        };
        let mut chars = s.chars();
        match chars.next() {
            Some(c) if c.is_ascii_lowercase() => {}
            _ => return Err(bad()),
        }
        if s.len() > 32
            || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            return Err(bad());
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The media types an uploaded file of this product type may have; `None`: this type
    /// takes no file (structured content only).
    pub fn allowed_media(&self) -> Option<&'static [&'static str]> {
        match self.0.as_str() {
            "image" => Some(&["image/png", "image/jpeg", "image/gif", "image/webp"]),
            "document" => Some(&[
                "application/pdf",
                "text/plain",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "application/vnd.oasis.opendocument.text",
            ]),
            "video" => Some(&["video/mp4", "video/webm"]),
            _ => None,
        }
    }
}

impl TryFrom<String> for ProductType {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, ValidationError> {
        Self::parse(&s)
    }
}

impl From<ProductType> for String {
    fn from(t: ProductType) -> String {
        t.0
    }
}

/// A well-formed, registered BCP 47 language tag (`en`, `de-CH`, `pt-BR`), kept in its
/// canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Language(String);

impl Language {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let bad = || ValidationError::new("language", "a language tag such as en, de or pt-BR");
        let tag = language_tags::LanguageTag::parse(raw.trim()).map_err(|_| bad())?;
        tag.validate().map_err(|_| bad())?;
        let tag = tag.canonicalize().map_err(|_| bad())?;
        Ok(Self(tag.as_str().to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A catalog title: 1–200 characters, trimmed, NFC, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = crate::text::nfc(raw.trim());
        if s.is_empty() {
            return Err(ValidationError::new("title", "enter a title"));
        }
        if s.chars().count() > 200 {
            return Err(ValidationError::new("title", "at most 200 characters"));
        }
        if s.chars().any(|c| c.is_control()) {
            return Err(ValidationError::new(
                "title",
                "cannot contain control characters",
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A description: at most 5,000 characters, NFC, trimmed.
pub fn parse_description(raw: &str) -> Result<String, ValidationError> {
    let s = crate::text::nfc(raw.trim());
    if s.chars().count() > 5000 {
        return Err(ValidationError::new(
            "description",
            "at most 5000 characters",
        ));
    }
    Ok(s)
}

/// Structured content: a JSON object of at most 256 KiB.
pub fn check_content(v: &serde_json::Value) -> Result<(), ValidationError> {
    if !v.is_object() {
        return Err(ValidationError::new("content", "content is a JSON object"));
    }
    if v.to_string().len() > 256 * 1024 {
        return Err(ValidationError::new("content", "at most 256 KiB of JSON"));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductStatus {
    Draft,
    Published,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "published" => Some(Self::Published),
            _ => None,
        }
    }
}

/// A file name for `Content-Disposition`: the last path part, printable ASCII other than
/// quotes and backslashes replaced by `_`, at most 200 characters; `file` when empty.
pub fn safe_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let s: String = base
        .chars()
        .take(200)
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim().to_string();
    if s.is_empty() || s.chars().all(|c| c == '.') {
        "file".into()
    } else {
        s
    }
}

/// Checks an upload for a product of type `ty`: the declared media type must be one the
/// type allows, and the bytes must really be of that type (sniffed by magic numbers; plain
/// text must be valid UTF-8 with no NUL and no markup that a browser would render as HTML).
/// Returns the media type to store.
pub fn check_upload(
    ty: &ProductType,
    declared: &str,
    bytes: &[u8],
) -> Result<&'static str, ValidationError> {
    let err = |m: String| ValidationError::new("file", m);
    let declared = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some(allowed) = ty.allowed_media() else {
        return Err(err(format!(
            "a {} product takes no file; give its content as JSON",
            ty.as_str()
        )));
    };
    let Some(media) = allowed.iter().copied().find(|m| *m == declared) else {
        return Err(err(format!(
            "a {} file must be one of: {}",
            ty.as_str(),
            allowed.join(", ")
        )));
    };
    if bytes.is_empty() {
        return Err(err("the file is empty".into()));
    }
    let sniffed = infer::get(bytes).map(|t| t.mime_type());
    let ok = match media {
        "text/plain" => sniffed.is_none() && looks_like_plain_text(bytes),
        // OOXML and ODF are zip files: infer tells them apart by their first entry.
        m => sniffed == Some(m),
    };
    if !ok {
        return Err(err(format!(
            "the file's content is {}, not the declared {media}",
            sniffed.unwrap_or("something else")
        )));
    }
    Ok(media)
}

fn looks_like_plain_text(bytes: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(bytes) else {
        return false;
    };
    if s.contains('\0') {
        return false;
    }
    let head: String = s
        .chars()
        .take(1024)
        .collect::<String>()
        .to_ascii_lowercase();
    let head = head.trim_start();
    ![
        "<!doctype",
        "<html",
        "<script",
        "<svg",
        "<?xml",
        "<body",
        "<head",
        "<iframe",
    ]
    .iter()
    .any(|m| {
        head.starts_with(m) || head.contains(&format!("{m} ")) || head.contains(&format!("{m}>"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];

    #[test]
    fn types_are_open_keys() {
        assert_eq!(ProductType::parse(" Video ").unwrap().as_str(), "video");
        assert_eq!(
            ProductType::parse("scorm_pkg").unwrap().as_str(),
            "scorm_pkg"
        );
        for bad in ["", "1abc", "a b", "é", &"a".repeat(33)] {
            assert!(ProductType::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn languages_are_canonical_registered_tags() {
        assert_eq!(Language::parse("de-ch").unwrap().as_str(), "de-CH");
        assert_eq!(Language::parse("en").unwrap().as_str(), "en");
        for bad in ["", "english", "xx-", "en_US", "qqqqqqqqq"] {
            assert!(Language::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn uploads_are_sniffed() {
        let image = ProductType::parse("image").unwrap();
        let doc = ProductType::parse("document").unwrap();
        assert_eq!(check_upload(&image, "image/png", PNG).unwrap(), "image/png");
        assert!(check_upload(&doc, "application/pdf", PNG).is_err());
        assert!(check_upload(&image, "image/jpeg", PNG).is_err());
        assert!(check_upload(&image, "text/html", b"<html></html>").is_err());
        assert!(check_upload(&image, "image/png", b"<html><script>x</script></html>").is_err());
        assert!(check_upload(&doc, "text/plain", b"<!DOCTYPE html><p>").is_err());
        assert!(check_upload(&doc, "text/plain", PNG).is_err());
        assert_eq!(
            check_upload(&doc, "text/plain; charset=utf-8", b"Hello").unwrap(),
            "text/plain"
        );
        let quiz = ProductType::parse("quiz").unwrap();
        assert!(check_upload(&quiz, "image/png", PNG).is_err());
    }

    #[test]
    fn file_names_are_safe_in_headers() {
        assert_eq!(safe_file_name("../../etc/pa\"ss\nwd"), "pa_ss_wd");
        assert_eq!(safe_file_name(""), "file");
        assert_eq!(safe_file_name("C:\\x\\report.pdf"), "report.pdf");
    }
}
