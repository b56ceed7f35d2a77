//! The overall configuration diagram (全体構成図) and one information-flow diagram per phase, as
//! DOT, Mermaid and SVG. The SVG is laid out here (locations as boxes in a grid, assets inside,
//! links as labelled nodes) so the HTML report shows diagrams on a machine with no Graphviz.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;

use sansho_core::vocab::Vocabulary;
use sansho_core::vocab::{ConnectionKind, Phase};
use sansho_core::{Assessment, Lang};

use crate::labels::{self, t};

impl Diagram {
    /// The nodes drawn inside each group, in diagram order.
    pub fn members(&self) -> HashMap<&str, Vec<&Node>> {
        let mut by_group: HashMap<&str, Vec<&Node>> = HashMap::new();
        for n in &self.nodes {
            if let Some(g) = n.group.as_deref() {
                by_group.entry(g).or_default().push(n);
            }
        }
        by_group
    }
}

/// A diagram independent of its notation.
#[derive(Debug, Default)]
pub struct Diagram {
    pub title: String,
    /// Location groups in model order: (id, label).
    pub groups: Vec<(String, String)>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Organisation id → (name, colour), for the legend.
    pub legend: Vec<(String, String, &'static str)>,
}

#[derive(Debug)]
pub struct Node {
    pub id: String,
    pub label: String,
    /// Asset kind, or `link`: what makes two nodes alike when a diagram is summarised.
    pub kind: String,
    /// Group id; `None` for links drawn between groups.
    pub group: Option<String>,
    pub colour: &'static str,
    pub link: Option<ConnectionKind>,
}

#[derive(Debug)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: Option<String>,
    pub directed: bool,
    pub dashed: bool,
}

/// Top-level location of every location (rooms are drawn inside their building).
fn top_locations(a: &Assessment) -> HashMap<&str, &str> {
    let within: HashMap<&str, Option<&str>> = a
        .configuration
        .locations
        .iter()
        .map(|l| (l.id.as_str(), l.within.as_deref()))
        .collect();
    within
        .keys()
        .map(|&start| {
            let mut id = start;
            for _ in 0..8 {
                match within.get(id).copied().flatten() {
                    Some(parent) => id = parent,
                    None => break,
                }
            }
            (start, id)
        })
        .collect()
}

fn top_location<'a>(tops: &HashMap<&'a str, &'a str>, id: &'a str) -> &'a str {
    tops.get(id).copied().unwrap_or(id)
}

fn organization_colours(a: &Assessment) -> BTreeMap<&str, &'static str> {
    a.configuration
        .organizations
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.as_str(), labels::organization_colour(i)))
        .collect()
}

/// An asset drawn in its location group, outlined in its managing organisation's colour.
fn asset_node(
    asset: &sansho_core::result::AssetInfo,
    group: String,
    colours: &BTreeMap<&str, &'static str>,
) -> Node {
    let colour = asset
        .managed_by
        .as_deref()
        .and_then(|o| colours.get(o).copied())
        .unwrap_or("#546e7a");
    Node {
        id: asset.id.clone(),
        label: asset.name.clone(),
        kind: asset.kind.name().to_owned(),
        group: Some(group),
        colour,
        link: None,
    }
}

/// The overall configuration: every location, asset and link (summarised for large models, see
/// [`crate::summarise`]).
pub fn configuration(a: &Assessment, lang: Lang) -> Diagram {
    let colours = organization_colours(a);
    let tops = top_locations(a);
    let mut d = Diagram {
        title: format!("{} — 全体構成図 / configuration", a.system.name),
        ..Diagram::default()
    };
    for l in &a.configuration.locations {
        if l.within.is_none() {
            d.groups.push((l.id.clone(), l.name.clone()));
        }
    }
    for asset in &a.configuration.assets {
        d.nodes.push(asset_node(
            asset,
            top_location(&tops, &asset.location).to_owned(),
            &colours,
        ));
    }
    for c in &a.configuration.connections {
        let id = format!("link:{}", c.id);
        d.nodes.push(Node {
            id: id.clone(),
            label: c.name.clone(),
            kind: "link".to_owned(),
            group: None,
            colour: "#455a64",
            link: Some(c.kind),
        });
        for e in &c.endpoints {
            d.edges.push(Edge {
                from: e.clone(),
                to: id.clone(),
                label: None,
                directed: false,
                dashed: c.kind == ConnectionKind::MediaTransport,
            });
        }
    }
    d.legend = a
        .configuration
        .organizations
        .iter()
        .map(|o| (o.id.clone(), o.name.clone(), colours[o.id.as_str()]))
        .collect();
    crate::summarise::summarise(d, lang)
}

