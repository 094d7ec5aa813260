//! Search terms for U11: one tokenizer, used both to index a user and to read a query, so
//! SQLite (FTS5) and PostgreSQL (full text) index and match the same words.

/// Lower-case words of letters and digits, accents folded (`Rénée O'Brien` → `renee o brien`).
pub fn tokens(text: &str) -> Vec<String> {
    let folded = crate::text::fold(text);
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(40).collect())
        .collect()
}

/// The text indexed for a user: username, names and email, tokenized.
pub fn user_document(username: &str, first: &str, last: &str, email: &str) -> String {
    let mut words = tokens(username);
    words.extend(tokens(first));
    words.extend(tokens(last));
    words.extend(tokens(email));
    words.dedup();
    words.join(" ")
}

/// A query as prefix terms: every word must match the start of an indexed word.
/// At most 8 words; `None` when the query has no word at all.
pub fn query_terms(q: &str) -> Option<Vec<String>> {
    let t: Vec<String> = tokens(q).into_iter().take(8).collect();
    (!t.is_empty()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_splits() {
        assert_eq!(
            user_document("anna.r", "Rénée", "O'Brien", "Anna.Rossi@Example.com"),
            "anna r renee o brien anna rossi example com"
        );
        assert_eq!(query_terms("  Ros "), Some(vec!["ros".to_string()]));
        assert_eq!(query_terms("%%"), None);
        assert_eq!(tokens("Ωμέγα 北京"), vec!["ωμεγα", "北京"]);
    }
}
