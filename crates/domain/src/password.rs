//! U8's password policy: length by second factor, no composition rules, no truncation,
//! common and guessable passwords refused with the reason (zxcvbn's dictionaries of common
//! and leaked passwords, names and words, and its pattern matchers).

use crate::ValidationError;
use rand::Rng;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    /// Minimum length for users without a second factor (SPEC: 15, the policy may raise it).
    pub min_length: usize,
    /// Minimum length for users with a second factor (SPEC: 8).
    pub min_length_with_mfa: usize,
}

pub const MAX_PASSWORD_CHARS: usize = 256;

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 15,
            min_length_with_mfa: 8,
        }
    }
}

impl PasswordPolicy {
    /// Checks a new password. `context` holds the user's own words (username, email, names),
    /// which make a password guessable.
    pub fn check(
        &self,
        password: &str,
        has_mfa: bool,
        context: &[&str],
    ) -> Result<(), ValidationError> {
        let err = |m: String| ValidationError::new("password", m);
        let n = password.chars().count();
        let min = if has_mfa {
            self.min_length_with_mfa
        } else {
            self.min_length
        };
        if n < min {
            return Err(err(format!(
                "use at least {min} characters (this one has {n})"
            )));
        }
        if n > MAX_PASSWORD_CHARS {
            return Err(err(format!("use at most {MAX_PASSWORD_CHARS} characters")));
        }
        // zxcvbn's cost grows with length; the first 100 characters decide guessability.
        let head: String = password.chars().take(100).collect();
        let entropy = zxcvbn::zxcvbn(&head, context);
        if (entropy.score() as u8) < 2 {
            let reason = entropy
                .feedback()
                .and_then(|f| f.warning().map(|w| w.to_string()))
                .unwrap_or_else(|| "this password is too easy to guess".to_string());
            let hint = entropy
                .feedback()
                .and_then(|f| f.suggestions().first().map(|s| s.to_string()))
                .map(|s| format!(" {s}"))
                .unwrap_or_default();
            return Err(err(format!("{reason}.{hint}").replace("..", ".")));
        }
        Ok(())
    }
}

/// A strong password to show once (U8): 24 characters from an unambiguous alphabet, ~137 bits.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let raw: String = (0..24)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    // Groups of six read better when shown once.
    raw.as_bytes()
        .chunks(6)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_depend_on_second_factor() {
        let p = PasswordPolicy::default();
        assert!(p.check("vy7#kQ2m", true, &[]).is_ok());
        let e = p.check("vy7#kQ2m", false, &[]).unwrap_err();
        assert!(e.message.contains("at least 15"), "{}", e.message);
        assert!(p.check(&"x".repeat(257), false, &[]).is_err());
    }

    #[test]
    fn common_and_guessable_passwords_are_refused_with_a_reason() {
        let p = PasswordPolicy::default();
        let e = p.check("passwordpassword", false, &[]).unwrap_err();
        assert!(!e.message.is_empty());
        let e = p.check("aaaaaaaaaaaaaaaaaaaa", false, &[]).unwrap_err();
        assert!(e.message.to_lowercase().contains("repeat"), "{}", e.message);
        assert!(
            p.check("annarossiannarossi", false, &["annarossi"])
                .is_err()
        );
        assert!(p.check("iloveyou12345678", false, &[]).is_err());
        assert!(
            p.check("correct horse battery staple lamp", false, &[])
                .is_ok()
        );
    }

    #[test]
    fn generated_passwords_pass_the_policy() {
        let pw = generate_password();
        assert_eq!(pw.len(), 24 + 3);
        PasswordPolicy::default().check(&pw, false, &[]).unwrap();
        assert_ne!(pw, generate_password());
    }
}
