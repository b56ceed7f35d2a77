//! Where everything in a [`Diagram`] is drawn: a layered (Sugiyama) layout from left to right,
//! with each location and network zone as a cluster, by `dugong`, a port of the dagre layout
//! that Mermaid uses. Labels are wrapped to a width, never cut, and sized before the layout so
//! that no label lands on a box; edge labels are laid out as boxes of their own.
//!
//! The work the layout may do is bounded: a diagram too large for the budget is laid out again
//! without edge labels, then without edges, and the drawing says what was left out.

use std::collections::HashMap;

use dugong::graphlib::{Graph, GraphOptions};
use dugong::{EdgeLabel, GraphLabel, NodeLabel, RankDir, WorkControl, WorkError};

use crate::diagram::{Diagram, Edge, Node};

/// Line height of node and cluster text (12 px font).
pub const LINE: f64 = 15.0;
/// Line height of edge labels (10 px font).
pub const EDGE_LINE: f64 = 13.0;
/// Widest a node's text may be before it wraps.
const NODE_TEXT: f64 = 140.0;
/// Widest an edge label may be before it wraps.
const EDGE_TEXT: f64 = 140.0;
const NODE_PAD_X: f64 = 16.0;
const NODE_PAD_Y: f64 = 12.0;
/// Space around the drawing, and above it for the title.
const MARGIN: f64 = 20.0;
const TITLE: f64 = 40.0;
/// Layout work allowed before labels, then edges, are dropped. A summarised diagram of a
/// 100,000-flow model needs well under a tenth of it.
const WORK_BUDGET: usize = 40_000_000;

/// An axis-aligned box, `x`/`y` its top-left corner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    fn centred(cx: f64, cy: f64, w: f64, h: f64) -> Rect {
        Rect {
            x: cx - w / 2.0,
            y: cy - h / 2.0,
            w,
            h,
        }
    }

    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    pub fn centre(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    /// Whether the two boxes share any area (touching edges do not count).
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right() - 0.5
            && other.x < self.right() - 0.5
            && self.y < other.bottom() - 0.5
            && other.y < self.bottom() - 0.5
    }

    /// Whether `other` lies wholly inside this box.
    pub fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x - 0.5
            && other.y >= self.y - 0.5
            && other.right() <= self.right() + 0.5
            && other.bottom() <= self.bottom() + 0.5
    }

    /// Whether `p` lies on the border of this box, within `tolerance`.
    pub fn on_border(&self, p: (f64, f64), tolerance: f64) -> bool {
        let inside_x = p.0 >= self.x - tolerance && p.0 <= self.right() + tolerance;
        let inside_y = p.1 >= self.y - tolerance && p.1 <= self.bottom() + tolerance;
        let near_x = (p.0 - self.x).abs() <= tolerance || (p.0 - self.right()).abs() <= tolerance;
        let near_y = (p.1 - self.y).abs() <= tolerance || (p.1 - self.bottom()).abs() <= tolerance;
        (near_x && inside_y) || (near_y && inside_x)
    }

    /// Where the segment from this box's centre towards `p` leaves the box (dagre's rule).
    fn exit_towards(&self, p: (f64, f64)) -> (f64, f64) {
        let (cx, cy) = self.centre();
        let (dx, dy) = (p.0 - cx, p.1 - cy);
        let (w, h) = (self.w / 2.0, self.h / 2.0);
        if dx == 0.0 && dy == 0.0 {
            return (cx, self.y);
        }
        let (sx, sy) = if dy.abs() * w > dx.abs() * h {
            let h = if dy < 0.0 { -h } else { h };
            (h * dx / dy, h)
        } else {
            let w = if dx < 0.0 { -w } else { w };
            (w, w * dy / dx)
        };
        (cx + sx, cy + sy)
    }
}

/// A box with wrapped text in it.
#[derive(Clone, Debug)]
pub struct TextBox {
    pub rect: Rect,
    pub lines: Vec<String>,
}

#[derive(Debug)]
pub struct PlacedCluster {
    pub id: String,
    pub rect: Rect,
    /// The title, wrapped to the cluster's width, drawn in a band at its top.
    pub title: Vec<String>,
}

#[derive(Debug)]
pub struct PlacedNode<'a> {
    pub node: &'a Node,
    pub text: TextBox,
}

#[derive(Debug)]
pub struct PlacedEdge<'a> {
    pub edge: &'a Edge,
    /// From the border of the source box to the border of the target box.
    pub points: Vec<(f64, f64)>,
    pub label: Option<TextBox>,
}

