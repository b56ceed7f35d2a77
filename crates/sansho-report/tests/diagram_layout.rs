//! The diagrams' layout checked on its structure, for the example and a generated 1,000-flow
//! model: no box on another, every edge ending on the border of its boxes, every label inside
//! its box and the drawing, every asset inside its location, names wrapped and never cut.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

mod common;

use sansho_core::vocab::Phase;
use sansho_core::{Assessment, Lang};
use std::collections::HashSet;

use sansho_report::diagram::{self, Diagram};
use sansho_report::layout::{self, Layout, Rect};
use sansho_report::zones;

fn inside_drawing(layout: &Layout<'_>, r: &Rect) -> bool {
    r.x >= -0.5
        && r.y >= -0.5
        && r.right() <= layout.width + 0.5
        && r.bottom() <= layout.height + 0.5
}

/// Every structural promise of the layout, for one diagram; returns what was checked.
fn check(d: &Diagram, what: &str) -> (usize, usize, usize) {
    let layout = layout::lay_out(d);
    assert_eq!(
        layout.omitted,
        layout::Omitted::Nothing,
        "{what}: nothing left out"
    );
    assert_eq!(
        layout.nodes.len(),
        d.nodes.len(),
        "{what}: every node placed"
    );
    let groups_with_members: usize = d
        .groups
        .iter()
        .filter(|(g, _)| {
            d.nodes
                .iter()
                .any(|n| n.group.as_deref() == Some(g.as_str()))
        })
        .count();
    assert_eq!(
        layout.clusters.len(),
        groups_with_members,
        "{what}: every location with something in it is drawn"
    );

    // Boxes with text never overlap, and lie in the drawing.
    let boxes: Vec<&Rect> = layout.text_boxes().collect();
    for (i, a) in boxes.iter().enumerate() {
        assert!(a.w > 0.0 && a.h > 0.0, "{what}: box {i} has a size");
        assert!(
            inside_drawing(&layout, a),
            "{what}: box {a:?} outside the drawing"
        );
        for b in &boxes[i + 1..] {
            assert!(!a.overlaps(b), "{what}: {a:?} overlaps {b:?}");
        }
    }
    // Clusters: apart from each other; each holds its own nodes and no other node.
    for (i, c) in layout.clusters.iter().enumerate() {
        assert!(
            inside_drawing(&layout, &c.rect),
            "{what}: cluster {} outside",
            c.id
        );
        for other in &layout.clusters[i + 1..] {
            assert!(
                !c.rect.overlaps(&other.rect),
                "{what}: clusters {} and {} overlap",
                c.id,
                other.id
            );
        }
        let title_height = c.title.len() as f64 * layout::LINE;
        for line in &c.title {
            assert!(
                layout::text_width(line, 12.0) <= c.rect.w - 8.0 + 13.0,
                "{what}: title line {line} wider than cluster {}",
                c.id
            );
        }
        for n in &layout.nodes {
            let r = &n.text.rect;
            if n.node.group.as_deref() == Some(c.id.as_str()) {
                assert!(c.rect.contains(r), "{what}: {} outside {}", n.node.id, c.id);
                assert!(
                    r.y >= c.rect.y + title_height,
                    "{what}: {} on the title of {}",
                    n.node.id,
                    c.id
                );
            } else {
                assert!(
                    !c.rect.overlaps(r),
                    "{what}: {} drawn on {}",
                    n.node.id,
                    c.id
                );
            }
        }
    }
    // Names are wrapped, never cut; every line fits its box.
    for n in &layout.nodes {
        let joined: String = n.text.lines.concat();
        let expected: String = n
            .node
            .label
            .chars()
            .filter(|c| *c != ' ' && *c != '\n')
            .collect();
        assert_eq!(
            joined.replace(' ', ""),
            expected,
            "{what}: the whole name of {}",
            n.node.id
        );
        for line in &n.text.lines {
            assert!(
                layout::text_width(line, 12.0) <= n.text.rect.w,
                "{what}: {line} wider than its box"
            );
        }
    }
    // Edges end on the borders of their boxes; their labels lie in the drawing.
    let rect_of = |id: &str| {
        layout
            .nodes
            .iter()
            .find(|n| n.node.id == id)
            .map(|n| n.text.rect)
            .unwrap()
    };
    let mut labels = 0;
    for e in &layout.edges {
        assert!(
            e.points.len() >= 2,
            "{what}: edge {} → {}",
            e.edge.from,
            e.edge.to
        );
        let (first, last) = (e.points[0], e.points[e.points.len() - 1]);
        assert!(
            rect_of(&e.edge.from).on_border(first, 1.0),
            "{what}: edge from {} starts at {first:?}, not on its box",
            e.edge.from
        );
        assert!(
            rect_of(&e.edge.to).on_border(last, 1.0),
            "{what}: edge to {} ends at {last:?}, not on its box",
            e.edge.to
        );
        for p in &e.points {
            assert!(
                p.0 >= -0.5
                    && p.1 >= -0.5
                    && p.0 <= layout.width + 0.5
                    && p.1 <= layout.height + 0.5,
                "{what}: edge point {p:?} outside the drawing"
            );
        }
        if let Some(l) = &e.label {
            labels += 1;
            for line in &l.lines {
                assert!(layout::text_width(line, 10.0) <= l.rect.w, "{what}: {line}");
            }
        }
    }
    let labelled = d.edges.iter().filter(|e| e.label.is_some()).count();
    assert_eq!(labels, labelled, "{what}: every edge label is drawn");
    (layout.nodes.len(), layout.edges.len(), labels)
}

