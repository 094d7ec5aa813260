//! Data filters (P5) as the snapshot uses them: compiled to one bit per organization
//! (sub-organizations of a match included), and compared with each other for P6.

use portico_domain::access::{DataFilter, OrgKey};

/// A user's data filters (P5): the list as set, and the organizations it lets through (one bit
/// per organization key, sub-organizations of a match included).
#[derive(Debug, Clone)]
pub struct CompiledFilters {
    pub list: Vec<DataFilter>,
    pub(super) pass: Vec<u64>,
}

impl CompiledFilters {
    pub fn passes(&self, o: OrgKey) -> bool {
        self.pass
            .get(o.0 as usize / 64)
            .is_some_and(|w| w & (1 << (o.0 % 64)) != 0)
    }
}

/// Is every organization that passes all of `narrow` sure to pass all of `wide`, whatever the
/// organizations look like? Filters are a conjunction, so it is enough that each filter of
/// `wide` is implied by some filter of `narrow` ([`filter_implies`]). An empty `wide` (no
/// filters) lets everything through; an empty `narrow` is within nothing but that. Sound, not
/// complete: two filters that happen to select the same organizations today but are written
/// differently (a tag versus a list of organizations) do not count.
pub fn filters_within(narrow: &[DataFilter], wide: &[DataFilter]) -> bool {
    wide.iter()
        .all(|w| narrow.iter().any(|n| filter_implies(n, w)))
}

/// Does an organization matching `n` always match `w`? Same kind and, for attributes, the
/// same attribute, with `n`'s values among `w`'s. Matching is inherited down the tree the same
/// way for both, so "matches" carries over to "passes".
fn filter_implies(n: &DataFilter, w: &DataFilter) -> bool {
    fn subset<T: PartialEq>(a: &[T], b: &[T]) -> bool {
        a.iter().all(|x| b.contains(x))
    }
    match (n, w) {
        (DataFilter::Tag { tags: a }, DataFilter::Tag { tags: b }) => subset(a, b),
        (
            DataFilter::Attribute {
                name: na,
                values: a,
            },
            DataFilter::Attribute {
                name: nb,
                values: b,
            },
        ) => na == nb && subset(a, b),
        (
            DataFilter::Organizations { organizations: a },
            DataFilter::Organizations { organizations: b },
        ) => subset(a, b),
        _ => false,
    }
}

pub(super) fn compile_filters(
    list: &[DataFilter],
    orgs: &[crate::records::AccessOrg],
    parents: &[Option<OrgKey>],
) -> Vec<u64> {
    let n = orgs.len();
    // Which organizations match by themselves, per filter; then inherit down the tree.
    let mut pass = vec![u64::MAX; n.div_ceil(64)];
    for f in list {
        let own: Vec<bool> = orgs
            .iter()
            .map(|o| f.matches_org(o.id, &o.tags, &o.attributes))
            .collect();
        let mut memo: Vec<Option<bool>> = vec![None; n];
        for i in 0..n {
            let ok = inherited(i, &own, parents, &mut memo);
            if !ok {
                pass[i / 64] &= !(1 << (i % 64));
            }
        }
    }
    pass
}

/// Does organization `i` or an ancestor match? Memoised, iterative (deep trees).
fn inherited(
    i: usize,
    own: &[bool],
    parents: &[Option<OrgKey>],
    memo: &mut [Option<bool>],
) -> bool {
    let mut path = Vec::new();
    let mut cur = Some(i);
    let mut result = false;
    while let Some(c) = cur {
        if let Some(m) = memo[c] {
            result = m;
            break;
        }
        if own[c] {
            result = true;
            memo[c] = Some(true);
            break;
        }
        path.push(c);
        cur = parents[c].map(|p| p.0 as usize);
        if path.len() > parents.len() {
            break; // cycle guard
        }
    }
    for p in path {
        memo[p] = Some(result);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(t: &[&str]) -> DataFilter {
        DataFilter::Tag {
            tags: t.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn attr(name: &str, v: &[&str]) -> DataFilter {
        DataFilter::Attribute {
            name: name.into(),
            values: v.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn filters_within_is_implication_of_every_wide_filter() {
        // Unfiltered covers everyone; a filtered actor covers no unfiltered target.
        assert!(filters_within(&[], &[]));
        assert!(filters_within(&[tag(&["x"])], &[]));
        assert!(!filters_within(&[], &[tag(&["x"])]));
        // Same, narrower values, or an extra filter: within.
        assert!(filters_within(&[tag(&["x"])], &[tag(&["x"])]));
        assert!(filters_within(&[tag(&["x"])], &[tag(&["x", "y"])]));
        assert!(filters_within(
            &[attr("country", &["IT"]), tag(&["z"])],
            &[attr("country", &["DK", "IT"])]
        ));
        // Wider values, another tag, another attribute or kind, a filter dropped: not within.
        assert!(!filters_within(&[tag(&["x", "y"])], &[tag(&["x"])]));
        assert!(!filters_within(&[tag(&["y"])], &[tag(&["x"])]));
        assert!(!filters_within(
            &[attr("region", &["IT"])],
            &[attr("country", &["IT"])]
        ));
        assert!(!filters_within(&[attr("x", &["x"])], &[tag(&["x"])]));
        assert!(!filters_within(
            &[tag(&["x"])],
            &[tag(&["x"]), attr("country", &["IT"])]
        ));
    }
}
