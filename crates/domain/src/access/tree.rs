//! Keys, scopes and the organization tree with its O(1) ancestor test.

use super::AccessError;
use super::catalog::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrgKey(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProjectKey(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserKey(pub u32);
/// Index into the role slice the engine was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoleKey(pub u32);

/// Where an assignment, override or check applies (P3). A project carries its organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Platform,
    Org(OrgKey),
    Project(ProjectKey, OrgKey),
}

impl Scope {
    pub fn level(self) -> Level {
        match self {
            Scope::Platform => Level::Platform,
            Scope::Org(_) => Level::Organization,
            Scope::Project(..) => Level::Project,
        }
    }
    pub(super) fn org(self) -> Option<OrgKey> {
        match self {
            Scope::Platform => None,
            Scope::Org(o) | Scope::Project(_, o) => Some(o),
        }
    }
    /// Packed key of the scope where something is attached (its own level only).
    pub(super) fn packed(self) -> u64 {
        match self {
            Scope::Platform => 0,
            Scope::Org(o) => 1 << 32 | o.0 as u64,
            Scope::Project(p, _) => 2 << 32 | p.0 as u64,
        }
    }
}

/// The organization tree, with a DFS numbering for O(1) ancestor tests.
#[derive(Debug, Clone)]
pub struct OrgTree {
    parent: Vec<Option<OrgKey>>,
    /// DFS entry and exit numbers: `a` is an ancestor of `b` iff `b.0` lies in `a`'s range.
    span: Vec<(u32, u32)>,
}

impl OrgTree {
    /// `parents[i]` is the parent of organization `i`. A cycle or unknown parent is an error.
    pub fn new(parents: Vec<Option<OrgKey>>) -> Result<Self, AccessError> {
        let n = parents.len();
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for (i, p) in parents.iter().enumerate() {
            match p {
                None => roots.push(i as u32),
                Some(p) if (p.0 as usize) < n => children[p.0 as usize].push(i as u32),
                Some(p) => return Err(AccessError::UnknownOrg(p.0)),
            }
        }
        let (mut tin, mut tout) = (vec![u32::MAX; n], vec![0; n]);
        let mut clock = 0u32;
        let mut stack: Vec<(u32, usize)> = Vec::new();
        for r in roots {
            stack.push((r, 0));
            tin[r as usize] = clock;
            clock += 1;
            while let Some((node, next)) = stack.last_mut() {
                if let Some(&c) = children[*node as usize].get(*next) {
                    *next += 1;
                    tin[c as usize] = clock;
                    clock += 1;
                    stack.push((c, 0));
                } else {
                    tout[*node as usize] = clock;
                    stack.pop();
                }
            }
        }
        if let Some(i) = tin.iter().position(|t| *t == u32::MAX) {
            return Err(AccessError::Cycle(i as u32));
        }
        let span = tin.into_iter().zip(tout).collect();
        Ok(Self {
            parent: parents,
            span,
        })
    }

    pub fn len(&self) -> usize {
        self.parent.len()
    }
    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }
    pub fn contains(&self, o: OrgKey) -> bool {
        (o.0 as usize) < self.parent.len()
    }
    pub fn parent(&self, o: OrgKey) -> Option<OrgKey> {
        self.parent.get(o.0 as usize).copied().flatten()
    }

    /// `a` is `b` or one of its ancestors.
    #[inline]
    pub fn is_ancestor_or_self(&self, a: OrgKey, b: OrgKey) -> bool {
        match (self.span.get(a.0 as usize), self.span.get(b.0 as usize)) {
            (Some(&(ta, out)), Some(&(tb, _))) => ta <= tb && tb < out,
            _ => false,
        }
    }

    /// `o` and its ancestors, nearest first.
    pub fn chain(&self, o: OrgKey) -> impl Iterator<Item = OrgKey> + '_ {
        std::iter::successors(self.contains(o).then_some(o), |c| self.parent(*c))
    }
}
