//! Diagrams too large to read on a printed page, cut into pages that are: an overview with each
//! site as one box (the network zones and their links kept), then each site's devices, the links
//! they use and what lies at the far end of those links, over as many pages as it takes.
//!
//! The whole diagram stays the first figure (on screen it can be zoomed); the parts follow it.
//! Every page is laid out to be measured, so the cost is a few layouts of small diagrams a page.

use std::collections::{BTreeMap, HashMap, HashSet};

use sansho_core::Lang;

use crate::diagram::{self, Diagram, Edge, Node, is_network_zone};
use crate::labels::t;

/// A diagram printed at this scale or larger on landscape A4 is readable as it is: node text
/// at 7.2 pt and edge labels at 6 pt (see [`diagram::print_scale`]).
pub const READABLE_SCALE: f64 = 0.8;

/// Whether `d` prints on one landscape A4 page with text of a readable size.
pub fn readable_on_a4(d: &Diagram) -> bool {
    diagram::print_scale(d) >= READABLE_SCALE
}

/// The pages that make `d` readable in print, each a diagram with its own title suffix:
/// nothing when `d` is readable as it is; otherwise the overview (when there are sites to
/// overview), then the sites' details in the diagram's order. A site too large for one page is
/// cut into pages by the edges it draws, those inside the site first, then those to each other
/// site in turn; sites small enough share a page.
pub fn printable_parts(d: &Diagram, lang: Lang) -> Vec<(String, Diagram)> {
    if readable_on_a4(d) {
        return Vec::new();
    }
    let sites: Vec<&(String, String)> = d
        .groups
        .iter()
        .filter(|(id, _)| !is_network_zone(id))
        .collect();
    let mut parts = Vec::new();
    if sites.len() > 1 {
        parts.push((
            t(lang, "拠点の概観", "overview of the sites").to_owned(),
            overview(d, lang),
        ));
    }
    let index = Index::of(d);
    let mut pages: Vec<Page> = Vec::new();
    for (site, name) in sites {
        let (edges, alone) = site_edges(d, &index, site);
        let chunks = cut(d, &edges, &alone);
        let count = chunks.len();
        for (k, (edges, alone)) in chunks.into_iter().enumerate() {
            let title = if count == 1 {
                name.clone()
            } else {
                format!("{name} ({}/{count})", k + 1)
            };
            let page = Page {
                titles: vec![title],
                edges,
                alone,
            };
            // A page joins the one before it when both still read well together.
            if let Some(last) = pages.last_mut() {
                let joined = last.joined(&page);
                if readable_on_a4(&joined.diagram(d)) {
                    *last = joined;
                    continue;
                }
            }
            pages.push(page);
        }
    }
    for page in pages {
        parts.push((page.titles.join(t(lang, "・", ", ")), page.diagram(d)));
    }
    parts
}

/// One printed page of a site's detail: the edges it draws (indices into the diagram's) and
/// the devices it shows that have no edge.
struct Page<'a> {
    titles: Vec<String>,
    edges: Vec<usize>,
    alone: Vec<&'a str>,
}

impl<'a> Page<'a> {
    fn joined(&self, next: &Page<'a>) -> Page<'a> {
        let mut edges = self.edges.clone();
        let seen: HashSet<usize> = edges.iter().copied().collect();
        edges.extend(next.edges.iter().filter(|e| !seen.contains(e)));
        Page {
            titles: self.titles.iter().chain(&next.titles).cloned().collect(),
            edges,
            alone: self.alone.iter().chain(&next.alone).copied().collect(),
        }
    }

    fn diagram(&self, d: &Diagram) -> Diagram {
        part(d, &self.edges, &self.alone)
    }
}

/// What every site's detail asks of the diagram, made once.
struct Index<'a> {
    group_of: HashMap<&'a str, &'a str>,
    /// Position of each group in the diagram's order, from 1.
    group_rank: HashMap<&'a str, usize>,
    links: HashSet<&'a str>,
    with_edges: HashSet<&'a str>,
}

