//! The demo's organizations: top-level companies, each with regions, departments and teams
//! under it, 2 to 4 levels deep. Parents always come before their children.

use super::names::{LANGS, Lang, ascii_fold, roman};
use portico_domain::ids::OrgId;
use portico_services::records::NewOrg;
use rand::Rng;
use rand::rngs::StdRng;
use std::collections::{BTreeMap, HashMap, HashSet};

pub struct OrgNode {
    pub id: OrgId,
    pub lang: usize,
    /// 1 for a company.
    pub depth: u8,
    /// The company's depth: no node of it is deeper.
    pub max_depth: u8,
    pub kids: Vec<usize>,
    /// The company's index in [`Tree::domains`].
    pub domain: usize,
    /// The slug without the run tag; children's slugs start with it.
    pub base: String,
}

pub struct Tree {
    pub nodes: Vec<OrgNode>,
    pub orgs: Vec<NewOrg>,
    /// Each company's email domain.
    pub domains: Vec<String>,
    pub companies: usize,
}

/// How many children a node at `depth` - 1 may have: one of each region, department, team.
fn capacity(l: &Lang, child_depth: u8) -> usize {
    match child_depth {
        2 => l.regions.len(),
        3 => l.departments.len(),
        _ => 6,
    }
}

/// Ids in increasing order (one millisecond, a random start, then counting up, as a monotonic
/// ULID generator does), so that the database appends to its id indexes instead of inserting
/// all over them.
pub struct IdSeq {
    millis: u64,
    next: u128,
}

impl IdSeq {
    pub fn new(rng: &mut StdRng, millis: u64) -> Self {
        // Leaves 2^79 ids of room below the 80-bit limit.
        let start = rng.random::<u128>() & ((1u128 << 79) - 1);
        Self {
            millis,
            next: start,
        }
    }

    pub fn next(&mut self) -> (u64, u128) {
        self.next += 1;
        (self.millis, self.next)
    }
}

struct Builder<'a> {
    rng: &'a mut StdRng,
    ids: &'a mut IdSeq,
    run_tag: &'a str,
    /// How often each base was asked for, and every slug base handed out.
    slugs: HashMap<String, u32>,
    used: HashSet<String>,
    tree: Tree,
}

pub fn build(rng: &mut StdRng, ids: &mut IdSeq, total: usize, run_tag: &str) -> Tree {
    let companies = (total / 10).clamp(1, total.max(1));
    let mut b = Builder {
        rng,
        ids,
        run_tag,
        slugs: HashMap::new(),
        used: HashSet::new(),
        tree: Tree {
            nodes: Vec::with_capacity(total),
            orgs: Vec::with_capacity(total),
            domains: Vec::with_capacity(companies),
            companies,
        },
    };
    for _ in 0..companies.min(total) {
        b.company();
    }
    for _ in companies..total {
        let company = skewed(b.rng, companies, 1.5);
        let parent = b.pick_parent(company);
        b.child(parent);
    }
    b.tree
}