/// The information flows of one phase: assets they touch, and one arrow per hop labelled with
/// the flow ids.
pub fn flows(a: &Assessment, phase: Phase, lang: Lang) -> Diagram {
    let colours = organization_colours(a);
    let mut d = Diagram {
        title: format!(
            "{} — {} {}",
            a.system.name,
            labels::phase(phase, lang),
            t(lang, "フェーズの情報流", "phase flows")
        ),
        ..Diagram::default()
    };
    let tops = top_locations(a);
    let assets: HashSet<&str> = a
        .configuration
        .assets
        .iter()
        .map(|x| x.id.as_str())
        .collect();
    let mut hops: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    let mut used: HashSet<&str> = HashSet::new();
    for flow in a.flows.iter().filter(|f| f.phase == phase) {
        let on_path: Vec<&str> = flow
            .path
            .iter()
            .map(|r| &*r.id)
            .filter(|id| assets.contains(id))
            .collect();
        used.extend(on_path.iter().copied());
        for pair in on_path.windows(2) {
            hops.entry((pair[0], pair[1])).or_default().push(&flow.id);
        }
    }
    let location_names: HashMap<&str, &str> = a
        .configuration
        .locations
        .iter()
        .map(|l| (l.id.as_str(), l.name.as_str()))
        .collect();
    let mut groups_seen: HashSet<&str> = HashSet::new();
    for asset in a
        .configuration
        .assets
        .iter()
        .filter(|x| used.contains(x.id.as_str()))
    {
        let group = top_location(&tops, &asset.location);
        if groups_seen.insert(group) {
            let name = location_names.get(group).copied().unwrap_or(group);
            d.groups.push((group.to_owned(), name.to_owned()));
        }
        d.nodes.push(asset_node(asset, group.to_owned(), &colours));
    }
    for ((from, to), ids) in hops {
        let (from, to) = (from.to_owned(), to.to_owned());
        let label = if ids.len() > 3 {
            format!("{} +{}", ids[..3].join(", "), ids.len() - 3)
        } else {
            ids.join(", ")
        };
        d.edges.push(Edge {
            from,
            to,
            label: Some(label),
            directed: true,
            dashed: false,
        });
    }
    crate::summarise::summarise(d, lang)
}

/// Stroke colour and dash pattern of a link by kind: the open internet red, wireless orange,
/// secure networks green, site LANs grey, media transport dashed.
pub fn link_style(kind: Option<ConnectionKind>) -> (&'static str, Option<&'static str>) {
    match kind {
        Some(ConnectionKind::Internet) => ("#c62828", None),
        Some(ConnectionKind::WirelessLan) => ("#ef6c00", Some("2 3")),
        Some(ConnectionKind::MediaTransport) => ("#6d4c41", Some("6 4")),
        Some(ConnectionKind::Lan) | None => ("#607d8b", None),
        Some(_) => ("#2e7d32", None),
    }
}

fn dot_escape(text: &str) -> String {
    crate::text::visible(text)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ")
}

fn dot_id(id: &str) -> String {
    format!("\"{}\"", dot_escape(id))
}

pub fn render_dot(d: &Diagram) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "digraph sansho {{\n  graph [label=\"{}\", labelloc=t, fontname=\"Noto Sans CJK JP\", rankdir=LR, compound=true];",
        dot_escape(&d.title)
    );
    let _ = writeln!(
        s,
        "  node [fontname=\"Noto Sans CJK JP\", shape=box, style=\"rounded,filled\", fillcolor=white];"
    );
    let _ = writeln!(s, "  edge [fontname=\"Noto Sans CJK JP\", fontsize=9];");
    let members = d.members();
    for (i, (group, label)) in d.groups.iter().enumerate() {
        let _ = writeln!(
            s,
            "  subgraph cluster_{i} {{\n    label=\"{}\"; style=rounded; color=\"#90a4ae\";",
            dot_escape(label)
        );
        for n in members.get(group.as_str()).into_iter().flatten() {
            let _ = writeln!(
                s,
                "    {} [label=\"{}\", color=\"{}\", penwidth=2];",
                dot_id(&n.id),
                dot_escape(&n.label),
                n.colour
            );
        }
        let _ = writeln!(s, "  }}");
    }
    for n in d.nodes.iter().filter(|n| n.group.is_none()) {
        let (colour, dash) = link_style(n.link);
        let style = if dash.is_some() {
            "\"dashed,filled\""
        } else {
            "filled"
        };
        let _ = writeln!(
            s,
            "  {} [label=\"{}\", shape=ellipse, style={style}, color=\"{colour}\", fillcolor=\"#eceff1\"];",
            dot_id(&n.id),
            dot_escape(&n.label)
        );
    }
    for e in &d.edges {
        let mut attrs = Vec::new();
        if !e.directed {
            attrs.push("dir=none".to_owned());
        }
        if e.dashed {
            attrs.push("style=dashed".to_owned());
        }
        if let Some(l) = &e.label {
            attrs.push(format!("label=\"{}\"", dot_escape(l)));
        }
        let _ = writeln!(
            s,
            "  {} -> {} [{}];",
            dot_id(&e.from),
            dot_id(&e.to),
            attrs.join(", ")
        );
    }
    s.push_str("}\n");
    s
}

