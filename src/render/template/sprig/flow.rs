//! Defaults, conditions and types: `default empty coalesce ternary fail typeOf kindIs`.

use gotmpl::Value;

use super::args::{FResult, Func, arg, blank, err, s, str_v};

/// The helpers of this group, by name.
pub(super) const FUNCS: &[(&str, Func)] = &[
    ("default", default),
    ("empty", empty),
    ("coalesce", coalesce),
    ("ternary", ternary),
    ("fail", fail),
    ("typeOf", type_of),
    ("kindIs", kind_is),
];

fn default(nm: &'static str, a: &[Value]) -> FResult {
    let d = arg(a, 0, nm)?;
    Ok(match a.get(1) {
        Some(v) if !blank(v) => v.clone(),
        _ => d.clone(),
    })
}

fn empty(_: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Bool(a.first().is_none_or(blank)))
}

fn coalesce(_: &'static str, a: &[Value]) -> FResult {
    Ok(a.iter().find(|v| !blank(v)).cloned().unwrap_or(Value::Nil))
}

fn ternary(nm: &'static str, a: &[Value]) -> FResult {
    Ok(if arg(a, 2, nm)?.is_truthy() {
        a[0].clone()
    } else {
        a[1].clone()
    })
}

fn fail(nm: &'static str, a: &[Value]) -> FResult {
    Err(err(nm, &s(arg(a, 0, nm)?)))
}

fn type_of(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(arg(a, 0, nm)?.type_name()))
}

fn kind_is(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Bool(arg(a, 1, nm)?.type_name() == s(&a[0])))
}
