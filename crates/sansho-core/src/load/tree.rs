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

/// Positions of every value and every mapping key, addressed by JSON pointer.
#[derive(Debug, Default)]
pub struct PosIndex {
    pub values: HashMap<String, Pos>,
    pub keys: HashMap<String, Pos>,
}

#[derive(Clone, Debug)]
enum Node {
    Scalar {
        text: String,
        plain: bool,
        pos: Pos,
    },
    Seq {
        items: Vec<Node>,
        pos: Pos,
    },
    Map {
        entries: Vec<(String, Pos, Node)>,
        pos: Pos,
    },
}

impl Node {
    fn pos(&self) -> Pos {
        match self {
            Node::Scalar { pos, .. } | Node::Seq { pos, .. } | Node::Map { pos, .. } => *pos,
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
    Map {
        entries: Vec<(String, Pos, Node)>,
        pending_key: Option<(String, Pos)>,
        pos: Pos,
        anchor: usize,
    },
}

fn pos_of(span: &YamlSpan) -> Pos {
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

/// Parses `text` into JSON plus a position index. `max_nodes` bounds alias expansion.
pub fn parse(
    text: &str,
    max_nodes: usize,
) -> Result<(Value, PosIndex, Vec<TreeProblem>), TreeProblem> {
    let mut problems = Vec::new();
    let root = build(text, max_nodes, &mut problems)?;
    let mut index = PosIndex::default();
    let value = match root {
        Some(node) => to_json(node, &mut String::new(), &mut index),
        None => Value::Null,
    };
    Ok((value, index, problems))
}

fn build(
    text: &str,
    max_nodes: usize,
    problems: &mut Vec<TreeProblem>,
) -> Result<Option<Node>, TreeProblem> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut nodes = 0usize;

    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| TreeProblem::Syntax {
            message: e.info(),
            pos: scan_pos(&e),
        })?;
        let pos = pos_of(&span);
        let (node, anchor) = match event {
            Event::SequenceStart(_, anchor, _) => {
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                });
                continue;
            }
            Event::MappingStart(_, anchor, _) => {
                stack.push(Frame::Map {
                    entries: Vec::new(),
                    pending_key: None,
                    pos,
                    anchor,
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { items, pos, anchor }) => (Node::Seq { items, pos }, anchor),
                _ => {
                    return Err(TreeProblem::Syntax {
                        message: "unbalanced sequence".into(),
                        pos,
                    });
                }
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    entries,
                    pos,
                    anchor,
                    ..
                }) => (Node::Map { entries, pos }, anchor),
                _ => {
                    return Err(TreeProblem::Syntax {
                        message: "unbalanced mapping".into(),
                        pos,
                    });
                }
            },
            Event::Scalar(text, style, anchor, _) => (
                Node::Scalar {
                    text: text.into_owned(),
                    plain: matches!(style, ScalarStyle::Plain),
                    pos,
                },
                anchor,
            ),
            Event::Alias(id) => match anchors.get(&id) {
                Some(node) => {
                    nodes = nodes.saturating_add(count(node));
                    (node.clone(), 0)
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
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => match node {
                    Node::Scalar { text, pos, .. } => *pending_key = Some((text, pos)),
                    other => {
                        problems.push(TreeProblem::ComplexKey { pos: other.pos() });
                        *pending_key = Some((String::new(), other.pos()));
                    }
                },
                Some((key, key_pos)) => {
                    if let Some((_, first, _)) = entries.iter().find(|(k, _, _)| *k == key) {
                        problems.push(TreeProblem::DuplicateKey {
                            key: key.clone(),
                            pos: key_pos,
                            first: *first,
                        });
                    } else {
                        entries.push((key, key_pos, node));
                    }
                }
            },
        }
    }
    Ok(root)
}

fn count(node: &Node) -> usize {
    match node {
        Node::Scalar { .. } => 1,
        Node::Seq { items, .. } => 1 + items.iter().map(count).sum::<usize>(),
        Node::Map { entries, .. } => 1 + entries.iter().map(|(_, _, n)| count(n)).sum::<usize>(),
    }
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn to_json(node: Node, path: &mut String, index: &mut PosIndex) -> Value {
    index.values.insert(path.clone(), node.pos());
    match node {
        Node::Scalar { text, plain, .. } => {
            if plain {
                resolve_plain(&text)
            } else {
                Value::String(text)
            }
        }
        Node::Seq { items, .. } => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                out.push(to_json(item, path, index));
                path.truncate(len);
            }
            Value::Array(out)
        }
        Node::Map { entries, .. } => {
            let mut out = Map::new();
            for (key, key_pos, value) in entries {
                let len = path.len();
                path.push('/');
                path.push_str(&escape_segment(&key));
                index.keys.insert(path.clone(), key_pos);
                let value = to_json(value, path, index);
                path.truncate(len);
                out.insert(key, value);
            }
            Value::Object(out)
        }
    }
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
        let pos = index.values["/list/0/name"];
        assert_eq!((pos.line, pos.column), (3, 11));
        let key = index.keys["/list/0/ok"];
        assert_eq!((key.line, key.column), (4, 5));
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
}
