//! U8's optional second factor: RFC 6238 time-based one-time passwords (SHA-1, 6 digits,
//! 30-second steps, one step of clock drift either way), computed by `totp-rs`.
//!
//! A code is accepted once: verification answers the time step it matched, and the caller
//! stores the last accepted step so a replayed (or an older) code is refused.

use crate::ValidationError;
use totp_rs::{Algorithm, Secret, TOTP};

pub const STEP_SECS: i64 = 30;
const DIGITS: usize = 6;

/// A shared TOTP secret (160 random bits), stored base32-encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpRefusal {
    /// Not six digits, or no step within the drift window produces it.
    Wrong,
    /// Right code, but its step was already used (a replay) or an older one.
    Replayed,
}

impl TotpSecret {
    pub fn generate() -> Self {
        match Secret::generate_secret().to_bytes() {
            Ok(b) => Self(b),
            // `generate_secret` makes raw bytes; `to_bytes` on raw bytes cannot fail.
            Err(_) => Self(rand::random::<[u8; 20]>().to_vec()),
        }
    }

    /// Reads the stored base32 form.
    pub fn parse(encoded: &str) -> Result<Self, ValidationError> {
        Secret::Encoded(encoded.trim().to_ascii_uppercase())
            .to_bytes()
            .ok()
            .filter(|b| b.len() >= 16)
            .map(Self)
            .ok_or_else(|| ValidationError::new("secret", "not a valid TOTP secret"))
    }

    /// Base32, as stored and as typed into an authenticator app by hand.
    pub fn encoded(&self) -> String {
        Secret::Raw(self.0.clone()).to_encoded().to_string()
    }

    fn totp(&self, issuer: &str, account: &str) -> TOTP {
        TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            1,
            STEP_SECS as u64,
            self.0.clone(),
            Some(issuer.to_string()),
            account.to_string(),
        )
    }

    /// The `otpauth://` URI an authenticator app reads from a QR code.
    pub fn uri(&self, issuer: &str, account: &str) -> String {
        // `:` separates issuer and account in the label; keep it out of both.
        let issuer = issuer.replace(':', " ");
        let account = account.replace(':', " ");
        self.totp(&issuer, &account).get_url()
    }

    /// The code for a moment (tests and enrolment previews).
    pub fn code_at(&self, unix_secs: i64) -> String {
        self.totp("", "").generate(unix_secs.max(0) as u64)
    }

    /// Checks `code` at `unix_secs`, allowing one step of drift either way. `last_step` is the
    /// step of the last accepted code: a code of that step or an earlier one is a replay.
    /// Answers the step to store.
    pub fn verify(
        &self,
        code: &str,
        unix_secs: i64,
        last_step: Option<i64>,
    ) -> Result<i64, TotpRefusal> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TotpRefusal::Wrong);
        }
        let now_step = unix_secs.div_euclid(STEP_SECS);
        let totp = self.totp("", "");
        let matched = (now_step - 1..=now_step + 1).find(|s| {
            let expected = totp.generate((s * STEP_SECS).max(0) as u64);
            constant_eq(expected.as_bytes(), code.as_bytes())
        });
        match matched {
            None => Err(TotpRefusal::Wrong),
            Some(s) if last_step.is_some_and(|l| s <= l) => Err(TotpRefusal::Replayed),
            Some(s) => Ok(s),
        }
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vector() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 s → 94287082 (8
        // digits); the 6-digit code is its last six digits.
        let s = TotpSecret(b"12345678901234567890".to_vec());
        assert_eq!(s.code_at(59), "287082");
        assert_eq!(s.verify("287082", 59, None), Ok(1));
    }

    #[test]
    fn drift_of_one_step_and_no_more() {
        let s = TotpSecret::generate();
        let t = 1_000_000_000;
        let code = s.code_at(t);
        assert!(s.verify(&code, t + STEP_SECS, None).is_ok());
        assert!(s.verify(&code, t - STEP_SECS, None).is_ok());
        assert_eq!(
            s.verify(&code, t + 3 * STEP_SECS, None),
            Err(TotpRefusal::Wrong)
        );
        assert_eq!(s.verify("12345", t, None), Err(TotpRefusal::Wrong));
        assert_eq!(s.verify("abcdef", t, None), Err(TotpRefusal::Wrong));
    }

    #[test]
    fn a_used_step_is_a_replay() {
        let s = TotpSecret::generate();
        let t = 1_700_000_000;
        let step = s.verify(&s.code_at(t), t, None).unwrap();
        assert_eq!(
            s.verify(&s.code_at(t), t, Some(step)),
            Err(TotpRefusal::Replayed)
        );
        // An older code, still inside the drift window, is refused too.
        assert_eq!(
            s.verify(&s.code_at(t - STEP_SECS), t, Some(step)),
            Err(TotpRefusal::Replayed)
        );
        assert!(
            s.verify(&s.code_at(t + STEP_SECS), t + STEP_SECS, Some(step))
                .is_ok()
        );
    }

    #[test]
    fn secret_round_trips_and_uri_names_issuer() {
        let s = TotpSecret::generate();
        let back = TotpSecret::parse(&s.encoded()).unwrap();
        assert_eq!(s, back);
        let uri = s.uri("Portico", "anna@example.com");
        assert!(
            uri.starts_with("otpauth://totp/Portico:anna%40example.com?"),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={}", s.encoded())), "{uri}");
        assert!(TotpSecret::parse("not base32!").is_err());
    }
}