impl<'a> Index<'a> {
    fn of(d: &'a Diagram) -> Index<'a> {
        Index {
            group_of: d
                .nodes
                .iter()
                .filter_map(|n| Some((n.id.as_str(), n.group.as_deref()?)))
                .collect(),
            group_rank: d
                .groups
                .iter()
                .enumerate()
                .map(|(i, (id, _))| (id.as_str(), i + 1))
                .collect(),
            links: d
                .nodes
                .iter()
                .filter(|n| n.kind == "link")
                .map(|n| n.id.as_str())
                .collect(),
            with_edges: d
                .edges
                .iter()
                .flat_map(|e| [e.from.as_str(), e.to.as_str()])
                .collect(),
        }
    }

    /// Position of the group a node lies in; last for a node in none.
    fn rank_of(&self, node: &str) -> usize {
        self.group_of
            .get(node)
            .and_then(|g| self.group_rank.get(g).copied())
            .unwrap_or(usize::MAX)
    }
}

/// The edges a site's detail draws — those touching its devices, and those of the links outside
/// it that its devices use, so a clinic's detail shows where its VPN leads — ordered: inside
/// the site first, then by the site or zone at the other end, an edge beyond a link right after
/// the edges into that link. Also the site's devices with no edge at all.
fn site_edges<'a>(d: &'a Diagram, index: &Index<'a>, site: &str) -> (Vec<usize>, Vec<&'a str>) {
    let inside = |id: &str| index.group_of.get(id) == Some(&site);
    let touches = |e: &Edge| inside(&e.from) || inside(&e.to);
    let links_used: HashSet<&str> = d
        .edges
        .iter()
        .filter(|e| touches(e))
        .flat_map(|e| [e.from.as_str(), e.to.as_str()])
        .filter(|id| !inside(id) && index.links.contains(id))
        .collect();
    let beyond_link = |e: &'a Edge| -> Option<&'a str> {
        [e.from.as_str(), e.to.as_str()]
            .into_iter()
            .find(|id| links_used.contains(id))
    };
    let key = |e: &'a Edge| match beyond_link(e) {
        Some(link) if !touches(e) => (index.rank_of(link), 1),
        _ => {
            let other_end = [e.from.as_str(), e.to.as_str()]
                .into_iter()
                .filter(|id| !inside(id))
                .map(|id| index.rank_of(id))
                .min()
                .unwrap_or(0);
            (other_end, 0)
        }
    };
    let mut edges: Vec<usize> = (0..d.edges.len())
        .filter(|&i| touches(&d.edges[i]) || beyond_link(&d.edges[i]).is_some())
        .collect();
    edges.sort_by_key(|&i| key(&d.edges[i]));
    let alone = d
        .nodes
        .iter()
        .filter(|n| inside(&n.id) && !index.with_edges.contains(n.id.as_str()))
        .map(|n| n.id.as_str())
        .collect();
    (edges, alone)
}

