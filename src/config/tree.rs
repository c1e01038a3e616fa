//! The loaded configuration as a tree of values, each carrying where it came
//! from (file:line:column, or the environment variable that set it).

use std::fmt;

/// Where a value was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The n-th loaded file (an index into [`super::Sources`]).
    File(usize),
    /// An environment override, by variable name.
    Env(String),
}

/// A place in the input: the origin plus a 1-based line and column (both 0
/// when the origin has no lines, as for environment variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub origin: Origin,
    pub line: u32,
    pub column: u32,
}

impl Loc {
    #[must_use]
    pub fn env(var: &str) -> Self {
        Self {
            origin: Origin::Env(var.to_owned()),
            line: 0,
            column: 0,
        }
    }
}

/// One value of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub loc: Loc,
}

/// The value kinds YAML and JSON share.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One key of a mapping, with the key's own location.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_loc: Loc,
    pub node: Node,
}

impl Value {
    /// The JSON-schema type name, as used in messages.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }
}

impl Node {
    /// An empty mapping with no place.
    #[must_use]
    pub fn empty_map() -> Node {
        Node {
            value: Value::Map(Vec::new()),
            loc: Loc::env(""),
        }
    }

    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    #[must_use]
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }

    #[must_use]
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }

    /// The entry for `key` if this is a mapping that has it.
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().find(|e| e.key == key)
    }

    /// The child node for `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.node)
    }

    /// Follows a path of mapping keys (and, in an array, indexes).
    #[must_use]
    pub fn lookup(&self, path: &[&str]) -> Option<&Node> {
        let mut node = self;
        for key in path {
            node = match &node.value {
                Value::Seq(items) => items.get(key.parse::<usize>().ok()?)?,
                _ => node.get(key)?,
            };
        }
        Some(node)
    }

    /// Merges `other` into `self` as Kratos (koanf) merges config files:
    /// mappings key by key, everything else replaced by the later value.
    pub fn merge(&mut self, other: Node) {
        match (&mut self.value, other.value) {
            (Value::Map(mine), Value::Map(theirs)) => {
                for entry in theirs {
                    if let Some(existing) = mine.iter_mut().find(|e| e.key == entry.key) {
                        existing.key_loc = entry.key_loc;
                        existing.node.merge(entry.node);
                    } else {
                        mine.push(entry);
                    }
                }
            }
            (_, value) => {
                self.value = value;
                self.loc = other.loc;
            }
        }
    }

    /// Converts to JSON (for Jsonnet sample data and `render`).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => items.iter().map(Node::to_json).collect(),
            Value::Map(entries) => entries
                .iter()
                .map(|e| (e.key.clone(), e.node.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }

    /// Builds a tree from JSON, every node located at `loc`.
    #[must_use]
    pub fn from_json(json: &serde_json::Value, loc: &Loc) -> Node {
        let value = match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(a) => {
                Value::Seq(a.iter().map(|v| Node::from_json(v, loc)).collect())
            }
            serde_json::Value::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| Entry {
                        key: k.clone(),
                        key_loc: loc.clone(),
                        node: Node::from_json(v, loc),
                    })
                    .collect(),
            ),
        };
        Node {
            value,
            loc: loc.clone(),
        }
    }
}

/// A key path such as `courier.channels[0].request_config.url`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(Vec<Seg>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

impl KeyPath {
    #[must_use]
    pub fn root(key: &str) -> Self {
        Self(vec![Seg::Key(key.to_owned())])
    }

    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(key.to_owned()));
        p
    }

    #[must_use]
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    /// The segments as the schema's key paths spell them (`#` for an
    /// array index).
    #[must_use]
    pub fn schema_segments(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|s| match s {
                Seg::Key(k) => k.clone(),
                Seg::Index(_) => "#".to_owned(),
            })
            .collect()
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Entry, KeyPath, Loc, Node, Origin, Value};

    fn loc(line: u32) -> Loc {
        Loc {
            origin: Origin::File(0),
            line,
            column: 1,
        }
    }

    fn map(entries: Vec<(&str, Node)>, line: u32) -> Node {
        Node {
            value: Value::Map(
                entries
                    .into_iter()
                    .map(|(k, n)| Entry {
                        key: k.into(),
                        key_loc: n.loc.clone(),
                        node: n,
                    })
                    .collect(),
            ),
            loc: loc(line),
        }
    }

    fn s(v: &str, line: u32) -> Node {
        Node {
            value: Value::Str(v.into()),
            loc: loc(line),
        }
    }

    #[test]
    fn merge_is_key_by_key_and_later_wins() {
        let mut a = map(
            vec![("a", map(vec![("x", s("1", 2)), ("y", s("2", 3))], 1))],
            1,
        );
        let b = map(vec![("a", map(vec![("y", s("3", 9))], 8))], 8);
        a.merge(b);
        let a_node = a.get("a").unwrap();
        assert_eq!(a_node.get("x").unwrap().as_str(), Some("1"));
        let y = a_node.get("y").unwrap();
        assert_eq!(y.as_str(), Some("3"));
        assert_eq!(y.loc.line, 9);
    }

    #[test]
    fn key_paths_print_like_kratos_keys() {
        let p = KeyPath::root("courier")
            .key("channels")
            .index(0)
            .key("request_config");
        assert_eq!(p.to_string(), "courier.channels[0].request_config");
    }
}
