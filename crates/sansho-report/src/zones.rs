//! Diagrams too large to read on a printed page, cut into pages that are: an overview with each
//! site as one box (the network zones and their links kept), then each site's devices, the links
//! they use and what lies at the far end of those links, over as many pages as it takes.
//!
//! The whole diagram stays the first figure (on screen it can be zoomed); the parts follow it.
//! Every page is laid out to be measured, so the cost is a few layouts of small diagrams a page.

use std::collections::{BTreeMap, HashMap, HashSet};

use sansho_core::Lang;

use crate::diagram::{self, Diagram, Edge, Node};
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
    let mut pages: Vec<Page> = Vec::new();
    for (site, name) in sites {
        let (edges, alone) = site_edges(d, site);
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

/// The edges a site's detail draws — those touching its devices, and those of the links outside
/// it that its devices use, so a clinic's detail shows where its VPN leads — ordered: inside
/// the site first, then by the site or zone at the other end. Also the site's devices with
/// no edge at all.
fn site_edges<'a>(d: &'a Diagram, site: &str) -> (Vec<usize>, Vec<&'a str>) {
    let group_of: HashMap<&str, Option<&str>> = d
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), n.group.as_deref()))
        .collect();
    let inside = |id: &str| group_of.get(id).copied().flatten() == Some(site);
    let links: HashSet<&str> = d
        .nodes
        .iter()
        .filter(|n| n.kind == "link")
        .map(|n| n.id.as_str())
        .collect();
    let is_link = |id: &str| links.contains(id);
    let touches = |e: &Edge| inside(&e.from) || inside(&e.to);
    let links_used: HashSet<&str> = d
        .edges
        .iter()
        .filter(|e| touches(e))
        .flat_map(|e| [e.from.as_str(), e.to.as_str()])
        .filter(|id| !inside(id) && is_link(id))
        .collect();
    let group_rank: HashMap<&str, usize> = d
        .groups
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i + 1))
        .collect();
    // 0 for an edge inside the site, else the position of the group at its other end.
    let other_end = |e: &Edge| {
        [e.from.as_str(), e.to.as_str()]
            .into_iter()
            .filter(|id| !inside(id))
            .map(|id| {
                group_of
                    .get(id)
                    .copied()
                    .flatten()
                    .and_then(|g| group_rank.get(g).copied())
                    .unwrap_or(usize::MAX)
            })
            .min()
            .unwrap_or(0)
    };
    let mut edges: Vec<usize> = d
        .edges
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            touches(e) || links_used.contains(e.from.as_str()) || links_used.contains(e.to.as_str())
        })
        .map(|(i, _)| i)
        .collect();
    // An edge beyond a link follows the edges into that link.
    let key = |e: &Edge| {
        if touches(e) {
            (other_end(e), 0)
        } else {
            let link = if links_used.contains(e.from.as_str()) {
                &e.from
            } else {
                &e.to
            };
            let zone = group_of.get(link.as_str()).copied().flatten();
            (
                zone.and_then(|g| group_rank.get(g).copied())
                    .unwrap_or(usize::MAX),
                1,
            )
        }
    };
    edges.sort_by_key(|&i| key(&d.edges[i]));
    let with_edges: HashSet<&str> = d
        .edges
        .iter()
        .flat_map(|e| [e.from.as_str(), e.to.as_str()])
        .collect();
    let alone = d
        .nodes
        .iter()
        .filter(|n| inside(&n.id) && !with_edges.contains(n.id.as_str()))
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

/// Network zones (the internet, closed networks) hold links, not devices: they stay in the
/// overview and are seen from every site's detail.
fn is_network_zone(group: &str) -> bool {
    group.starts_with("zone:")
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
                kind: "site".to_owned(),
                group: None,
                colour: "#546e7a",
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
    let mut merged: Vec<(Edge, usize)> = Vec::new();
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
                let (edge, count) = &mut merged[k];
                *count += e.flows;
                edge.flows += e.flows;
                // Links of different kinds merged into one edge are drawn plainly.
                if edge.link != e.link {
                    edge.link = None;
                }
            }
            None => {
                at.insert(key, merged.len());
                merged.push((
                    Edge {
                        from: from.clone(),
                        to: to.clone(),
                        label: e.label.clone(),
                        directed: e.directed,
                        link: e.link,
                        flows: e.flows,
                    },
                    e.flows,
                ));
            }
        }
    }
    out.edges = merged
        .into_iter()
        .map(|(mut e, flows)| {
            if flows > 0 {
                e.label = Some(match lang {
                    Lang::Ja => format!("情報流 {flows} 件"),
                    Lang::En => format!("{flows} flows"),
                });
            }
            e
        })
        .collect();
    out
}
