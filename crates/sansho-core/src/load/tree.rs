//! A YAML document as a tree of nodes with positions, built from granit-parser events.
//!
//! The typed fast path (serde-saphyr straight into the model types) stops at the first problem.
//! When it fails, this tree lets the loader check the whole file against the model schema and
//! report every problem, each at its own line and column.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError, Span as YamlSpan};

use crate::model::spanned::Pos;

/// A problem found while building the tree (before any schema check).
#[derive(Debug)]
pub enum TreeProblem {
    Syntax { message: String, pos: Pos },
    DuplicateKey { key: String, pos: Pos, first: Pos },
    ComplexKey { pos: Pos },
    TooLarge { pos: Pos },
}

/// Positions of every value and every mapping key, found by JSON pointer.
///
/// Kept as a tree of positions beside the JSON value (no pointer strings per node): a file of
/// millions of nodes would otherwise spend most of its memory on pointers that are never asked
/// for. Keys of each mapping are sorted, so a lookup is a binary search per level.
#[derive(Debug, Default)]
pub struct PosIndex {
    root: Option<PosNode>,
}

#[derive(Clone, Debug)]
enum PosNode {
    Leaf(Pos),
    Seq(Pos, Vec<PosNode>),
    /// Entries sorted by key: (key, position of the key, the value).
    Map(Pos, Vec<(Box<str>, Pos, PosNode)>),
}

impl PosNode {
    fn pos(&self) -> Pos {
        match self {
            PosNode::Leaf(pos) | PosNode::Seq(pos, _) | PosNode::Map(pos, _) => *pos,
        }
    }

    fn count(&self) -> usize {
        match self {
            PosNode::Leaf(_) => 1,
            PosNode::Seq(_, items) => 1 + items.iter().map(PosNode::count).sum::<usize>(),
            PosNode::Map(_, entries) => {
                1 + entries.iter().map(|(_, _, n)| n.count()).sum::<usize>()
            }
        }
    }
}

impl PosIndex {
    /// Where the value at `pointer` is.
    pub fn value(&self, pointer: &str) -> Option<Pos> {
        self.find(pointer).map(|(value, _)| value.pos())
    }

    /// Where the key of the mapping entry at `pointer` is.
    pub fn key(&self, pointer: &str) -> Option<Pos> {
        self.find(pointer).and_then(|(_, key)| key)
    }

    fn find(&self, pointer: &str) -> Option<(&PosNode, Option<Pos>)> {
        let mut node = self.root.as_ref()?;
        let mut key = None;
        if pointer.is_empty() {
            return Some((node, None));
        }
        for raw in pointer.strip_prefix('/')?.split('/') {
            let segment = raw.replace("~1", "/").replace("~0", "~");
            match node {
                PosNode::Leaf(_) => return None,
                PosNode::Seq(_, items) => {
                    node = items.get(segment.parse::<usize>().ok()?)?;
                    key = None;
                }
                PosNode::Map(_, entries) => {
                    let i = entries
                        .binary_search_by(|(k, _, _)| k.as_ref().cmp(segment.as_str()))
                        .ok()?;
                    let (_, key_pos, value) = &entries[i];
                    node = value;
                    key = Some(*key_pos);
                }
            }
        }
        Some((node, key))
    }
}

enum Frame {
    Seq {
        items: Vec<Value>,
        positions: Vec<PosNode>,
        /// Items handed out by [`parse_streaming`] instead of kept.
        streamed: usize,
        pos: Pos,
        anchor: usize,
    },
    Map {
        map: Map<String, Value>,
        positions: Vec<(Box<str>, Pos, PosNode)>,
        pending_key: Option<(String, Pos)>,
        pos: Pos,
        anchor: usize,
    },
}

pub(crate) fn pos_of(span: &YamlSpan) -> Pos {
    let start = span.start;
    let end = span.end;
    let offset = start.byte_offset().unwrap_or(0);
    let end_offset = end.byte_offset().unwrap_or(offset);
    Pos {
        line: u32::try_from(start.line()).unwrap_or(u32::MAX),
        column: u32::try_from(start.col() + 1).unwrap_or(u32::MAX),
        offset: u32::try_from(offset).unwrap_or(u32::MAX),
        len: u32::try_from(end_offset.saturating_sub(offset)).unwrap_or(0),
    }
}