fn check_all(a: &Assessment, name: &str) {
    check(
        &diagram::configuration(a, Lang::Ja),
        &format!("{name} configuration"),
    );
    for phase in [Phase::Development, Phase::Operation, Phase::Termination] {
        let d = diagram::flows(a, phase, Lang::Ja);
        if d.nodes.is_empty() {
            continue;
        }
        let (_, edges, labels) = check(&d, &format!("{name} {phase:?}"));
        assert_eq!(
            edges, labels,
            "{name} {phase:?}: every flow edge says who and what"
        );
    }
}

#[test]
fn the_examples_diagrams_have_no_overlaps_and_edges_end_on_their_boxes() {
    let a = common::example();
    check_all(&a, "example");
    // Flow edges say who moves what.
    let d = diagram::flows(&a, Phase::Operation, Lang::Ja);
    assert!(
        d.edges
            .iter()
            .filter_map(|e| e.label.as_deref())
            .any(|l| l.contains("医療事務: ")),
        "labels name who and what"
    );
    // The internet and the closed networks are zones of their own.
    let d = diagram::configuration(&a, Lang::Ja);
    let zones: Vec<&str> = d.groups.iter().map(|(_, label)| label.as_str()).collect();
    assert!(zones.contains(&"インターネット"), "{zones:?}");
    assert!(zones.contains(&"閉域網・専用線・VPN"), "{zones:?}");
}

#[test]
fn a_generated_thousand_flow_models_diagrams_have_no_overlaps() {
    let a = common::from_text(&sansho_gen::hospital(1_000));
    check_all(&a, "generated");
}

#[test]
fn long_and_hostile_names_wrap_inside_their_boxes() {
    let long = "とても長い名前の電子カルテサーバ".repeat(40);
    let text = sansho_gen::hospital(20).replace("EMR アプリケーションサーバ", &long);
    let a = common::from_text(&text);
    check_all(&a, "long names");
    let d = diagram::configuration(&a, Lang::Ja);
    let layout = layout::lay_out(&d);
    let node = layout
        .nodes
        .iter()
        .find(|n| n.node.label == long)
        .expect("the long name is drawn");
    assert!(
        node.text.rect.w < 200.0,
        "wrapped, not widened: {:?}",
        node.text.rect
    );
    assert!(node.text.lines.len() > 20);
}

