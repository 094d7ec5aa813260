//! `PermissionSet`: a fixed 256-bit set over catalogue indexes. `Copy`, 32 bytes, so union,
//! difference and subset are four word operations and a set lives inline in the engine's
//! tables. Build one from keys through [`Catalog::set`](super::Catalog::set).

use super::catalog::PermIx;
use std::fmt;

const WORDS: usize = 4;

/// How many permissions one catalogue can hold (Portico's own plus applications').
pub const MAX_PERMISSIONS: usize = WORDS * 64;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PermissionSet([u64; WORDS]);

impl PermissionSet {
    pub const EMPTY: PermissionSet = PermissionSet([0; WORDS]);

    pub fn of(ix: PermIx) -> Self {
        let mut s = Self::EMPTY;
        s.insert(ix);
        s
    }

    #[inline]
    pub fn insert(&mut self, ix: PermIx) {
        let i = ix.0 as usize;
        self.0[i / 64] |= 1 << (i % 64);
    }

    #[inline]
    pub fn remove(&mut self, ix: PermIx) {
        let i = ix.0 as usize;
        self.0[i / 64] &= !(1 << (i % 64));
    }

    #[inline]
    pub fn contains(&self, ix: PermIx) -> bool {
        let i = ix.0 as usize;
        i < MAX_PERMISSIONS && self.0[i / 64] & (1 << (i % 64)) != 0
    }

    #[inline]
    pub fn union(&self, other: &Self) -> Self {
        Self(std::array::from_fn(|w| self.0[w] | other.0[w]))
    }

    #[inline]
    pub fn intersection(&self, other: &Self) -> Self {
        Self(std::array::from_fn(|w| self.0[w] & other.0[w]))
    }

    /// The permissions in `self` that are not in `other`.
    #[inline]
    pub fn difference(&self, other: &Self) -> Self {
        Self(std::array::from_fn(|w| self.0[w] & !other.0[w]))
    }

    #[inline]
    pub fn union_with(&mut self, other: &Self) {
        for w in 0..WORDS {
            self.0[w] |= other.0[w];
        }
    }

    #[inline]
    pub fn is_subset(&self, other: &Self) -> bool {
        (0..WORDS).all(|w| self.0[w] & !other.0[w] == 0)
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The members, in index order.
    pub fn iter(&self) -> impl Iterator<Item = PermIx> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| {
            let mut rest = bits;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let b = rest.trailing_zeros();
                rest &= rest - 1;
                Some(PermIx((w * 64) as u16 + b as u16))
            })
        })
    }
}

impl FromIterator<PermIx> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = PermIx>>(iter: I) -> Self {
        let mut s = Self::EMPTY;
        for ix in iter {
            s.insert(ix);
        }
        s
    }
}

impl fmt::Debug for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(|ix| ix.0)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Catalog;

    fn s(ixs: &[u16]) -> PermissionSet {
        ixs.iter().map(|i| PermIx(*i)).collect()
    }

    #[test]
    fn set_algebra() {
        let a = s(&[0, 5, 64, 200, 255]);
        let b = s(&[5, 64]);
        assert!(b.is_subset(&a) && !a.is_subset(&b));
        assert_eq!(a.difference(&b), s(&[0, 200, 255]));
        assert_eq!(b.union(&s(&[1])), s(&[1, 5, 64]));
        assert_eq!(a.intersection(&s(&[64, 7])), s(&[64]));
        assert_eq!(a.len(), 5);
        assert_eq!(
            a.iter().map(|i| i.0).collect::<Vec<_>>(),
            vec![0, 5, 64, 200, 255]
        );
        assert!(PermissionSet::EMPTY.is_subset(&b) && PermissionSet::EMPTY.is_empty());
        let mut c = a;
        c.remove(PermIx(255));
        c.union_with(&s(&[3]));
        assert_eq!(c, s(&[0, 3, 5, 64, 200]));
        assert!(!c.contains(PermIx(999)));
        assert_eq!(format!("{:?}", b), "{5, 64}");
    }

    #[test]
    fn built_from_keys_through_the_catalogue() {
        let c = Catalog::portico();
        let set = c.set(["users.block", "users.view"]).unwrap();
        assert_eq!(c.keys(&set), vec!["users.view", "users.block"]);
        assert!(set.contains(c.index_of("users.block").unwrap()));
        assert!(c.set(["users.fly"]).is_err());
    }
}
