//! Diagrams of large models, made readable. A regional network of ten thousand clinics is ten
//! thousand copies of one layout: locations whose assets and links have the same kinds, owners
//! and connections are drawn once, labelled with how many they stand for; inside a location,
//! assets that play the same part (five identical terminals) become one node with a count; the
//! edges they shared become one edge with a count. Small diagrams are left as they are.

use std::collections::HashMap;

use sansho_core::Lang;
use sansho_core::vocab::ConnectionKind;

use crate::diagram::{Diagram, Edge, Node};
use crate::labels::t;

/// Diagrams with more nodes than this are summarised.
pub const MAX_NODES: usize = 150;

/// Summarises `d` when it has more than [`MAX_NODES`] nodes; otherwise returns it unchanged.
pub fn summarise(d: Diagram, lang: Lang) -> Diagram {
    if d.nodes.len() <= MAX_NODES {
        return d;
    }
    let graph = Graph::new(&d);
    // Pass 1: locations with the same layout → the first of them.
    let (group_rep, class_size) = graph.repeated_groups();
    let mut node_rep: Vec<usize> = (0..d.nodes.len()).collect();
    for (g, members) in graph.members.iter().enumerate() {
        let rep = group_rep[g];
        if rep != g {
            for (k, &node) in members.iter().enumerate() {
                node_rep[node] = graph.members[rep][k];
            }
        }
    }
    // Pass 2: inside each kept location, nodes with the same part → the first of them.
    let mut copies = vec![0usize; d.nodes.len()];
    for (g, members) in graph.members.iter().enumerate() {
        if group_rep[g] != g {
            continue;
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for &node in members {
            let part = graph.describe(node, |j| node_rep[j], true);
            let first = *seen.entry(part).or_insert(node);
            node_rep[node] = first;
        }
    }
    let resolve = |mut i: usize| {
        while node_rep[i] != i {
            i = node_rep[i];
        }
        i
    };
    for i in 0..d.nodes.len() {
        // Count only nodes of kept locations: copies in other locations are in the location count.
        if graph.home[i].is_none_or(|g| group_rep[g] == g) {
            copies[resolve(i)] += 1;
        }
    }

    let mut out = Diagram {
        title: d.title.clone(),
        legend: d.legend.clone(),
        ..Diagram::default()
    };
    for (g, (id, label)) in d.groups.iter().enumerate() {
        if group_rep[g] != g {
            continue;
        }
        let more = class_size[g] - 1;
        let label = if more == 0 {
            label.clone()
        } else {
            format!(
                "{label} {}",
                match lang {
                    Lang::Ja => format!("ほか {more} 拠点 (同じ構成)"),
                    Lang::En => format!("and {more} more with the same layout"),
                }
            )
        };
        out.groups.push((id.clone(), label));
    }
    let mut kept_index: HashMap<usize, String> = HashMap::new();
    for (i, node) in d.nodes.iter().enumerate() {
        if resolve(i) != i || graph.home[i].is_some_and(|g| group_rep[g] != g) {
            continue;
        }
        let more = copies[i].saturating_sub(1);
        let label = if more == 0 {
            node.label.clone()
        } else {
            format!("{} {}", node.label, t(lang, "ほか", "and"))
                + &match lang {
                    Lang::Ja => format!(" {more} 件"),
                    Lang::En => format!(" {more} more"),
                }
        };
        kept_index.insert(i, node.id.clone());
        out.nodes.push(Node {
            id: node.id.clone(),
            label,
            kind: node.kind.clone(),
            group: node.group.clone(),
            colour: node.colour,
            link: node.link,
        });
    }
    // Edges between kept nodes, merged with a count of the edges each stands for.
    let mut merged: Vec<(Edge, usize)> = Vec::new();
    let mut at: HashMap<(usize, usize, bool, Option<ConnectionKind>), usize> = HashMap::new();
    for e in &d.edges {
        let (Some(&from), Some(&to)) = (
            graph.index.get(e.from.as_str()),
            graph.index.get(e.to.as_str()),
        ) else {
            continue;
        };
        let (from, to) = (resolve(from), resolve(to));
        if from == to || !kept_index.contains_key(&from) || !kept_index.contains_key(&to) {
            continue;
        }
        let key = (from, to, e.directed, e.link);
        match at.get(&key) {
            Some(&k) => {
                merged[k].1 += 1;
                merged[k].0.flows += e.flows;
            }
            None => {
                at.insert(key, merged.len());
                merged.push((
                    Edge {
                        from: kept_index[&from].clone(),
                        to: kept_index[&to].clone(),
                        label: e.label.clone(),
                        directed: e.directed,
                        link: e.link,
                        flows: e.flows,
                    },
                    1,
                ));
            }
        }
    }
    out.edges = merged
        .into_iter()
        .map(|(mut e, count)| {
            if count > 1 {
                e.label = Some(match e.label.take() {
                    Some(l) => format!("{l} (×{count})"),
                    None => format!("×{count}"),
                });
            }
            e
        })
        .collect();
    out
}

/// The diagram as a graph: neighbours, and the location each node belongs to.
struct Graph<'a> {
    d: &'a Diagram,
    index: HashMap<&'a str, usize>,
    neighbours: Vec<Vec<usize>>,
    /// Location of each node; a link all of whose ends lie in one location belongs to it too
    /// (a clinic's LAN is part of the clinic's layout).
    home: Vec<Option<usize>>,
    /// Nodes of each location, in diagram order.
    members: Vec<Vec<usize>>,
    /// Position of each node among its location's members.
    position: Vec<usize>,
}

