//! Integer and float arithmetic and conversions.

use gotmpl::Value;

use super::args::{FResult, Func, arg, err, f, n, s};

/// The helpers of this group, by name.
pub(super) const FUNCS: &[(&str, Func)] = &[
    ("add", add),
    ("sub", sub),
    ("mul", mul),
    ("div", div),
    ("mod", modulo),
    ("max", max),
    ("min", min),
    ("int", int),
    ("int64", int64),
    ("atoi", atoi),
    ("float64", float64),
    ("floor", floor),
    ("ceil", ceil),
    ("round", round),
    ("addf", addf),
    ("subf", subf),
    ("mulf", mulf),
    ("divf", divf),
    ("add1", add1),
];

fn add(_: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Int(a.iter().map(n).fold(0i64, i64::wrapping_add)))
}

fn sub(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Int(
        n(arg(a, 0, nm)?).wrapping_sub(n(arg(a, 1, nm)?)),
    ))
}

fn mul(_: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Int(a.iter().map(n).fold(1i64, i64::wrapping_mul)))
}

fn div(nm: &'static str, a: &[Value]) -> FResult {
    let d = n(arg(a, 1, nm)?);
    if d == 0 {
        return Err(err(nm, "division by zero"));
    }
    Ok(Value::Int(n(&a[0]).wrapping_div(d)))
}

fn modulo(nm: &'static str, a: &[Value]) -> FResult {
    let d = n(arg(a, 1, nm)?);
    if d == 0 {
        return Err(err(nm, "division by zero"));
    }
    Ok(Value::Int(n(&a[0]).wrapping_rem(d)))
}

fn max(_: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Int(a.iter().map(n).max().unwrap_or(0)))
}

fn min(_: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Int(a.iter().map(n).min().unwrap_or(0)))
}

fn int(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Int(n(arg(a, 0, nm)?)))
}

fn int64(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Int(n(arg(a, 0, nm)?)))
}

fn atoi(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Int(s(arg(a, 0, nm)?).trim().parse().unwrap_or(0)))
}

fn float64(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Float(match arg(a, 0, nm)? {
        Value::Float(f) => *f,
        Value::String(x) => x.trim().parse().unwrap_or(0.0),
        other => n(other) as f64,
    }))
}

fn floor(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Float(f(arg(a, 0, nm)?).floor()))
}

fn ceil(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Float(f(arg(a, 0, nm)?).ceil()))
}

fn round(nm: &'static str, a: &[Value]) -> FResult {
    let p = a.get(1).map_or(0, n).clamp(0, 15) as i32;
    let m = 10f64.powi(p);
    Ok(Value::Float((f(arg(a, 0, nm)?) * m).round() / m))
}

fn addf(_: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Float(a.iter().map(f).sum()))
}

fn subf(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Float(
        a[1..].iter().map(f).fold(f(arg(a, 0, nm)?), |x, y| x - y),
    ))
}

fn mulf(_: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Float(a.iter().map(f).product()))
}

fn divf(nm: &'static str, a: &[Value]) -> FResult {
    let d = f(arg(a, 1, nm)?);
    Ok(Value::Float(f(&a[0]) / d))
}

fn add1(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Int(n(arg(a, 0, nm)?).wrapping_add(1)))
}
