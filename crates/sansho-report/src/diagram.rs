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
use crate::layout::{self, Rect};

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

#[derive(Clone, Debug)]
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

#[derive(Clone, Debug)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// Its text; a line break starts a new line in SVG and DOT, a space elsewhere.
    pub label: Option<String>,
    pub directed: bool,
    /// The kind of link it is part of, which decides its colour and dash.
    pub link: Option<ConnectionKind>,
    /// How many information flows it stands for (0 in the configuration diagram).
    pub flows: usize,
}

impl Edge {
    pub fn dashed(&self) -> bool {
        self.link == Some(ConnectionKind::MediaTransport)
    }
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
        .unwrap_or(NEUTRAL_COLOUR);
    Node {
        id: asset.id.clone(),
        label: asset.name.clone(),
        kind: asset.kind.name().to_owned(),
        group: Some(group),
        colour,
        link: None,
    }
}

/// Group id of the zone holding the internet links, and of the one holding closed networks,
/// leased lines and VPNs. Location ids cannot contain `:`.
const INTERNET_ZONE: &str = "zone:internet";
const SECURE_ZONE: &str = "zone:secure";

/// Whether a group is a network zone (the internet, closed networks), which holds links, not
/// devices.
pub(crate) fn is_network_zone(group: &str) -> bool {
    group.starts_with("zone:")
}

/// Outline of a box no organisation manages, and of a site drawn as one box.
pub(crate) const NEUTRAL_COLOUR: &str = "#546e7a";

/// Node kind of a whole site drawn as one box (an overview's).
pub(crate) const SITE_KIND: &str = "site";

/// Whether a connection crosses between sites (drawn in a network zone) rather than inside one.
fn wide_area(kind: ConnectionKind) -> bool {
    kind == ConnectionKind::Internet || kind.is_secure_network()
}

/// For each (asset, connection), how many more flows go from the asset into the connection
/// than come out of it into the asset. The configuration has no direction of its own; the
/// flows give it one, so that a layered drawing runs the way the information does.
fn flow_directions(a: &Assessment) -> HashMap<(&str, &str), i64> {
    let links: HashSet<&str> = a
        .configuration
        .connections
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let mut votes: HashMap<(&str, &str), i64> = HashMap::new();
    for flow in &a.flows {
        for pair in flow.path.windows(2) {
            let (x, y) = (&*pair[0].id, &*pair[1].id);
            match (links.contains(x), links.contains(y)) {
                (false, true) => *votes.entry((x, y)).or_default() += 1,
                (true, false) => *votes.entry((y, x)).or_default() -= 1,
                _ => {}
            }
        }
    }
    votes
}

/// The overall configuration: every location and network zone, every asset, and every link.
/// A link between two assets of a site is a labelled edge; a network with more members, and
/// every internet or closed-network link, is a node of its own inside its site or zone.
/// Summarised for large models, see [`crate::summarise`].
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
    let mut asset_top: HashMap<&str, &str> = HashMap::new();
    for asset in &a.configuration.assets {
        let top = top_location(&tops, &asset.location);
        asset_top.insert(&asset.id, top);
        d.nodes.push(asset_node(asset, top.to_owned(), &colours));
    }
    let votes = flow_directions(a);
    let (mut internet, mut secure) = (false, false);
    for c in &a.configuration.connections {
        let ends: Vec<&str> = c
            .endpoints
            .iter()
            .map(String::as_str)
            .filter(|e| asset_top.contains_key(e))
            .collect();
        let home = ends
            .first()
            .map(|e| asset_top[e])
            .filter(|first| ends.iter().all(|e| asset_top[e] == *first));
        let vote = |end: &str| votes.get(&(end, c.id.as_str())).copied().unwrap_or(0);
        if ends.len() == 2 && !wide_area(c.kind) {
            let (x, y) = if vote(ends[0]) >= vote(ends[1]) {
                (ends[0], ends[1])
            } else {
                (ends[1], ends[0])
            };
            d.edges.push(Edge {
                from: x.to_owned(),
                to: y.to_owned(),
                label: Some(c.name.clone()),
                directed: false,
                link: Some(c.kind),
                flows: 0,
            });
            continue;
        }
        let group = match home {
            Some(site) => Some(site.to_owned()),
            None if c.kind == ConnectionKind::Internet => {
                internet = true;
                Some(INTERNET_ZONE.to_owned())
            }
            None if c.kind.is_secure_network() => {
                secure = true;
                Some(SECURE_ZONE.to_owned())
            }
            None => None,
        };
        let id = format!("link:{}", c.id);
        d.nodes.push(Node {
            id: id.clone(),
            label: c.name.clone(),
            kind: "link".to_owned(),
            group,
            colour: link_style(Some(c.kind)).0,
            link: Some(c.kind),
        });
        for (k, e) in ends.iter().enumerate() {
            // Into the link if flows go that way (or, with no flow, for its first endpoint).
            let inward = match vote(e) {
                0 => k == 0,
                v => v > 0,
            };
            let (from, to) = if inward {
                ((*e).to_owned(), id.clone())
            } else {
                (id.clone(), (*e).to_owned())
            };
            d.edges.push(Edge {
                from,
                to,
                label: None,
                directed: false,
                link: Some(c.kind),
                flows: 0,
            });
        }
    }
    if internet {
        d.groups.push((
            INTERNET_ZONE.to_owned(),
            t(lang, "インターネット", "Internet").to_owned(),
        ));
    }
    if secure {
        d.groups.push((
            SECURE_ZONE.to_owned(),
            t(
                lang,
                "閉域網・専用線・VPN",
                "Closed networks, leased lines and VPNs",
            )
            .to_owned(),
        ));
    }
    d.legend = a
        .configuration
        .organizations
        .iter()
        .map(|o| (o.id.clone(), o.name.clone(), colours[o.id.as_str()]))
        .collect();
    crate::summarise::summarise(d, lang)
}