/// `edges` cut into runs that each print readably (a run of one edge even if it does not), the
/// lone devices on the first. The longest readable run is found by halving, so a site of `e`
/// edges costs about `log e` layouts a page.
fn cut<'a>(d: &Diagram, edges: &[usize], alone: &[&'a str]) -> Vec<(Vec<usize>, Vec<&'a str>)> {
    let mut runs = Vec::new();
    let mut start = 0;
    loop {
        let lone: &[&str] = if start == 0 { alone } else { &[] };
        let rest = &edges[start..];
        let fits = |n: usize| readable_on_a4(&part(d, &rest[..n], lone));
        let take = if rest.is_empty() || fits(rest.len()) {
            rest.len()
        } else {
            // fits(low) holds (or low is 1), fits(high) does not.
            let (mut low, mut high) = (1, rest.len());
            while high - low > 1 {
                let mid = low + (high - low) / 2;
                if fits(mid) {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            low
        };
        runs.push((rest[..take].to_vec(), lone.to_vec()));
        start += take;
        if start >= edges.len() {
            return runs;
        }
    }
}

/// The part of `d` made of `edges` (indices), the nodes at their ends and the `alone` nodes,
/// in the diagram's order, with the groups they lie in.
fn part(d: &Diagram, edges: &[usize], alone: &[&str]) -> Diagram {
    let shown: HashSet<&str> = edges
        .iter()
        .flat_map(|&i| [d.edges[i].from.as_str(), d.edges[i].to.as_str()])
        .chain(alone.iter().copied())
        .collect();
    let used_groups: HashSet<&str> = d
        .nodes
        .iter()
        .filter(|n| shown.contains(n.id.as_str()))
        .filter_map(|n| n.group.as_deref())
        .collect();
    let mut in_order = edges.to_vec();
    in_order.sort_unstable();
    Diagram {
        title: d.title.clone(),
        legend: d.legend.clone(),
        groups: d
            .groups
            .iter()
            .filter(|(id, _)| used_groups.contains(id.as_str()))
            .cloned()
            .collect(),
        nodes: d
            .nodes
            .iter()
            .filter(|n| shown.contains(n.id.as_str()))
            .cloned()
            .collect(),
        edges: in_order.into_iter().map(|i| d.edges[i].clone()).collect(),
    }
}

/// Each site as one box saying how many devices it holds; links between sites kept as they
/// are; edges between the same two boxes merged, with the number of flows they carry.
pub fn overview(d: &Diagram, lang: Lang) -> Diagram {
    let site_node_id = |group: &str| format!("site:{group}");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for n in &d.nodes {
        if let Some(g) = n.group.as_deref().filter(|g| !is_network_zone(g)) {
            *counts.entry(g).or_default() += 1;
        }
    }
    let mut out = Diagram {
        title: d.title.clone(),
        legend: d.legend.clone(),
        ..Diagram::default()
    };
    for (id, name) in &d.groups {
        match counts.get(id.as_str()) {
            Some(&n) => out.nodes.push(Node {
                id: site_node_id(id),
                label: match lang {
                    Lang::Ja => format!("{name}\n（機器 {n} 台）"),
                    Lang::En => format!("{name}\n({n} assets)"),
                },
                kind: diagram::SITE_KIND.to_owned(),
                group: None,
                colour: diagram::NEUTRAL_COLOUR,
                link: None,
            }),
            None if is_network_zone(id) => out.groups.push((id.clone(), name.clone())),
            None => {}
        }
    }
    let mut moved: HashMap<&str, String> = HashMap::new();
    for n in &d.nodes {
        match n.group.as_deref().filter(|g| !is_network_zone(g)) {
            Some(g) => {
                moved.insert(&n.id, site_node_id(g));
            }
            None => {
                moved.insert(&n.id, n.id.clone());
                out.nodes.push(n.clone());
            }
        }
    }
    // Merged edges, in the order their first member appears.
    let mut merged: Vec<Edge> = Vec::new();
    let mut at: HashMap<(String, String, bool), usize> = HashMap::new();
    for e in &d.edges {
        let (Some(from), Some(to)) = (moved.get(e.from.as_str()), moved.get(e.to.as_str())) else {
            continue;
        };
        if from == to {
            continue;
        }
        let key = (from.clone(), to.clone(), e.directed);
        match at.get(&key) {
            Some(&k) => {
                let edge = &mut merged[k];
                edge.flows += e.flows;
                // Links of different kinds merged into one edge are drawn plainly.
                if edge.link != e.link {
                    edge.link = None;
                }
            }
            None => {
                at.insert(key, merged.len());
                merged.push(Edge {
                    from: from.clone(),
                    to: to.clone(),
                    ..e.clone()
                });
            }
        }
    }
    // An edge that stands for flows says how many; a configuration link keeps its name.
    for e in &mut merged {
        if e.flows > 0 {
            e.label = Some(match lang {
                Lang::Ja => format!("情報流 {} 件", e.flows),
                Lang::En => format!("{} flows", e.flows),
            });
        }
    }
    out.edges = merged;
    out
}
