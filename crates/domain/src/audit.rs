//! AU1–AU2: the audit trail is a hash chain. Every entry commits to the one before it, so an
//! edited, removed or reordered entry breaks the chain from that point on.
//!
//! Personal data (U5) lives outside the chained fields: an entry carries a salted digest of its
//! personal payload, so erasing a person deletes the payload and its salt while the chain,
//! which covers only the digest, still verifies.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// The hash an empty log starts from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chained part of an audit entry, exactly as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedFields {
    pub seq: i64,
    pub id: String,
    pub at: i64,
    pub actor_user_id: Option<String>,
    pub impersonator_user_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub org_id: Option<String>,
    pub subject_user_id: Option<String>,
    /// Non-personal before/after values, as JSON text.
    pub changes: String,
    pub pii_digest: Option<String>,
    pub prev_hash: String,
}

impl ChainedFields {
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut put = |s: Option<&str>| match s {
            None => h.update([0u8]),
            Some(v) => {
                h.update([1u8]);
                h.update((v.len() as u64).to_be_bytes());
                h.update(v.as_bytes());
            }
        };
        put(Some(&self.seq.to_string()));
        put(Some(&self.id));
        put(Some(&self.at.to_string()));
        put(self.actor_user_id.as_deref());
        put(self.impersonator_user_id.as_deref());
        put(self.ip.as_deref());
        put(self.user_agent.as_deref());
        put(Some(&self.action));
        put(self.target_kind.as_deref());
        put(self.target_id.as_deref());
        put(self.org_id.as_deref());
        put(self.subject_user_id.as_deref());
        put(Some(&self.changes));
        put(self.pii_digest.as_deref());
        put(Some(&self.prev_hash));
        hex::encode(h.finalize())
    }
}

/// A fresh salt for a personal payload.
pub fn new_salt() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub fn pii_digest(salt: &str, pii: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0u8]);
    h.update(pii.as_bytes());
    hex::encode(h.finalize())
}

/// A stored entry: chained fields plus the erasable personal payload.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub fields: ChainedFields,
    pub hash: String,
    pub pii: Option<String>,
    pub pii_salt: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub seq: i64,
    pub id: String,
    pub reason: String,
}

/// Walks entries in `seq` order, checking each against the one before.
#[derive(Debug)]
pub struct ChainVerifier {
    prev_hash: String,
    prev_seq: i64,
    pub checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            prev_hash: GENESIS_HASH.to_string(),
            prev_seq: 0,
            checked: 0,
        }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, e: &StoredEntry) -> Result<(), ChainBreak> {
        let f = &e.fields;
        let brk = |reason: String| ChainBreak {
            seq: f.seq,
            id: f.id.clone(),
            reason,
        };
        if f.seq != self.prev_seq + 1 {
            return Err(brk(format!(
                "expected entry #{} next, found #{}: an entry was removed or reordered",
                self.prev_seq + 1,
                f.seq
            )));
        }
        if f.prev_hash != self.prev_hash {
            return Err(brk(
                "does not follow the entry before it: an entry was removed, reordered or edited"
                    .into(),
            ));
        }
        if f.compute_hash() != e.hash {
            return Err(brk(
                "its content does not match its hash: the entry was edited".into(),
            ));
        }
        match (&e.pii, &e.pii_salt, &f.pii_digest) {
            (Some(p), Some(s), Some(d)) if &pii_digest(s, p) != d => {
                return Err(brk("its personal data was edited".into()));
            }
            (Some(_), _, None) => return Err(brk("personal data without a digest".into())),
            _ => {}
        }
        self.prev_hash = e.hash.clone();
        self.prev_seq = f.seq;
        self.checked += 1;
        Ok(())
    }

    /// The recorded head must name the last entry: a removed tail is caught here.
    pub fn finish(&self, head_seq: i64, head_hash: &str) -> Result<u64, ChainBreak> {
        if head_seq != self.prev_seq || head_hash != self.prev_hash {
            return Err(ChainBreak {
                seq: self.prev_seq + 1,
                id: String::new(),
                reason: format!(
                    "the log ends at #{} but its head records #{}: entries were removed from the end",
                    self.prev_seq, head_seq
                ),
            });
        }
        Ok(self.checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, prev: &str, action: &str) -> StoredEntry {
        let pii = format!("{{\"email\":\"p{seq}@example.com\"}}");
        let salt = new_salt();
        let fields = ChainedFields {
            seq,
            id: format!("aud_{seq}"),
            at: 1000 * seq,
            actor_user_id: Some("usr_a".into()),
            impersonator_user_id: None,
            ip: Some("127.0.0.1".into()),
            user_agent: None,
            action: action.into(),
            target_kind: Some("user".into()),
            target_id: Some("usr_b".into()),
            org_id: None,
            subject_user_id: Some("usr_b".into()),
            changes: "{}".into(),
            pii_digest: Some(pii_digest(&salt, &pii)),
            prev_hash: prev.into(),
        };
        let hash = fields.compute_hash();
        StoredEntry {
            fields,
            hash,
            pii: Some(pii),
            pii_salt: Some(salt),
        }
    }

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|i| {
                let e = entry(i, &prev, "user.create");
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(es: &[StoredEntry], head: (i64, &str)) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for e in es {
            v.check(e)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn intact_chain_verifies_and_erasure_keeps_it_valid() {
        let mut es = chain(5);
        let head = (5, es[4].hash.clone());
        assert_eq!(verify(&es, (head.0, &head.1)).unwrap(), 5);
        es[2].pii = None;
        es[2].pii_salt = None;
        assert_eq!(verify(&es, (head.0, &head.1)).unwrap(), 5);
    }

    #[test]
    fn detects_edit_removal_reorder_and_truncation() {
        let es = chain(5);
        let head = (5, es[4].hash.clone());
        let mut edited = es.clone();
        edited[2].fields.action = "user.delete".into();
        assert_eq!(verify(&edited, (head.0, &head.1)).unwrap_err().seq, 3);

        let mut pii_edited = es.clone();
        pii_edited[1].pii = Some("{}".into());
        assert_eq!(verify(&pii_edited, (head.0, &head.1)).unwrap_err().seq, 2);

        let mut removed = es.clone();
        removed.remove(1);
        assert_eq!(verify(&removed, (head.0, &head.1)).unwrap_err().seq, 3);

        let mut reordered = es.clone();
        reordered.swap(1, 2);
        assert!(verify(&reordered, (head.0, &head.1)).is_err());

        let truncated = &es[..4];
        assert!(verify(truncated, (head.0, &head.1)).is_err());
    }
}