fn mermaid_id(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Text inside a quoted Mermaid label: Mermaid renders labels as HTML, so markup is written as
/// its entity codes (`#lt;`), never passed through.
fn mermaid_text(text: &str) -> String {
    let text = crate::text::visible(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' | '\t' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

pub fn render_mermaid(d: &Diagram) -> String {
    let mut s = format!(
        "---\ntitle: \"{}\"\n---\nflowchart LR\n",
        mermaid_text(&d.title)
    );
    let members = d.members();
    for (group, label) in &d.groups {
        let _ = writeln!(
            s,
            "  subgraph {}[\"{}\"]",
            mermaid_id(&format!("g_{group}")),
            mermaid_text(label)
        );
        for n in members.get(group.as_str()).into_iter().flatten() {
            let _ = writeln!(
                s,
                "    {}[\"{}\"]",
                mermaid_id(&n.id),
                mermaid_text(&n.label)
            );
        }
        let _ = writeln!(s, "  end");
    }
    for n in d.nodes.iter().filter(|n| n.group.is_none()) {
        let _ = writeln!(
            s,
            "  {}([\"{}\"])",
            mermaid_id(&n.id),
            mermaid_text(&n.label)
        );
    }
    for e in &d.edges {
        let arrow = match (e.directed, e.dashed) {
            (true, _) => "-->",
            (false, true) => "-.-",
            (false, false) => "---",
        };
        match &e.label {
            Some(l) => {
                let _ = writeln!(
                    s,
                    "  {} {arrow}|\"{}\"| {}",
                    mermaid_id(&e.from),
                    mermaid_text(l),
                    mermaid_id(&e.to)
                );
            }
            None => {
                let _ = writeln!(s, "  {} {arrow} {}", mermaid_id(&e.from), mermaid_id(&e.to));
            }
        }
    }
    for n in d.nodes.iter().filter(|n| n.group.is_some()) {
        let _ = writeln!(
            s,
            "  style {} stroke:{},stroke-width:2px",
            mermaid_id(&n.id),
            n.colour
        );
    }
    s
}

/// Text escaped for XML; characters XML 1.0 forbids even as references (most C0 controls,
/// U+FFFE, U+FFFF) become U+FFFD, so the SVG stays well-formed whatever the result holds.
fn xml(text: &str) -> String {
    let text = crate::text::visible(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

/// Width of a label in pixels at 12 px: CJK characters count double.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 7.0 } else { 12.5 })
        .sum()
}

fn truncate(text: &str, max_px: f64) -> String {
    let mut out = String::new();
    let mut width = 0.0;
    for c in text.chars() {
        let w = if c.is_ascii() { 7.0 } else { 12.5 };
        if width + w > max_px - 12.0 {
            out.push('…');
            return out;
        }
        width += w;
        out.push(c);
    }
    out
}

/// Renders the diagram as a standalone SVG.
pub fn render_svg(d: &Diagram) -> String {
    const NODE_W: f64 = 190.0;
    const NODE_H: f64 = 30.0;
    const GAP: f64 = 10.0;
    const PAD: f64 = 14.0;
    const HEADER: f64 = 26.0;
    let columns = (d.groups.len() as f64).sqrt().ceil().max(1.0) as usize;
    let mut positions: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    let mut boxes = Vec::new();
    let (mut x, mut y, mut row_height) = (20.0, 50.0, 0.0f64);
    let group_width = NODE_W + 2.0 * PAD;
    let column_gap = 150.0;
    let members = d.members();
    for (i, (group, label)) in d.groups.iter().enumerate() {
        if i > 0 && i % columns == 0 {
            x = 20.0;
            y += row_height + 60.0;
            row_height = 0.0;
        }
        let members: Vec<&Node> = members.get(group.as_str()).cloned().unwrap_or_default();
        let height = HEADER + PAD + members.len() as f64 * (NODE_H + GAP);
        for (k, n) in members.iter().enumerate() {
            positions.insert(
                &n.id,
                (
                    x + PAD + NODE_W / 2.0,
                    y + HEADER + k as f64 * (NODE_H + GAP) + NODE_H / 2.0,
                ),
            );
        }
        boxes.push((x, y, group_width, height, label.clone(), members));
        row_height = row_height.max(height);
        x += group_width + column_gap;
    }
    // Links sit at the centre of the assets they join, nudged apart when they coincide.
    let mut link_nodes = Vec::new();
    let mut taken: Vec<(f64, f64)> = Vec::new();
    let mut sources: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &d.edges {
        sources
            .entry(e.to.as_str())
            .or_default()
            .push(e.from.as_str());
    }
    for n in d.nodes.iter().filter(|n| n.group.is_none()) {
        let ends: Vec<(f64, f64)> = sources
            .get(n.id.as_str())
            .into_iter()
            .flatten()
            .filter_map(|from| positions.get(from).copied())
            .collect();
        if ends.is_empty() {
            continue;
        }
        let mut cx = ends.iter().map(|p| p.0).sum::<f64>() / ends.len() as f64;
        let mut cy = ends.iter().map(|p| p.1).sum::<f64>() / ends.len() as f64;
        // A link never sits on a location box: it moves to the gap right of the box it falls in
        // (links inside one site end up beside that site).
        if let Some((bx, _, bw, _, _, _)) = boxes
            .iter()
            .find(|(bx, by, bw, bh, _, _)| cx >= *bx && cx <= bx + bw && cy >= *by && cy <= by + bh)
        {
            cx = bx + bw + column_gap / 2.0;
        }
        while taken
            .iter()
            .any(|(tx, ty)| (tx - cx).abs() < 120.0 && (ty - cy).abs() < 22.0)
        {
            cy += 24.0;
        }
        taken.push((cx, cy));
        positions.insert(&n.id, (cx, cy));
        link_nodes.push((cx, cy, n));
    }
    let width = positions
        .values()
        .map(|p| p.0)
        .fold(0.0, f64::max)
        .max(20.0 + columns as f64 * (group_width + column_gap))
        + 140.0;
    let link_legend: Vec<(ConnectionKind, &str)> = [
        (ConnectionKind::Internet, "インターネット / internet"),
        (
            ConnectionKind::IpsecVpn,
            "セキュアなネットワーク / secure network",
        ),
        (ConnectionKind::WirelessLan, "無線 LAN / wireless LAN"),
        (ConnectionKind::Lan, "LAN"),
        (ConnectionKind::MediaTransport, "媒体搬送 / media transport"),
    ]
    .into_iter()
    .filter(|(kind, _)| {
        d.nodes
            .iter()
            .any(|n| n.link.is_some() && link_style(n.link) == link_style(Some(*kind)))
    })
    .collect();
    let legend_rows = d.legend.len() + link_legend.len();
    let height = boxes
        .iter()
        .map(|b| b.1 + b.3)
        .fold(0.0, f64::max)
        .max(positions.values().map(|p| p.1).fold(0.0, f64::max))
        + 60.0
        + 20.0 * legend_rows as f64;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" font-family="'Noto Sans CJK JP','IPAexGothic','Hiragino Sans','Yu Gothic',sans-serif" font-size="12" role="img" aria-label="{}">"##,
        xml(&d.title)
    );
    let _ = writeln!(
        s,
        r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#455a64"/></marker></defs>"##
    );
    let _ = writeln!(
        s,
        r##"<text x="20" y="28" font-size="16" font-weight="bold">{}</text>"##,
        xml(&d.title)
    );
    for (bx, by, bw, bh, label, _) in &boxes {
        let _ = writeln!(
            s,
            r##"<g class="location"><rect x="{bx:.0}" y="{by:.0}" width="{bw:.0}" height="{bh:.0}" rx="8" fill="#f5f7f8" stroke="#90a4ae"/><text x="{:.0}" y="{:.0}" font-weight="bold">{}</text></g>"##,
            bx + 10.0,
            by + 18.0,
            xml(&truncate(label, *bw))
        );
    }
    for e in &d.edges {
        let (Some(a), Some(b)) = (positions.get(e.from.as_str()), positions.get(e.to.as_str()))
        else {
            continue;
        };
        let kind = d
            .nodes
            .iter()
            .find(|n| n.id == e.to && n.group.is_none())
            .and_then(|n| n.link);
        let colour = if e.directed {
            "#455a64"
        } else {
            link_style(kind).0
        };
        let dash = if e.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let marker = if e.directed {
            r#" marker-end="url(#arrow)""#
        } else {
            ""
        };
        let _ = writeln!(
            s,
            r##"<line class="edge" x1="{:.0}" y1="{:.0}" x2="{:.0}" y2="{:.0}" stroke="{colour}" stroke-opacity="0.8" stroke-width="1.2"{dash}{marker}/>"##,
            a.0, a.1, b.0, b.1
        );
        if let Some(l) = &e.label {
            let _ = writeln!(
                s,
                r##"<text x="{:.0}" y="{:.0}" font-size="10" fill="#37474f" text-anchor="middle">{}</text>"##,
                (a.0 + b.0) / 2.0,
                (a.1 + b.1) / 2.0 - 4.0,
                xml(l)
            );
        }
    }
    for (_, _, _, _, _, members) in &boxes {
        for n in members {
            let (cx, cy) = positions[n.id.as_str()];
            let _ = writeln!(
                s,
                r##"<g class="asset" data-id="{}"><rect x="{:.0}" y="{:.0}" width="{NODE_W:.0}" height="{NODE_H:.0}" rx="5" fill="#ffffff" stroke="{}" stroke-width="2"/><text x="{:.0}" y="{:.0}" text-anchor="middle">{}</text></g>"##,
                xml(&n.id),
                cx - NODE_W / 2.0,
                cy - NODE_H / 2.0,
                n.colour,
                cx,
                cy + 4.0,
                xml(&truncate(&n.label, NODE_W))
            );
        }
    }
    for (cx, cy, n) in &link_nodes {
        let w = text_width(&n.label).min(220.0) + 16.0;
        let (colour, dash) = link_style(n.link);
        let dash = dash.map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
        let _ = writeln!(
            s,
            r##"<g class="link" data-id="{}"><rect x="{:.0}" y="{:.0}" width="{w:.0}" height="20" rx="10" fill="#eceff1" stroke="{colour}" stroke-width="1.5"{dash}/><text x="{:.0}" y="{:.0}" text-anchor="middle" font-size="11">{}</text></g>"##,
            xml(&n.id),
            cx - w / 2.0,
            cy - 10.0,
            cx,
            cy + 4.0,
            xml(&truncate(&n.label, 236.0))
        );
    }
    let mut ly = height - 20.0 * legend_rows as f64 - 10.0;
    for (kind, name) in &link_legend {
        let (colour, dash) = link_style(Some(*kind));
        let dash = dash.map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
        let _ = writeln!(
            s,
            r##"<g class="legend"><line x1="20" y1="{:.0}" x2="34" y2="{:.0}" stroke="{colour}" stroke-width="3"{dash}/><text x="42" y="{:.0}">{name}</text></g>"##,
            ly + 7.0,
            ly + 7.0,
            ly + 12.0
        );
        ly += 20.0;
    }
    for (_, name, colour) in &d.legend {
        let _ = writeln!(
            s,
            r##"<g class="legend"><rect x="20" y="{:.0}" width="14" height="14" fill="#fff" stroke="{colour}" stroke-width="3"/><text x="42" y="{:.0}">{}</text></g>"##,
            ly,
            ly + 12.0,
            xml(name)
        );
        ly += 20.0;
    }
    s.push_str("</svg>\n");
    s
}

pub fn write_svg(d: &Diagram, _lang: Lang, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(render_svg(d).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_labels_cannot_carry_markup() {
        let label = mermaid_text("<img src=x onerror=alert(1)> & `md` #quot; \"q\"\nnext");
        assert!(!label.contains(['<', '>', '`', '"', '\n']), "{label}");
        assert_eq!(
            label,
            "#lt;img src=x onerror=alert(1)#gt; #amp; #96;md#96; #35;quot; #quot;q#quot; next"
        );
    }

    #[test]
    fn xml_text_escapes_markup_and_replaces_what_xml_forbids() {
        assert_eq!(
            xml("a<b>&\"c\u{1b}[31m\u{0}\tend\u{ffff}"),
            "a&lt;b&gt;&amp;&quot;c[U+001B][31m[U+0000]\tend\u{fffd}"
        );
    }
}