impl<'a> Graph<'a> {
    fn new(d: &'a Diagram) -> Graph<'a> {
        let index: HashMap<&str, usize> = d
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.as_str(), i))
            .collect();
        let mut neighbours = vec![Vec::new(); d.nodes.len()];
        for e in &d.edges {
            if let (Some(&a), Some(&b)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) {
                neighbours[a].push(b);
                neighbours[b].push(a);
            }
        }
        let group_index: HashMap<&str, usize> = d
            .groups
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.as_str(), i))
            .collect();
        let mut home: Vec<Option<usize>> = d
            .nodes
            .iter()
            .map(|n| n.group.as_deref().and_then(|g| group_index.get(g).copied()))
            .collect();
        for i in 0..d.nodes.len() {
            if home[i].is_some() || neighbours[i].is_empty() {
                continue;
            }
            let first = home[neighbours[i][0]];
            if first.is_some() && neighbours[i].iter().all(|&j| home[j] == first) {
                home[i] = first;
            }
        }
        let mut members = vec![Vec::new(); d.groups.len()];
        let mut position = vec![0; d.nodes.len()];
        for (i, h) in home.iter().enumerate() {
            if let Some(g) = *h {
                position[i] = members[g].len();
                members[g].push(i);
            }
        }
        Graph {
            d,
            index,
            neighbours,
            home,
            members,
            position,
        }
    }

    /// What a node is and how it connects: its kind, owner colour and link kind; its neighbours
    /// outside its location by id (through `rep`), inside by position — or, with `by_id`, by the
    /// id of their representative.
    fn describe(&self, i: usize, rep: impl Fn(usize) -> usize, by_id: bool) -> String {
        let n = &self.d.nodes[i];
        let mut outside: Vec<&str> = Vec::new();
        let mut inside: Vec<String> = Vec::new();
        for &j in &self.neighbours[i] {
            if self.home[j].is_some() && self.home[j] == self.home[i] {
                inside.push(if by_id {
                    self.d.nodes[rep(j)].id.clone()
                } else {
                    self.position[j].to_string()
                });
            } else {
                outside.push(&self.d.nodes[rep(j)].id);
            }
        }
        outside.sort_unstable();
        outside.dedup();
        inside.sort_unstable();
        inside.dedup();
        format!(
            "{}|{}|{:?}|{}|{}",
            n.kind,
            n.colour,
            n.link,
            outside.join(","),
            inside.join(",")
        )
    }

    /// For each location, the first location with the same layout (itself if none came before),
    /// and how many locations share its layout.
    fn repeated_groups(&self) -> (Vec<usize>, Vec<usize>) {
        let mut first: HashMap<String, usize> = HashMap::new();
        let mut rep = Vec::with_capacity(self.members.len());
        let mut size = vec![0; self.members.len()];
        for (g, members) in self.members.iter().enumerate() {
            let layout: Vec<String> = members
                .iter()
                .map(|&i| self.describe(i, |j| j, false))
                .collect();
            let layout = layout.join("\n");
            // An empty location has no layout to share.
            let r = if members.is_empty() {
                g
            } else {
                *first.entry(layout).or_insert(g)
            };
            rep.push(r);
            size[r] += 1;
        }
        (rep, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, kind: &str, group: Option<&str>) -> Node {
        Node {
            id: id.into(),
            label: id.into(),
            kind: kind.into(),
            group: group.map(Into::into),
            colour: "#000",
            link: None,
        }
    }

    fn edge(from: &str, to: &str) -> Edge {
        Edge {
            from: from.into(),
            to: to.into(),
            label: None,
            directed: false,
            link: None,
            flows: 0,
        }
    }

    /// `sites` clinics of `terminals` terminals on a LAN, all reaching one server over one link.
    fn network(sites: usize, terminals: usize) -> Diagram {
        let mut d = Diagram {
            groups: vec![("dc".into(), "DC".into())],
            nodes: vec![
                node("server", "server", Some("dc")),
                node("wan", "link", None),
            ],
            edges: vec![edge("server", "wan")],
            ..Diagram::default()
        };
        for s in 0..sites {
            let g = format!("site-{s}");
            d.groups.push((g.clone(), format!("Site {s}")));
            d.nodes.push(node(&format!("{g}-lan"), "link", None));
            for k in 0..terminals {
                let id = format!("{g}-t{k}");
                d.nodes.push(node(&id, "terminal", Some(&g)));
                d.edges.push(edge(&id, &format!("{g}-lan")));
                d.edges.push(edge(&id, "wan"));
            }
        }
        d
    }

    #[test]
    fn small_diagrams_are_unchanged() {
        let d = network(3, 2);
        let nodes = d.nodes.len();
        assert_eq!(summarise(d, Lang::En).nodes.len(), nodes);
    }

    #[test]
    fn repeated_sites_and_parts_are_drawn_once_with_counts() {
        let d = summarise(network(1000, 5), Lang::En);
        assert_eq!(d.groups.len(), 2, "the data centre and one site for all");
        assert_eq!(d.groups[1].1, "Site 0 and 999 more with the same layout");
        let ids: Vec<&str> = d.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["server", "wan", "site-0-lan", "site-0-t0"]);
        assert_eq!(d.nodes[3].label, "site-0-t0 and 4 more");
        let to_wan = d
            .edges
            .iter()
            .find(|e| e.from == "site-0-t0" && e.to == "wan");
        assert_eq!(
            to_wan.and_then(|e| e.label.as_deref()),
            Some("×5000"),
            "one edge stands for every terminal's link"
        );
    }

    #[test]
    fn a_site_with_another_layout_stays_apart() {
        let mut d = network(200, 5);
        // Site 7 also has a server of its own.
        d.nodes.push(node("site-7-nas", "server", Some("site-7")));
        d.edges.push(edge("site-7-nas", "site-7-lan"));
        let d = summarise(d, Lang::Ja);
        let labels: Vec<&str> = d.groups.iter().map(|g| g.1.as_str()).collect();
        assert_eq!(labels, ["DC", "Site 0 ほか 198 拠点 (同じ構成)", "Site 7"]);
        assert!(d.nodes.iter().any(|n| n.id == "site-7-nas"));
    }
}
