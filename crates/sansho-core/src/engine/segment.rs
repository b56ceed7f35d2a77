//! Splitting a flow into segments (断面): the cross-sections on which threats are found.

use crate::model::{ElementRef, Flow, Model};
use crate::vocab::{AssetKind, ConnectionKind, Operation, SegmentKind};

/// One cross-section of a flow: a kind and the element it sits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub kind: SegmentKind,
    pub element: ElementRef,
}

/// Derives the segments of a flow from its path, its device and its operations.
///
/// Each element yields at most one segment per kind, so a path that passes the same LAN twice
/// does not double its risks. Order follows the path.
pub fn segments(model: &Model, flow: &Flow, out: &mut Vec<Segment>) {
    out.clear();
    let push = |out: &mut Vec<Segment>, kind, element| {
        let segment = Segment { kind, element };
        if !out.contains(&segment) {
            out.push(segment);
        }
    };
    let stores = flow.how.iter().any(|op| {
        matches!(
            op,
            Operation::Store | Operation::Backup | Operation::Create | Operation::Update
        )
    });
    let last_asset = flow.path.iter().rev().find_map(|e| match e {
        ElementRef::Asset(a) => Some(*a),
        _ => None,
    });
    for (position, element) in flow.path.iter().enumerate() {
        match *element {
            ElementRef::Connection(c) => {
                let kind = if model.connections[c].kind == ConnectionKind::MediaTransport {
                    SegmentKind::MediaTransport
                } else {
                    SegmentKind::Transfer
                };
                push(out, kind, *element);
            }
            ElementRef::Asset(a) => {
                let asset = &model.assets[a];
                let is_first = position == 0;
                let kind = match asset.kind {
                    AssetKind::Printer => SegmentKind::Output,
                    // Routers, firewalls and access points carry traffic: they belong to the
                    // transfer cross-section, not to processing.
                    AssetKind::NetworkDevice if !is_first => SegmentKind::Transfer,
                    AssetKind::LogServer => SegmentKind::Logging,
                    _ if is_first && !flow.who.is_empty() => SegmentKind::Entry,
                    k if k.is_storage() => SegmentKind::Storage,
                    _ if Some(a) == last_asset && stores && flow.path.len() > 1 => {
                        SegmentKind::Storage
                    }
                    _ => SegmentKind::Processing,
                };
                push(out, kind, *element);
                // Media and devices that are carried also hold what they carry.
                if is_first && asset.kind.is_storage() && kind != SegmentKind::Storage {
                    push(out, SegmentKind::Storage, *element);
                }
            }
            // Validation admits only assets and connections in a path.
            _ => {}
        }
    }
    if flow.how.contains(&Operation::Dispose) {
        let target = last_asset
            .map(ElementRef::Asset)
            .unwrap_or(ElementRef::Asset(flow.which));
        push(out, SegmentKind::Disposal, target);
    }
}
