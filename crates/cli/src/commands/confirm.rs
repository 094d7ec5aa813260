//! Confirmation of what cannot be undone: typed on a terminal, or `--yes` in scripts.

use crate::app::{CliError, CliResult};
use std::io::{BufRead, IsTerminal, Write};

/// Asks `question` on the terminal and wants `expected` typed back. Without a terminal it
/// refuses with "refusing to `what` without confirmation: … add --yes"; a different answer
/// is refused with "not confirmed; `unchanged`".
pub fn typed(what: &str, question: &str, expected: &str, unchanged: &str) -> CliResult<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::new(format!(
            "refusing to {what} without confirmation: standard input is not a terminal; add --yes"
        )));
    }
    eprint!("{question}: ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    if line.trim() != expected {
        return Err(CliError::new(format!("not confirmed; {unchanged}")));
    }
    Ok(())
}