/// What had to be left out for the diagram to fit the layout's work budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Omitted {
    Nothing,
    EdgeLabels,
    Edges,
}

#[derive(Debug)]
pub struct Layout<'a> {
    pub width: f64,
    pub height: f64,
    pub clusters: Vec<PlacedCluster>,
    pub nodes: Vec<PlacedNode<'a>>,
    pub edges: Vec<PlacedEdge<'a>>,
    pub omitted: Omitted,
}

impl Layout<'_> {
    /// How much the drawing is scaled to fit the printable area of a landscape A4 page
    /// (about 1,009 × 642 CSS px inside the report's margins, header and footer).
    pub fn a4_scale(&self) -> f64 {
        (1009.0 / self.width).min(642.0 / self.height)
    }

    /// Every box drawn with text in it: nodes and edge labels. None may overlap another.
    pub fn text_boxes(&self) -> impl Iterator<Item = &Rect> {
        self.nodes.iter().map(|n| &n.text.rect).chain(
            self.edges
                .iter()
                .filter_map(|e| e.label.as_ref().map(|l| &l.rect)),
        )
    }
}

/// Approximate advance of `c` for a font of `size` px: CJK and other wide characters are a
/// full em, ASCII a little over half.
pub(crate) fn advance(c: char, size: f64) -> f64 {
    if c.is_ascii() {
        size * 0.6
    } else {
        size * 1.04
    }
}

pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(|c| advance(c, size)).sum()
}

/// Characters a Japanese line may not start with (closing brackets and punctuation), and may
/// not end with (opening brackets): the usual 禁則 rules.
const NO_LINE_START: &str =
    "）)」』】〕］]｝}〉》、。，,．.・：:；;！!？?ーぁぃぅぇぉっゃゅょァィゥェォッャュョ々";
const NO_LINE_END: &str = "（(「『【〔［[｛{〈《";

/// `text` broken into lines no wider than `max` px, the lines made about equally long: between
/// words where there are spaces or Latin words, between Japanese characters except where the
/// 禁則 rules forbid, never inside a Latin word unless the word alone is too wide.
pub fn wrap(text: &str, max: f64, size: f64) -> Vec<String> {
    let text = crate::text::visible(text);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let first = greedy(paragraph, max, size);
        if first.len() < 2 {
            lines.extend(first);
            continue;
        }
        // The same number of lines, each about as long: no line of one or two characters.
        let total = text_width(paragraph, size);
        let even = (total / first.len() as f64 + size).min(max);
        let balanced = greedy(paragraph, even, size);
        if balanced.len() == first.len() {
            lines.extend(balanced);
        } else {
            lines.extend(first);
        }
    }
    lines
}

fn greedy(paragraph: &str, max: f64, size: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut width = 0.0;
    for token in tokens(paragraph) {
        let token_width = text_width(token, size);
        let closing = token.chars().all(|c| NO_LINE_START.contains(c));
        if width + token_width > max && !line.is_empty() && !closing {
            // An opening bracket at the end of the line moves to the next.
            let mut carried = String::new();
            while let Some(c) = line.chars().last().filter(|c| NO_LINE_END.contains(*c)) {
                if line.chars().count() == 1 {
                    break;
                }
                line.pop();
                carried.insert(0, c);
            }
            lines.push(std::mem::take(&mut line).trim_end().to_owned());
            width = text_width(&carried, size);
            line = carried;
            if token == " " {
                continue;
            }
        }
        if token_width > max {
            // A word wider than a line is broken where it must be.
            for c in token.chars() {
                let w = advance(c, size);
                if width + w > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    width = 0.0;
                }
                line.push(c);
                width += w;
            }
        } else {
            line.push_str(token);
            width += token_width;
        }
    }
    lines.push(line.trim_end().to_owned());
    lines
}

/// Runs of ASCII letters and digits (a word), single spaces, and single other characters.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let len = if first.is_ascii_alphanumeric() {
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || "-_.:/".contains(c)))
                .unwrap_or(rest.len())
        } else {
            first.len_utf8()
        };
        let (token, tail) = rest.split_at(len);
        rest = tail;
        Some(token)
    })
}

/// Counts the layout's work against [`WORK_BUDGET`].
struct Budget(usize);

impl WorkControl for Budget {
    fn charge(&mut self, units: usize) -> Result<(), WorkError> {
        match self.0.checked_sub(units) {
            Some(left) => {
                self.0 = left;
                Ok(())
            }
            None => Err(WorkError::Interrupted),
        }
    }
}