fn scan_pos(error: &ScanError) -> Pos {
    let marker = error.marker();
    Pos {
        line: u32::try_from(marker.line()).unwrap_or(u32::MAX),
        column: u32::try_from(marker.col() + 1).unwrap_or(u32::MAX),
        offset: u32::try_from(marker.byte_offset().unwrap_or(0)).unwrap_or(u32::MAX),
        len: 0,
    }
}

/// Duplicate keys reported per file; past this, duplicates are still dropped but not listed.
const MAX_DUPLICATES: usize = 1_000;

/// Parses `text` into JSON plus a position index. `max_nodes` bounds alias expansion.
pub fn parse(
    text: &str,
    max_nodes: usize,
) -> Result<(Value, PosIndex, Vec<TreeProblem>), TreeProblem> {
    parse_streaming(text, max_nodes, &|_| false, &mut |_, _, _, _| {})
}

/// Like [`parse`], but each item of a top-level list whose key `stream` accepts is handed to
/// `on_item` (key, index, value, positions relative to the item) as soon as it is complete, and
/// left out of the returned document (its list stays, empty): memory follows the largest item.
pub fn parse_streaming(
    text: &str,
    max_nodes: usize,
    stream: &dyn Fn(&str) -> bool,
    on_item: &mut dyn FnMut(&str, usize, Value, PosIndex),
) -> Result<(Value, PosIndex, Vec<TreeProblem>), TreeProblem> {
    let mut problems = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (Value, PosNode)> = HashMap::new();
    let mut root: Option<(Value, PosNode)> = None;
    let mut nodes = 0usize;
    let mut duplicates = 0usize;

    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| TreeProblem::Syntax {
            message: e.info(),
            pos: scan_pos(&e),
        })?;
        let pos = pos_of(&span);
        let (value, position, anchor) = match event {
            Event::SequenceStart(_, anchor, _) => {
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    positions: Vec::new(),
                    streamed: 0,
                    pos,
                    anchor,
                });
                continue;
            }
            Event::MappingStart(_, anchor, _) => {
                stack.push(Frame::Map {
                    map: Map::new(),
                    positions: Vec::new(),
                    pending_key: None,
                    pos,
                    anchor,
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    items,
                    positions,
                    pos,
                    anchor,
                    ..
                }) => (Value::Array(items), PosNode::Seq(pos, positions), anchor),
                _ => {
                    return Err(TreeProblem::Syntax {
                        message: "unbalanced sequence".into(),
                        pos,
                    });
                }
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    map,
                    mut positions,
                    pos,
                    anchor,
                    ..
                }) => {
                    positions.sort_by(|a, b| a.0.cmp(&b.0));
                    (Value::Object(map), PosNode::Map(pos, positions), anchor)
                }
                _ => {
                    return Err(TreeProblem::Syntax {
                        message: "unbalanced mapping".into(),
                        pos,
                    });
                }
            },
            Event::Scalar(text, style, anchor, _) => {
                // A key: its text as written (`1:` is the key `1`), never a value.
                if anchor == 0
                    && let Some(Frame::Map { pending_key, .. }) = stack.last_mut()
                    && pending_key.is_none()
                {
                    *pending_key = Some((text.into_owned(), pos));
                    nodes += 1;
                    continue;
                }
                let value = if matches!(style, ScalarStyle::Plain) {
                    resolve_plain(&text)
                } else {
                    Value::String(text.into_owned())
                };
                (value, PosNode::Leaf(pos), anchor)
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some((value, position)) => {
                    nodes = nodes.saturating_add(position.count());
                    if nodes > max_nodes {
                        return Err(TreeProblem::TooLarge { pos });
                    }
                    (value.clone(), position.clone(), 0)
                }
                None => {
                    return Err(TreeProblem::Syntax {
                        message: "alias to an unknown anchor".into(),
                        pos,
                    });
                }
            },
            _ => continue,
        };
        nodes += 1;
        if nodes > max_nodes {
            return Err(TreeProblem::TooLarge { pos });
        }
        if anchor != 0 {
            anchors.insert(anchor, (value.clone(), position.clone()));
        }
        // An item of a top-level list that is checked on its own.
        let streamed_key = match (stack.len(), stack.first()) {
            (
                2,
                Some(Frame::Map {
                    pending_key: Some((key, _)),
                    ..
                }),
            ) if stream(key) => Some(key.clone()),
            _ => None,
        };
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    root = Some((value, position));
                }
            }
            Some(Frame::Seq {
                items,
                positions,
                streamed,
                ..
            }) => match streamed_key {
                Some(key) => {
                    let index = PosIndex {
                        root: Some(position),
                    };
                    on_item(&key, *streamed, value, index);
                    *streamed += 1;
                }
                None => {
                    items.push(value);
                    positions.push(position);
                }
            },
            Some(Frame::Map {
                map,
                positions,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => match value {
                    // An anchored or aliased scalar used as a key.
                    Value::String(key) => *pending_key = Some((key, position.pos())),
                    _ => {
                        problems.push(TreeProblem::ComplexKey {
                            pos: position.pos(),
                        });
                        *pending_key = Some((String::new(), position.pos()));
                    }
                },
                Some((key, key_pos)) => {
                    if map.contains_key(&key) {
                        duplicates += 1;
                        if duplicates <= MAX_DUPLICATES {
                            let first = positions
                                .iter()
                                .find(|(k, _, _)| k.as_ref() == key)
                                .map_or(key_pos, |(_, p, _)| *p);
                            problems.push(TreeProblem::DuplicateKey {
                                key,
                                pos: key_pos,
                                first,
                            });
                        }
                    } else {
                        positions.push((key.as_str().into(), key_pos, position));
                        map.insert(key, value);
                    }
                }
            },
        }
    }
    let (value, position) = root.unwrap_or((Value::Null, PosNode::Leaf(Pos::default())));
    Ok((
        value,
        PosIndex {
            root: Some(position),
        },
        problems,
    ))
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Resolves a plain scalar by the YAML 1.2 core schema.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = text.parse::<i64>() {
        return Value::Number(i.into());
    }
    if let Ok(u) = text.parse::<u64>() {
        return Value::Number(u.into());
    }
    let looks_numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if looks_numeric && let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64) {
        return Value::Number(n);
    }
    Value::String(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_positions_for_keys_and_values() {
        let text = "a: 1\nlist:\n  - name: 電子カルテ\n    ok: true\n";
        let (value, index, problems) =
            parse(text, 1000).unwrap_or_else(|_| (Value::Null, PosIndex::default(), vec![]));
        assert!(problems.is_empty());
        assert_eq!(value["a"], Value::from(1));
        assert_eq!(value["list"][0]["ok"], Value::Bool(true));
        let pos = index.value("/list/0/name").unwrap();
        assert_eq!((pos.line, pos.column), (3, 11));
        let key = index.key("/list/0/ok").unwrap();
        assert_eq!((key.line, key.column), (4, 5));
        assert!(index.value("/list/1").is_none());
        assert_eq!(index.value("").map(|p| p.line), Some(1));
    }

    #[test]
    fn reports_duplicate_keys() {
        let Ok((_, _, problems)) = parse("a: 1\na: 2\n", 100) else {
            panic!("parse failed")
        };
        assert!(matches!(&problems[..], [TreeProblem::DuplicateKey { key, .. }] if key == "a"));
    }

    #[test]
    fn alias_expansion_is_bounded() {
        let text = "a: &a [1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b]\n";
        assert!(matches!(
            parse(text, 100),
            Err(TreeProblem::TooLarge { .. })
        ));
    }

    #[test]
    fn quoted_scalars_stay_text() {
        let Ok((value, _, _)) = parse("a: '1'\nb: 1.5\nc: tls1.3\n", 100) else {
            panic!("parse failed")
        };
        assert_eq!(value["a"], Value::from("1"));
        assert_eq!(value["b"], Value::from(1.5));
        assert_eq!(value["c"], Value::from("tls1.3"));
    }

    #[test]
    fn at_most_so_many_duplicate_keys_are_listed() {
        let text = "a: 1\n".repeat(MAX_DUPLICATES + 200);
        let Ok((value, _, problems)) = parse(&text, 1_000_000) else {
            panic!("parse failed")
        };
        assert_eq!(problems.len(), MAX_DUPLICATES);
        assert_eq!(
            value["a"],
            Value::from(1),
            "the first of duplicate keys wins"
        );
    }
}