/// Flows between one pair of assets drawn each as an edge of its own; more than this become one
/// edge that counts them.
const FLOWS_PER_PAIR: usize = 3;

/// Who does it and on what information, for a flow's edge: its id, then 「医療事務: 患者基本情報」.
fn flow_label(flow: &sansho_core::result::FlowResult, lang: Lang) -> String {
    let who = if flow.who.is_empty() {
        t(lang, "（自動処理）", "(automatic)").to_owned()
    } else {
        flow.who
            .iter()
            .map(|r| &*r.name)
            .collect::<Vec<_>>()
            .join(t(lang, "・", ", "))
    };
    let mut what = flow
        .what
        .iter()
        .take(2)
        .map(|r| &*r.name)
        .collect::<Vec<_>>()
        .join(t(lang, "、", ", "));
    if flow.what.len() > 2 {
        let more = flow.what.len() - 2;
        what.push_str(&match lang {
            Lang::Ja => format!(" ほか {more} 件"),
            Lang::En => format!(" and {more} more"),
        });
    }
    format!("{}\n{who}: {what}", flow.id)
}

/// The information flows of one phase: one arrow per flow, from the asset where it starts to
/// the asset where it ends, labelled with the flow, who does it and what information it
/// carries. The route between them is the configuration diagram's.
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
    let mut pairs: BTreeMap<(&str, &str), Vec<&sansho_core::result::FlowResult>> = BTreeMap::new();
    let mut used: HashSet<&str> = HashSet::new();
    for flow in a.flows.iter().filter(|f| f.phase == phase) {
        let mut on_path = flow
            .path
            .iter()
            .map(|r| &*r.id)
            .filter(|id| assets.contains(id));
        let Some(first) = on_path.next() else {
            continue;
        };
        let last = on_path.next_back().unwrap_or(first);
        used.insert(first);
        used.insert(last);
        pairs.entry((first, last)).or_default().push(flow);
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
    for ((from, to), flows) in pairs {
        let edge = |label: String, flows: usize| Edge {
            from: from.to_owned(),
            to: to.to_owned(),
            label: Some(label),
            directed: true,
            link: None,
            flows,
        };
        for flow in flows.iter().take(FLOWS_PER_PAIR) {
            d.edges.push(edge(flow_label(flow, lang), 1));
        }
        if flows.len() > FLOWS_PER_PAIR {
            let rest: Vec<&str> = flows[FLOWS_PER_PAIR..]
                .iter()
                .map(|f| f.id.as_str())
                .collect();
            let shown = rest.iter().take(4).copied().collect::<Vec<_>>().join(", ");
            let tail = if rest.len() > 4 { ", …" } else { "" };
            d.edges.push(edge(
                match lang {
                    Lang::Ja => format!("ほか {} 件の情報流\n{shown}{tail}", rest.len()),
                    Lang::En => format!("{} more flows\n{shown}{tail}", rest.len()),
                },
                rest.len(),
            ));
        }
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
        .replace('\r', "")
        .replace('\n', "\\n")
}

fn dot_id(id: &str) -> String {
    format!("\"{}\"", dot_escape(id))
}

/// An asset as a box outlined in its organisation's colour; a link as an ellipse in its kind's.
fn dot_node(s: &mut String, n: &Node, indent: &str) {
    if n.link.is_some() {
        let (colour, dash) = link_style(n.link);
        let style = if dash.is_some() {
            "\"dashed,filled\""
        } else {
            "filled"
        };
        let _ = writeln!(
            s,
            "{indent}{} [label=\"{}\", shape=ellipse, style={style}, color=\"{colour}\", fillcolor=\"#eceff1\"];",
            dot_id(&n.id),
            dot_escape(&n.label)
        );
    } else {
        let _ = writeln!(
            s,
            "{indent}{} [label=\"{}\", color=\"{}\", penwidth=2];",
            dot_id(&n.id),
            dot_escape(&n.label),
            n.colour
        );
    }
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
            dot_node(&mut s, n, "    ");
        }
        let _ = writeln!(s, "  }}");
    }
    for n in d.nodes.iter().filter(|n| n.group.is_none()) {
        dot_node(&mut s, n, "  ");
    }
    for e in &d.edges {
        let mut attrs = Vec::new();
        if !e.directed {
            attrs.push("dir=none".to_owned());
        }
        if e.dashed() {
            attrs.push("style=dashed".to_owned());
        }
        if e.link.is_some() {
            attrs.push(format!("color=\"{}\"", link_style(e.link).0));
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

/// An asset as a box, a link as a stadium.
fn mermaid_node(s: &mut String, n: &Node, indent: &str) {
    let (open, close) = if n.link.is_some() {
        ("([", "])")
    } else {
        ("[", "]")
    };
    let _ = writeln!(
        s,
        "{indent}{}{open}\"{}\"{close}",
        mermaid_id(&n.id),
        mermaid_text(&n.label)
    );
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
            mermaid_node(&mut s, n, "    ");
        }
        let _ = writeln!(s, "  end");
    }
    for n in d.nodes.iter().filter(|n| n.group.is_none()) {
        mermaid_node(&mut s, n, "  ");
    }
    for e in &d.edges {
        let arrow = match (e.directed, e.dashed()) {
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
    for n in d.nodes.iter().filter(|n| n.link.is_none()) {
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

/// The `<text>` lines of a box, centred in it (`size` px font, `line` px apart).
fn svg_lines(s: &mut String, rect: &Rect, lines: &[String], size: f64, line: f64, attrs: &str) {
    let cx = rect.x + rect.w / 2.0;
    let top = rect.y + (rect.h - lines.len() as f64 * line) / 2.0;
    for (i, text) in lines.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="{cx:.1}" y="{:.1}" text-anchor="middle" font-size="{size}"{attrs}>{}</text>"##,
            top + (i as f64 + 1.0) * line - (line - size) / 2.0 - 2.0,
            xml(text)
        );
    }
}

/// Fill and outline of a cluster: locations grey, the internet zone red, closed networks green.
fn cluster_style(id: &str) -> (&'static str, &'static str, &'static str) {
    match id {
        INTERNET_ZONE => ("#fdf1f0", "#c62828", r#" stroke-dasharray="5 3""#),
        SECURE_ZONE => ("#eef6ee", "#2e7d32", r#" stroke-dasharray="5 3""#),
        _ => ("#f5f7f8", "#90a4ae", ""),
    }
}

/// What is drawn around the layout: the title above it, the legend and any note below it, and
/// the size of the whole drawing. The legend runs in as many columns as the drawing is wide.
struct Frame<'d> {
    link_legend: Vec<(ConnectionKind, &'static str)>,
    /// The organisations whose colour outlines a node of this diagram: (name, colour).
    organisations: Vec<(&'d str, &'static str)>,
    note: Option<&'static str>,
    title_lines: Vec<String>,
    title_height: f64,
    legend_column_width: f64,
    legend_rows: usize,
    width: f64,
    height: f64,
}

/// Height of one legend row.
const LEGEND_ROW: f64 = 20.0;

fn frame<'d>(d: &'d Diagram, layout: &layout::Layout<'_>) -> Frame<'d> {
    let link_legend: Vec<(ConnectionKind, &str)> = [
        (ConnectionKind::Internet, "インターネット / internet"),
        (
            ConnectionKind::IpsecVpn,
            "閉域網・専用線・VPN / closed network, leased line, VPN",
        ),
        (ConnectionKind::WirelessLan, "無線 LAN / wireless LAN"),
        (ConnectionKind::Lan, "LAN"),
        (ConnectionKind::MediaTransport, "媒体搬送 / media transport"),
    ]
    .into_iter()
    .filter(|(kind, _)| {
        let style = link_style(Some(*kind));
        d.nodes
            .iter()
            .any(|n| n.link.is_some() && link_style(n.link) == style)
            || d.edges
                .iter()
                .any(|e| e.link.is_some() && link_style(e.link) == style)
    })
    .collect();
    let organisations: Vec<(&str, &'static str)> = d
        .legend
        .iter()
        // Links are coloured by kind, and a site drawn as one box is neutral: only devices
        // carry an organisation's colour.
        .filter(|(_, _, colour)| {
            d.nodes
                .iter()
                .any(|n| n.link.is_none() && n.kind != SITE_KIND && n.colour == *colour)
        })
        .map(|(_, name, colour)| (name.as_str(), *colour))
        .collect();
    let note = match layout.omitted {
        layout::Omitted::Nothing => None,
        layout::Omitted::EdgeLabels => Some(
            "図が大きいため線のラベルを省略しています / edge labels left out: the diagram is too large",
        ),
        layout::Omitted::Edges => {
            Some("図が大きいため線を省略しています / edges left out: the diagram is too large")
        }
    };
    let title_lines = layout::wrap(&d.title, (layout.width - 40.0).max(560.0), 16.0);
    let title_height = title_lines.len() as f64 * 22.0;
    // Swatch, gap and text, and space before the next column.
    let legend_column_width = link_legend
        .iter()
        .map(|(_, name)| layout::text_width(name, 12.0))
        .chain(
            organisations
                .iter()
                .map(|(name, _)| layout::text_width(name, 12.0)),
        )
        .fold(0.0, f64::max)
        + 42.0
        + 24.0;
    let items = link_legend.len() + organisations.len();
    let columns =
        (((layout.width - 20.0) / legend_column_width).floor() as usize).clamp(1, items.max(1));
    // Rows of swatches; the note, if any, takes one more below them.
    let legend_rows = items.div_ceil(columns);
    let legend_width = note
        .map(|n| layout::text_width(n, 12.0) + 60.0)
        .unwrap_or(0.0)
        .max(legend_column_width + 20.0);
    let width = layout.width.max(legend_width).max(
        title_lines
            .iter()
            .map(|l| layout::text_width(l, 16.0))
            .fold(0.0, f64::max)
            + 40.0,
    );
    let height = title_height
        + layout.height
        + LEGEND_ROW * (legend_rows + usize::from(note.is_some())) as f64
        + 10.0;
    Frame {
        link_legend,
        organisations,
        note,
        title_lines,
        title_height,
        legend_column_width,
        legend_rows,
        width,
        height,
    }
}

/// The printable area a diagram gets in the PDF and the printed HTML report, in CSS px: a
/// landscape A4 page's text width (269 mm) by the height a figure may take in the printed HTML
/// (145 mm; the PDF allows 158 mm).
const PRINT_AREA: (f64, f64) = (1017.0, 548.0);

/// How much the whole drawing — title and legend included — is scaled to fit a landscape A4
/// page in print. Node text is 9 pt × this, edge labels 7.5 pt × this.
pub fn print_scale(d: &Diagram) -> f64 {
    let layout = layout::lay_out(d);
    let f = frame(d, &layout);
    (PRINT_AREA.0 / f.width).min(PRINT_AREA.1 / f.height)
}

/// Renders the diagram as a standalone SVG, laid out by [`crate::layout`]: clusters for
/// locations and network zones, boxes for assets, rounded boxes for networks, and edges with
/// their labels in boxes of their own.
pub fn render_svg(d: &Diagram) -> String {
    let layout = layout::lay_out(d);
    let Frame {
        link_legend,
        organisations,
        note,
        title_lines,
        title_height,
        legend_column_width,
        legend_rows,
        width,
        height,
    } = frame(d, &layout);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" font-family="'Noto Sans CJK JP','IPAexGothic','Hiragino Sans','Yu Gothic',sans-serif" font-size="12" role="img" aria-label="{}">"##,
        xml(&d.title)
    );
    let _ = writeln!(
        s,
        r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#37474f"/></marker></defs>"##
    );
    for (i, line) in title_lines.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="20" y="{:.0}" font-size="16" font-weight="bold">{}</text>"##,
            26.0 + i as f64 * 22.0,
            xml(line)
        );
    }
    // The layout reserves one title line; more lines move the drawing down.
    let _ = writeln!(
        s,
        r##"<g transform="translate(0 {:.0})">"##,
        title_height - 22.0
    );
    for c in &layout.clusters {
        let (fill, stroke, dash) = cluster_style(&c.id);
        let r = &c.rect;
        let _ = writeln!(
            s,
            r##"<g class="cluster" data-id="{}"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="8" fill="{fill}" stroke="{stroke}"{dash}/>"##,
            xml(&c.id),
            r.x,
            r.y,
            r.w,
            r.h
        );
        for (i, line) in c.title.iter().enumerate() {
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-weight="bold">{}</text>"##,
                r.x + 8.0,
                r.y + 16.0 + i as f64 * layout::LINE,
                xml(line)
            );
        }
        s.push_str("</g>\n");
    }
    for e in &layout.edges {
        let (colour, dash) = if e.edge.directed {
            ("#37474f", None)
        } else {
            link_style(e.edge.link)
        };
        let dash = dash.map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
        let marker = if e.edge.directed {
            r#" marker-end="url(#arrow)""#
        } else {
            ""
        };
        let points: Vec<String> = e
            .points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = writeln!(
            s,
            r##"<polyline class="edge" points="{}" fill="none" stroke="{colour}" stroke-width="1.3"{dash}{marker}/>"##,
            points.join(" ")
        );
    }
    for e in &layout.edges {
        if let Some(l) = &e.label {
            let r = &l.rect;
            let _ = writeln!(
                s,
                r##"<g class="edge-label"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="3" fill="#ffffff" fill-opacity="0.92"/>"##,
                r.x, r.y, r.w, r.h
            );
            svg_lines(
                &mut s,
                r,
                &l.lines,
                10.0,
                layout::EDGE_LINE,
                r##" fill="#263238""##,
            );
            s.push_str("</g>\n");
        }
    }
    for n in &layout.nodes {
        let r = &n.text.rect;
        let (class, rx, fill, stroke, dash) = match n.node.link {
            Some(kind) => {
                let (colour, dash) = link_style(Some(kind));
                ("link", r.h.min(24.0) / 2.0, "#eceff1", colour, dash)
            }
            None => ("asset", 5.0, "#ffffff", n.node.colour, None),
        };
        let dash = dash.map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
        let _ = writeln!(
            s,
            r##"<g class="{class}" data-id="{}"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="{rx:.1}" fill="{fill}" stroke="{stroke}" stroke-width="2"{dash}/>"##,
            xml(&n.node.id),
            r.x,
            r.y,
            r.w,
            r.h
        );
        svg_lines(&mut s, r, &n.text.lines, 12.0, layout::LINE, "");
        s.push_str("</g>\n");
    }
    s.push_str("</g>\n");
    let top = title_height - 22.0 + layout.height;
    // Column by column, each `legend_rows` high.
    let at = |i: usize| {
        let (column, row) = (i / legend_rows.max(1), i % legend_rows.max(1));
        (
            20.0 + column as f64 * legend_column_width,
            top + row as f64 * LEGEND_ROW,
        )
    };
    for (i, (kind, name)) in link_legend.iter().enumerate() {
        let (colour, dash) = link_style(Some(*kind));
        let dash = dash.map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
        let (x, y) = at(i);
        let _ = writeln!(
            s,
            r##"<g class="legend"><line x1="{x:.0}" y1="{:.0}" x2="{:.0}" y2="{:.0}" stroke="{colour}" stroke-width="3"{dash}/><text x="{:.0}" y="{:.0}">{name}</text></g>"##,
            y + 7.0,
            x + 14.0,
            y + 7.0,
            x + 22.0,
            y + 12.0
        );
    }
    for (i, (name, colour)) in organisations.iter().enumerate() {
        let (x, y) = at(link_legend.len() + i);
        let _ = writeln!(
            s,
            r##"<g class="legend"><rect x="{x:.0}" y="{y:.0}" width="14" height="14" fill="#fff" stroke="{colour}" stroke-width="3"/><text x="{:.0}" y="{:.0}">{}</text></g>"##,
            x + 22.0,
            y + 12.0,
            xml(name)
        );
    }
    let ly = top + legend_rows as f64 * LEGEND_ROW;
    if let Some(note) = note {
        let _ = writeln!(
            s,
            r##"<text class="note" x="20" y="{:.0}" fill="#b71c1c">{note}</text>"##,
            ly + 12.0
        );
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