/// `text` wrapped to `max` px at `size` px, and the box it needs with `pad` px around it.
fn text_block(
    text: &str,
    max: f64,
    size: f64,
    line: f64,
    pad: (f64, f64),
) -> (Vec<String>, f64, f64) {
    let lines = wrap(text, max, size);
    let widest = lines
        .iter()
        .map(|l| text_width(l, size))
        .fold(0.0, f64::max);
    let h = lines.len() as f64 * line + pad.1;
    (lines, widest + pad.0, h)
}

fn node_text(n: &Node) -> (Vec<String>, f64, f64) {
    let (lines, w, h) = text_block(&n.label, NODE_TEXT, 12.0, LINE, (NODE_PAD_X, NODE_PAD_Y));
    (lines, w.max(72.0), h)
}

fn edge_text(label: &str) -> (Vec<String>, f64, f64) {
    text_block(label, EDGE_TEXT, 10.0, EDGE_LINE, (6.0, 4.0))
}

/// Lays out `d`. Always succeeds: when the layout would exceed its work budget, edge labels and
/// then edges are left out, and [`Layout::omitted`] says so.
pub fn lay_out(d: &Diagram) -> Layout<'_> {
    for omitted in [Omitted::Nothing, Omitted::EdgeLabels] {
        // Left to right or top to bottom, whichever prints larger on a landscape A4 page.
        let across = try_lay_out(d, omitted, RankDir::LR);
        let down = try_lay_out(d, omitted, RankDir::TB);
        match (across, down) {
            (Ok(a), Ok(b)) => return if b.a4_scale() > a.a4_scale() { b } else { a },
            (Ok(layout), Err(_)) | (Err(_), Ok(layout)) => return layout,
            (Err(_), Err(_)) => {}
        }
    }
    // Without edges the graph is a set of clusters with no constraints between them; its
    // layout is linear in the number of nodes.
    try_lay_out(d, Omitted::Edges, RankDir::LR).unwrap_or_else(|_| Layout {
        width: 400.0,
        height: 100.0,
        clusters: Vec::new(),
        nodes: Vec::new(),
        edges: Vec::new(),
        omitted: Omitted::Edges,
    })
}

