//! CSV cells and spreadsheets (OWASP "CSV injection"): a cell a spreadsheet would run as a
//! formula — starting with `=`, `+`, `-`, `@`, a tab or a carriage return — is written with
//! a leading `'`. Shared by every CSV Portico writes (console, API, CLI) and undone by imports.

use std::borrow::Cow;

const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell`, or `'cell` when a spreadsheet would read it as a formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_START) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The value [`neutralise`] was given: a leading `'` before a formula character removed.
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_restored() {
        for cell in ["=1+1", "+x", "-2", "@SUM(A1)", "\tx"] {
            let n = neutralise(cell);
            assert!(n.starts_with('\''), "{cell}");
            assert_eq!(unneutralise(&n), cell);
        }
        assert_eq!(neutralise("ann"), "ann");
        assert_eq!(unneutralise("'quoted"), "'quoted");
    }
}
