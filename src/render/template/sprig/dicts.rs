//! Dictionary helpers: building, reading, picking and merging maps.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::Value;

use super::args::{FResult, Func, arg, err, s, str_v};

/// The helpers of this group, by name.
pub(super) const FUNCS: &[(&str, Func)] = &[
    ("dict", dict),
    ("get", get),
    ("set", set),
    ("hasKey", has_key),
    ("keys", keys),
    ("values", values),
    ("pick", pick),
    ("omit", omit),
    ("merge", merge),
    ("dig", dig),
];

fn dict(_: &'static str, a: &[Value]) -> FResult {
    let mut m = BTreeMap::new();
    for pair in a.chunks(2) {
        m.insert(
            Arc::from(s(&pair[0]).as_str()),
            pair.get(1).cloned().unwrap_or_else(|| str_v("")),
        );
    }
    Ok(Value::Map(Arc::new(m)))
}

fn get(nm: &'static str, a: &[Value]) -> FResult {
    Ok(match arg(a, 0, nm)? {
        Value::Map(m) => m
            .get(s(arg(a, 1, nm)?).as_str())
            .cloned()
            .unwrap_or_else(|| str_v("")),
        _ => str_v(""),
    })
}

fn set(nm: &'static str, a: &[Value]) -> FResult {
    let Value::Map(m) = arg(a, 0, nm)? else {
        return Err(err(nm, "not a dict"));
    };
    let mut m = (**m).clone();
    m.insert(
        Arc::from(s(arg(a, 1, nm)?).as_str()),
        arg(a, 2, nm)?.clone(),
    );
    Ok(Value::Map(Arc::new(m)))
}

fn has_key(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Bool(match arg(a, 0, nm)? {
        Value::Map(m) => m.contains_key(s(arg(a, 1, nm)?).as_str()),
        _ => false,
    }))
}

fn keys(_: &'static str, a: &[Value]) -> FResult {
    let mut k: Vec<Value> = a
        .iter()
        .filter_map(|v| {
            if let Value::Map(m) = v {
                Some(m.keys().map(|k| str_v(k.to_string())).collect::<Vec<_>>())
            } else {
                None
            }
        })
        .flatten()
        .collect();
    k.sort_by_key(s);
    Ok(Value::List(k.into()))
}

fn values(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::List(match arg(a, 0, nm)? {
        Value::Map(m) => m.values().cloned().collect(),
        _ => Vec::new().into(),
    }))
}

fn pick(nm: &'static str, a: &[Value]) -> FResult {
    let Value::Map(m) = arg(a, 0, nm)? else {
        return Err(err(nm, "not a dict"));
    };
    let keep: Vec<String> = a[1..].iter().map(s).collect();
    Ok(Value::Map(Arc::new(
        m.iter()
            .filter(|(k, _)| keep.contains(&k.to_string()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )))
}

fn omit(nm: &'static str, a: &[Value]) -> FResult {
    let Value::Map(m) = arg(a, 0, nm)? else {
        return Err(err(nm, "not a dict"));
    };
    let drop: Vec<String> = a[1..].iter().map(s).collect();
    Ok(Value::Map(Arc::new(
        m.iter()
            .filter(|(k, _)| !drop.contains(&k.to_string()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )))
}

fn merge(nm: &'static str, a: &[Value]) -> FResult {
    let mut out = BTreeMap::new();
    for v in a.iter().rev() {
        if let Value::Map(m) = v {
            for (k, val) in m.iter() {
                out.insert(k.clone(), val.clone());
            }
        }
    }
    if a.is_empty() {
        return Err(err(nm, "wrong number of arguments"));
    }
    Ok(Value::Map(Arc::new(out)))
}

fn dig(nm: &'static str, a: &[Value]) -> FResult {
    if a.len() < 3 {
        return Err(err(nm, "wrong number of arguments"));
    }
    let (keys, rest) = a.split_at(a.len() - 2);
    let mut cur = rest[1].clone();
    for k in keys {
        cur = match &cur {
            Value::Map(m) => match m.get(s(k).as_str()) {
                Some(v) => v.clone(),
                None => return Ok(rest[0].clone()),
            },
            _ => return Ok(rest[0].clone()),
        };
    }
    Ok(cur)
}