fn try_lay_out(
    d: &Diagram,
    omitted: Omitted,
    direction: RankDir,
) -> Result<Layout<'_>, dugong::LayoutError> {
    let mut g: Graph<NodeLabel, EdgeLabel, GraphLabel> = Graph::new(GraphOptions {
        multigraph: true,
        compound: true,
        directed: true,
    });
    g.set_graph(GraphLabel {
        rankdir: direction,
        nodesep: 16.0,
        edgesep: 12.0,
        ranksep: 40.0,
        ..GraphLabel::default()
    });
    let members = d.members();
    let mut cluster_ids: Vec<(usize, String)> = Vec::new();
    for (i, (group, _)) in d.groups.iter().enumerate() {
        if members.get(group.as_str()).is_some_and(|m| !m.is_empty()) {
            let id = format!("c{i}");
            g.set_node(id.clone(), NodeLabel::default());
            cluster_ids.push((i, id));
        }
    }
    let cluster_of: HashMap<&str, &str> = cluster_ids
        .iter()
        .map(|(i, id)| (d.groups[*i].0.as_str(), id.as_str()))
        .collect();
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(d.nodes.len());
    let mut texts = Vec::with_capacity(d.nodes.len());
    for (i, n) in d.nodes.iter().enumerate() {
        let (lines, w, h) = node_text(n);
        let id = format!("n{i}");
        g.set_node(
            id.clone(),
            NodeLabel {
                width: w,
                height: h,
                ..NodeLabel::default()
            },
        );
        if let Some(cluster) = n.group.as_deref().and_then(|g| cluster_of.get(g)) {
            g.set_parent(id, (*cluster).to_owned());
        }
        index.insert(n.id.as_str(), i);
        texts.push(lines);
    }
    let mut edge_texts: Vec<Option<Vec<String>>> = Vec::new();
    let mut kept_edges: Vec<(usize, &Edge)> = Vec::new();
    if omitted != Omitted::Edges {
        for (k, e) in d.edges.iter().enumerate() {
            let (Some(&from), Some(&to)) = (index.get(e.from.as_str()), index.get(e.to.as_str()))
            else {
                continue;
            };
            let mut label = EdgeLabel {
                minlen: 1,
                weight: 1.0,
                ..EdgeLabel::default()
            };
            let text = match (&e.label, omitted) {
                (Some(l), Omitted::Nothing) => {
                    let (lines, w, h) = edge_text(l);
                    label.width = w;
                    label.height = h;
                    Some(lines)
                }
                _ => None,
            };
            g.set_edge_named(
                format!("n{from}"),
                format!("n{to}"),
                Some(format!("e{k}")),
                Some(label),
            );
            edge_texts.push(text);
            kept_edges.push((k, e));
        }
    }
    dugong::layout_controlled(&mut g, &mut Budget(WORK_BUDGET))?;

    let mut nodes = Vec::with_capacity(d.nodes.len());
    for (i, (n, lines)) in d.nodes.iter().zip(texts).enumerate() {
        let label = g.node(&format!("n{i}"));
        let rect = label.map_or(Rect::centred(0.0, 0.0, 0.0, 0.0), |l| {
            Rect::centred(
                l.x.unwrap_or_default(),
                l.y.unwrap_or_default(),
                l.width,
                l.height,
            )
        });
        nodes.push(PlacedNode {
            node: n,
            text: TextBox { rect, lines },
        });
    }
    let mut clusters = Vec::with_capacity(cluster_ids.len());
    for (i, id) in &cluster_ids {
        let Some(l) = g.node(id) else { continue };
        let rect = Rect::centred(
            l.x.unwrap_or_default(),
            l.y.unwrap_or_default(),
            l.width,
            l.height,
        );
        let title = wrap(&d.groups[*i].1, (rect.w - 16.0).max(60.0), 12.0);
        clusters.push(PlacedCluster {
            id: d.groups[*i].0.clone(),
            rect,
            title,
        });
    }
    let mut edges = Vec::with_capacity(kept_edges.len());
    for ((k, e), text) in kept_edges.into_iter().zip(edge_texts) {
        let (from, to) = (index[e.from.as_str()], index[e.to.as_str()]);
        let Some(l) = g.edge(
            &format!("n{from}"),
            &format!("n{to}"),
            Some(&format!("e{k}")),
        ) else {
            continue;
        };
        let points: Vec<(f64, f64)> = l.points.iter().map(|p| (p.x, p.y)).collect();
        let label = text.and_then(|lines| {
            Some(TextBox {
                rect: Rect::centred(l.x?, l.y?, l.width, l.height),
                lines,
            })
        });
        edges.push(PlacedEdge {
            edge: e,
            points,
            label,
        });
    }
    let mut layout = Layout {
        width: 0.0,
        height: 0.0,
        clusters,
        nodes,
        edges,
        omitted,
    };
    make_room_for_titles(&mut layout, &index);
    frame(&mut layout);
    Ok(layout)
}

/// Moves everything at or below `line` down by `by`.
fn shift_below(layout: &mut Layout<'_>, line: f64, by: f64) {
    for c in &mut layout.clusters {
        if c.rect.y >= line {
            c.rect.y += by;
        } else if c.rect.bottom() > line {
            c.rect.h += by;
        }
    }
    for n in &mut layout.nodes {
        if n.text.rect.centre().1 >= line {
            n.text.rect.y += by;
        }
    }
    for e in &mut layout.edges {
        for p in &mut e.points {
            if p.1 >= line {
                p.1 += by;
            }
        }
        if let Some(l) = &mut e.label
            && l.rect.centre().1 >= line
        {
            l.rect.y += by;
        }
    }
}

fn title_band(lines: usize) -> f64 {
    lines as f64 * LINE + 8.0
}

/// Gives every cluster a band at its top for its title. Where the space above a cluster is
/// too small, space is inserted across the drawing at the cluster's top, bottom-most first so
/// that earlier insertions do not move later lines.
fn make_room_for_titles(layout: &mut Layout<'_>, index: &HashMap<&str, usize>) {
    let mut order: Vec<usize> = (0..layout.clusters.len()).collect();
    order.sort_by(|&a, &b| {
        layout.clusters[b]
            .rect
            .y
            .total_cmp(&layout.clusters[a].rect.y)
    });
    for i in order {
        let band = title_band(layout.clusters[i].title.len());
        let rect = layout.clusters[i].rect;
        let columns = |r: &Rect| r.x < rect.right() && rect.x < r.right();
        // The lowest bottom of anything above the cluster in the same columns.
        let above = layout
            .clusters
            .iter()
            .map(|c| c.rect)
            .chain(layout.text_boxes().copied())
            .filter(|r| columns(r) && r.bottom() <= rect.y + 0.5 && !rect.contains(r))
            .map(|r| r.bottom())
            .fold(f64::NEG_INFINITY, f64::max);
        let free = rect.y - above;
        if free < band + 6.0 {
            shift_below(layout, rect.y, band + 6.0 - free.max(0.0));
        }
        let c = &mut layout.clusters[i];
        c.rect.y -= band;
        c.rect.h += band;
    }
    reclip_ends(layout, index);
}