/// A diagram too large to read on a printed A4 page is followed by pages that are: each prints
/// at [`zones::READABLE_SCALE`] or larger (or holds a single edge), passes the layout checks,
/// and together they draw every node and every edge of the whole. Returns the number of pages.
fn check_printable(d: &Diagram, what: &str) -> usize {
    let parts = zones::printable_parts(d, Lang::Ja);
    if parts.is_empty() {
        assert!(zones::readable_on_a4(d), "{what}: unreadable, yet not cut");
        return 0;
    }
    let mut nodes: HashSet<&str> = HashSet::new();
    let mut edges: HashSet<(&str, &str, Option<&str>)> = HashSet::new();
    for (name, part) in &parts {
        let what = format!("{what} — {name}");
        assert!(
            part.edges.len() <= 1 || zones::readable_on_a4(part),
            "{what}: prints at {:.2}",
            diagram::print_scale(part)
        );
        check(part, &what);
        nodes.extend(part.nodes.iter().map(|n| n.id.as_str()));
        edges.extend(
            part.edges
                .iter()
                .map(|e| (e.from.as_str(), e.to.as_str(), e.label.as_deref())),
        );
    }
    for n in &d.nodes {
        assert!(nodes.contains(n.id.as_str()), "{what}: {} on no page", n.id);
    }
    for e in &d.edges {
        let key = (e.from.as_str(), e.to.as_str(), e.label.as_deref());
        assert!(edges.contains(&key), "{what}: {key:?} on no page");
    }
    parts.len()
}

fn all_diagrams(a: &Assessment) -> Vec<Diagram> {
    let mut all = vec![diagram::configuration(a, Lang::Ja)];
    for phase in [Phase::Development, Phase::Operation, Phase::Termination] {
        all.push(diagram::flows(a, phase, Lang::Ja));
    }
    all.retain(|d| !d.nodes.is_empty());
    all
}

#[test]
fn the_examples_large_diagrams_print_as_readable_site_pages() {
    let a = common::example();
    let all = all_diagrams(&a);
    let pages: Vec<usize> = all.iter().map(|d| check_printable(d, &d.title)).collect();
    // The configuration and the operation phase's flows are far too large for one page.
    assert!(!zones::readable_on_a4(&all[0]) && pages[0] > 2, "{pages:?}");
    assert!(!zones::readable_on_a4(&all[2]) && pages[2] > 2, "{pages:?}");
    // The overview comes first: one box per site, the links between them kept.
    let (name, overview) = &zones::printable_parts(&all[0], Lang::Ja)[0];
    assert_eq!(name, "拠点の概観");
    assert!(
        overview
            .nodes
            .iter()
            .any(|n| n.label.starts_with("ひので内科クリニック\n（機器 ")),
        "{:?}",
        overview.nodes.iter().map(|n| &n.label).collect::<Vec<_>>()
    );
    // Its boxes are sites, not devices: the legend names no organisation's colour.
    assert!(!diagram::render_svg(overview).contains("株式会社あおぞらインフラサービス"));
    // A site's page shows where its VPN leads: the data centre's device at the far end.
    let parts = zones::printable_parts(&all[0], Lang::Ja);
    let clinic: Vec<&Diagram> = parts
        .iter()
        .filter(|(name, _)| name.starts_with("ひので内科クリニック"))
        .map(|(_, d)| d)
        .collect();
    assert!(!clinic.is_empty());
    assert!(
        clinic.iter().any(|d| d
            .nodes
            .iter()
            .any(|n| n.label.contains("DC境界ファイアウォール"))),
        "the far end of the clinic's VPN is drawn on its page"
    );
}

#[test]
fn a_generated_thousand_flow_models_large_diagrams_print_as_readable_site_pages() {
    let a = common::from_text(&sansho_gen::hospital(1_000));
    for d in all_diagrams(&a) {
        check_printable(&d, &d.title);
    }
}