impl Builder<'_> {
    fn id(&mut self) -> OrgId {
        let (millis, n) = self.ids.next();
        OrgId::from_parts(millis, n)
    }

    /// A unique slug base from words: `groupe-robert`, then `groupe-robert-2`, …
    fn base(&mut self, words: &str) -> String {
        let mut base: String = String::new();
        for w in words.split(' ').map(ascii_fold).filter(|w| !w.is_empty()) {
            if base.len() + w.len() + 1 > 48 {
                break;
            }
            if !base.is_empty() {
                base.push('-');
            }
            base.push_str(&w);
        }
        if base.len() < 2 {
            base = "org".into();
        }
        let n = self.slugs.entry(base.clone()).or_insert(0);
        loop {
            *n += 1;
            let candidate = if *n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }

    /// The slug of a base: tagged when the database held data before this run.
    fn slug(&self, base: &str) -> String {
        if self.run_tag.is_empty() {
            base.to_string()
        } else {
            format!("{base}-{}", self.run_tag)
        }
    }

    fn company(&mut self) {
        let lang = self.rng.random_range(0..LANGS.len());
        let l = &LANGS[lang];
        let family = &l.last[self.rng.random_range(0..l.last.len())];
        let template = &l.companies[self.rng.random_range(0..l.companies.len())];
        let name = template.0.replace("{}", family.0);
        let readable = if template.1.is_empty() {
            name.replace(['/', '.', '&'], " ")
        } else {
            template.1.replace("{}", &roman(family))
        };
        let base = self.base(&readable);
        let slug = self.slug(&base);
        let domain = self.tree.domains.len();
        self.tree.domains.push(format!("{slug}.example"));
        let id = self.id();
        let mut attributes = BTreeMap::new();
        attributes.insert("country".to_string(), l.country.to_string());
        attributes.insert(
            "customer_since".to_string(),
            (2008 + self.rng.random_range(0..17)).to_string(),
        );
        let tier = ["enterprise", "business", "partner", "trial"][self.rng.random_range(0..4)];
        let max_depth = match self.rng.random_range(0..20) {
            0..=2 => 2,
            3..=9 => 3,
            _ => 4,
        };
        self.tree.nodes.push(OrgNode {
            id,
            lang,
            depth: 1,
            max_depth,
            kids: Vec::new(),
            domain,
            base,
        });
        self.tree.orgs.push(NewOrg {
            id,
            name,
            slug,
            parent_id: None,
            tags: vec![tier.to_string()],
            attributes,
        });
    }

    fn can_take(&self, node: usize) -> bool {
        let n = &self.tree.nodes[node];
        n.depth < n.max_depth && n.kids.len() < capacity(&LANGS[n.lang], n.depth + 1)
    }

    /// A parent for a new organization in `company`'s tree (or, when it is full, another's):
    /// walk down from the top, stopping at random where there is room.
    fn pick_parent(&mut self, company: usize) -> usize {
        for attempt in 0..24 {
            let start = if attempt < 8 {
                company
            } else {
                self.rng.random_range(0..self.tree.companies)
            };
            let mut node = start;
            loop {
                let n = &self.tree.nodes[node];
                let deeper = n.depth + 1 < n.max_depth && !n.kids.is_empty();
                let stop = 1.0 / (1.0 + n.kids.len() as f64 * 0.7);
                if self.can_take(node) && (!deeper || self.rng.random_bool(stop)) {
                    return node;
                }
                if !deeper {
                    break;
                }
                let kids = &self.tree.nodes[node].kids;
                node = kids[self.rng.random_range(0..kids.len())];
            }
        }
        // Every tree is full: the company takes one more, numbered (`Lombardia 2`).
        company
    }

    fn child(&mut self, parent: usize) {
        let index = self.tree.nodes.len();
        let p = &self.tree.nodes[parent];
        let (lang, depth, nth, domain, max_depth) =
            (p.lang, p.depth + 1, p.kids.len(), p.domain, p.max_depth);
        let parent_id = p.id;
        let parent_base = p.base.clone();
        let l = &LANGS[lang];
        let (name, kind) = match depth {
            2 => (cycle(&l.regions, nth, parent), "region"),
            3 => (cycle(&l.departments, nth, parent), "dept"),
            _ => (format!("{} {}", l.team, nth + 1), "team"),
        };
        let own = ascii_fold(&name);
        let words = if own.len() >= 2 {
            format!("{parent_base} {name}")
        } else {
            format!("{parent_base} {kind}")
        };
        let base = self.base(&words.replace('-', " "));
        let slug = self.slug(&base);
        let id = self.id();
        self.tree.nodes[parent].kids.push(index);
        self.tree.nodes.push(OrgNode {
            id,
            lang,
            depth,
            max_depth,
            kids: Vec::new(),
            domain,
            base,
        });
        self.tree.orgs.push(NewOrg {
            id,
            name,
            slug,
            parent_id: Some(parent_id),
            tags: vec![],
            attributes: BTreeMap::new(),
        });
    }
}

/// An index in `0..n`, small ones likelier (`power` > 1 skews harder).
pub fn skewed(rng: &mut StdRng, n: usize, power: f64) -> usize {
    let r: f64 = rng.random();
    ((r.powf(power) * n as f64) as usize).min(n.saturating_sub(1))
}

/// The `nth` name of a list, starting at a place fixed by `salt`, numbered once it wraps.
fn cycle(list: &[&str], nth: usize, salt: usize) -> String {
    let i = (nth + salt) % list.len();
    let round = nth / list.len();
    if round == 0 {
        list[i].to_string()
    } else {
        format!("{} {}", list[i], round + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_domain::Slug;
    use rand::SeedableRng;

    #[test]
    fn trees_are_nested_unique_and_valid() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut ids = IdSeq::new(&mut rng, 1);
        let t = build(&mut rng, &mut ids, 3000, "");
        assert_eq!(t.orgs.len(), 3000);
        assert_eq!(t.companies, 300);
        let slugs: HashSet<&str> = t.orgs.iter().map(|o| o.slug.as_str()).collect();
        assert_eq!(slugs.len(), 3000, "slugs are unique");
        for o in &t.orgs {
            Slug::parse(&o.slug).unwrap_or_else(|e| panic!("{}: {e}", o.slug));
        }
        let depths: HashSet<u8> = t.nodes.iter().map(|n| n.depth).collect();
        assert!(depths.contains(&4) && depths.contains(&3), "{depths:?}");
        let seen: HashSet<OrgId> = t.orgs.iter().map(|o| o.id).collect();
        let mut before = HashSet::new();
        for o in &t.orgs {
            if let Some(p) = o.parent_id {
                assert!(before.contains(&p), "parents come first");
            }
            before.insert(o.id);
        }
        assert_eq!(seen.len(), 3000);
        let ids: Vec<OrgId> = t.orgs.iter().map(|o| o.id).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase");
        let mut rng = StdRng::seed_from_u64(9);
        let mut ids = IdSeq::new(&mut rng, 1);
        let one = build(&mut rng, &mut ids, 1, "x1");
        assert_eq!(one.orgs.len(), 1);
        assert!(one.orgs[0].slug.ends_with("-x1"));
    }
}
