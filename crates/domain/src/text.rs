//! Unicode normal forms with an ASCII fast path. ASCII text is already in every normal form
//! and has no combining marks, so it is returned as it is instead of going through the
//! Unicode tables, which were a third of parsing a 100,000-row import.

use unicode_normalization::UnicodeNormalization;

/// `s` in NFC.
pub fn nfc(s: &str) -> String {
    if s.is_ascii() {
        s.to_owned()
    } else {
        s.nfc().collect()
    }
}

/// `s` in NFKC, lower-cased: the comparison key of emails and usernames.
pub fn nfkc_lowercase(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.nfkc().collect::<String>().to_lowercase()
    }
}

/// `s` in NFKD without its combining marks, lower-cased: accents folded (`Rénée` → `renee`).
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.nfkd()
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path gives what the Unicode tables give, for every ASCII character.
    #[test]
    fn ascii_fast_path_matches_the_tables() {
        let all: String = (0u8..128).map(char::from).collect();
        let samples = [all.as_str(), "Anna.Rossi@Example.COM", "", "  x_Y-z.0  "];
        for s in samples {
            assert_eq!(nfc(s), s.nfc().collect::<String>(), "{s:?}");
            assert_eq!(
                nfkc_lowercase(s),
                s.nfkc().collect::<String>().to_lowercase(),
                "{s:?}"
            );
            let slow: String = s
                .nfkd()
                .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
                .flat_map(char::to_lowercase)
                .collect();
            assert_eq!(fold(s), slow, "{s:?}");
        }
    }

    #[test]
    fn other_text_goes_through_the_tables() {
        // "e" + combining acute composes in NFC; the ligature "ﬁ" opens up in NFKC.
        assert_eq!(nfc("Rene\u{301}e"), "Renée");
        assert_eq!(nfkc_lowercase("ﬁNN@Ex.com"), "finn@ex.com");
        assert_eq!(nfkc_lowercase("ÅSA"), "åsa");
        assert_eq!(fold("Rénée Ωμέγα"), "renee ωμεγα");
    }
}