/// Puts each edge's ends back on the borders of its boxes after boxes have moved.
fn reclip_ends(layout: &mut Layout<'_>, index: &HashMap<&str, usize>) {
    for e in &mut layout.edges {
        let (Some(&from), Some(&to)) = (
            index.get(e.edge.from.as_str()),
            index.get(e.edge.to.as_str()),
        ) else {
            continue;
        };
        let (a, b) = (layout.nodes[from].text.rect, layout.nodes[to].text.rect);
        if e.points.len() < 2 {
            e.points = vec![a.exit_towards(b.centre()), b.exit_towards(a.centre())];
            continue;
        }
        if from == to {
            // A loop leaves the top of its box and comes back at the bottom, on the right.
            let x = (a.right() - 8.0).max(a.x);
            let n = e.points.len();
            e.points[0] = (x, a.y);
            e.points[n - 1] = (x, a.bottom());
            continue;
        }
        let n = e.points.len();
        let next = e.points[1];
        e.points[0] = a.exit_towards(next);
        let before = e.points[n - 2];
        e.points[n - 1] = b.exit_towards(before);
    }
}

/// Moves the drawing so that it starts at the margin below the title, and sizes it.
fn frame(layout: &mut Layout<'_>) {
    let mut min = (f64::INFINITY, f64::INFINITY);
    let mut max = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    let mut grow = |r: &Rect| {
        min = (min.0.min(r.x), min.1.min(r.y));
        max = (max.0.max(r.right()), max.1.max(r.bottom()));
    };
    for c in &layout.clusters {
        grow(&c.rect);
    }
    for r in layout.text_boxes() {
        grow(r);
    }
    for e in &layout.edges {
        for p in &e.points {
            grow(&Rect {
                x: p.0,
                y: p.1,
                w: 0.0,
                h: 0.0,
            });
        }
    }
    if !min.0.is_finite() {
        layout.width = 400.0;
        layout.height = TITLE + MARGIN;
        return;
    }
    let (dx, dy) = (MARGIN - min.0, TITLE - min.1);
    for c in &mut layout.clusters {
        c.rect.x += dx;
        c.rect.y += dy;
    }
    for n in &mut layout.nodes {
        n.text.rect.x += dx;
        n.text.rect.y += dy;
    }
    for e in &mut layout.edges {
        for p in &mut e.points {
            p.0 += dx;
            p.1 += dy;
        }
        if let Some(l) = &mut e.label {
            l.rect.x += dx;
            l.rect.y += dy;
        }
    }
    layout.width = max.0 - min.0 + 2.0 * MARGIN;
    layout.height = max.1 - min.1 + TITLE + MARGIN;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_character_and_breaks_japanese_anywhere_latin_between_words() {
        let name = "東京データセンター（当社専有区画）の電子カルテサーバ";
        let lines = wrap(name, 100.0, 12.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), name, "nothing is cut");
        for l in &lines {
            assert!(text_width(l, 12.0) <= 100.0 + 12.5, "{l}");
            assert!(!l.starts_with('）') && !l.ends_with('（'), "{l}");
        }
        let lines = wrap("院内無線LANアクセスポイント", 140.0, 12.0);
        assert_eq!(lines.len(), 2);
        assert!(
            lines.iter().all(|l| l.chars().count() > 3),
            "balanced: {lines:?}"
        );
        let lines = wrap("IPsec VPN gateway appliance", 80.0, 12.0);
        assert!(lines.iter().all(|l| !l.starts_with(' ')));
        assert_eq!(lines.join(" "), "IPsec VPN gateway appliance");
        assert_eq!(wrap("", 80.0, 12.0), vec![String::new()]);
    }

    #[test]
    fn a_border_point_is_found_on_every_side() {
        let r = Rect::centred(100.0, 100.0, 40.0, 20.0);
        for target in [
            (300.0, 100.0),
            (100.0, -50.0),
            (-10.0, 120.0),
            (90.0, 400.0),
        ] {
            let p = r.exit_towards(target);
            assert!(r.on_border(p, 0.01), "{p:?} for {target:?}");
        }
    }
}
