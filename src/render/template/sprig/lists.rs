//! List helpers: building, slicing, sets and ranges.

use gotmpl::Value;

use super::args::{FResult, Func, arg, blank, err, list_of, n, str_v};

/// The helpers of this group, by name.
pub(super) const FUNCS: &[(&str, Func)] = &[
    ("list", list),
    ("first", first),
    ("last", last),
    ("append", append),
    ("push", push),
    ("prepend", prepend),
    ("rest", rest),
    ("initial", initial),
    ("reverse", reverse),
    ("uniq", uniq),
    ("compact", compact),
    ("has", has),
    ("without", without),
    ("concat", concat),
    ("until", until),
    ("seq", seq),
];

fn list(_: &'static str, a: &[Value]) -> FResult {
    Ok(Value::List(a.iter().cloned().collect()))
}

fn first(nm: &'static str, a: &[Value]) -> FResult {
    Ok(match arg(a, 0, nm)? {
        Value::List(l) => l.first().cloned().unwrap_or(Value::Nil),
        _ => Value::Nil,
    })
}

fn last(nm: &'static str, a: &[Value]) -> FResult {
    Ok(match arg(a, 0, nm)? {
        Value::List(l) => l.last().cloned().unwrap_or(Value::Nil),
        _ => Value::Nil,
    })
}

fn append(nm: &'static str, a: &[Value]) -> FResult {
    let mut l = list_of(arg(a, 0, nm)?);
    l.push(arg(a, 1, nm)?.clone());
    Ok(Value::List(l.into()))
}

fn push(nm: &'static str, a: &[Value]) -> FResult {
    let mut l = list_of(arg(a, 0, nm)?);
    l.push(arg(a, 1, nm)?.clone());
    Ok(Value::List(l.into()))
}

fn prepend(nm: &'static str, a: &[Value]) -> FResult {
    let mut l = list_of(arg(a, 0, nm)?);
    l.insert(0, arg(a, 1, nm)?.clone());
    Ok(Value::List(l.into()))
}

fn rest(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::List(
        list_of(arg(a, 0, nm)?).into_iter().skip(1).collect(),
    ))
}

fn initial(nm: &'static str, a: &[Value]) -> FResult {
    let mut l = list_of(arg(a, 0, nm)?);
    l.pop();
    Ok(Value::List(l.into()))
}

fn reverse(nm: &'static str, a: &[Value]) -> FResult {
    let mut l = list_of(arg(a, 0, nm)?);
    l.reverse();
    Ok(Value::List(l.into()))
}

fn uniq(nm: &'static str, a: &[Value]) -> FResult {
    let mut out: Vec<Value> = Vec::new();
    for v in list_of(arg(a, 0, nm)?) {
        if !out.iter().any(|o| o.to_string() == v.to_string()) {
            out.push(v);
        }
    }
    Ok(Value::List(out.into()))
}

fn compact(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::List(
        list_of(arg(a, 0, nm)?)
            .into_iter()
            .filter(|v| !blank(v))
            .collect(),
    ))
}

fn has(nm: &'static str, a: &[Value]) -> FResult {
    let needle = arg(a, 0, nm)?.to_string();
    Ok(Value::Bool(
        list_of(arg(a, 1, nm)?)
            .iter()
            .any(|v| v.to_string() == needle),
    ))
}

fn without(nm: &'static str, a: &[Value]) -> FResult {
    let drop: Vec<String> = a[1..].iter().map(ToString::to_string).collect();
    Ok(Value::List(
        list_of(arg(a, 0, nm)?)
            .into_iter()
            .filter(|v| !drop.contains(&v.to_string()))
            .collect(),
    ))
}

fn concat(_: &'static str, a: &[Value]) -> FResult {
    Ok(Value::List(a.iter().flat_map(list_of).collect()))
}

fn until(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::List(
        (0..n(arg(a, 0, nm)?).clamp(0, 10_000))
            .map(Value::Int)
            .collect(),
    ))
}

fn seq(nm: &'static str, a: &[Value]) -> FResult {
    let (start, end) = match a.len() {
        0 => return Err(err(nm, "wrong number of args: want 1 or more")),
        1 => (1, n(&a[0])),
        _ => (n(&a[0]), n(&a[1])),
    };
    let step = if start <= end { 1 } else { -1 };
    let mut out = Vec::new();
    let mut i = start;
    while out.len() < 10_000 {
        out.push(i.to_string());
        if i == end {
            break;
        }
        i += step;
    }
    Ok(str_v(out.join(" ")))
}
