//! The `regex*` helpers (RE2 syntax, as Go reads it). The only `regex` user.

use gotmpl::Value;

use super::args::{FResult, Func, arg, err, n, s, str_v};

/// The helpers of this group, by name.
pub(super) const FUNCS: &[(&str, Func)] = &[
    ("regexMatch", regex_match),
    ("regexReplaceAll", regex_replace_all),
    ("regexFind", regex_find),
    ("regexFindAll", regex_find_all),
    ("regexSplit", regex_split),
    ("regexQuoteMeta", regex_quote_meta),
    ("regexReplaceAllLiteral", regex_replace_all_literal),
];

fn regex_match(nm: &'static str, a: &[Value]) -> FResult {
    let re = regex::Regex::new(&s(arg(a, 0, nm)?)).map_err(|e| err(nm, &e.to_string()))?;
    Ok(Value::Bool(re.is_match(&s(arg(a, 1, nm)?))))
}

fn regex_replace_all(nm: &'static str, a: &[Value]) -> FResult {
    let re = regex::Regex::new(&s(arg(a, 0, nm)?)).map_err(|e| err(nm, &e.to_string()))?;
    Ok(str_v(re.replace_all(
        &s(arg(a, 1, nm)?),
        s(arg(a, 2, nm)?).as_str(),
    )))
}

fn regex_find(nm: &'static str, a: &[Value]) -> FResult {
    let re = regex::Regex::new(&s(arg(a, 0, nm)?)).map_err(|e| err(nm, &e.to_string()))?;
    Ok(str_v(
        re.find(&s(arg(a, 1, nm)?)).map_or("", |m| m.as_str()),
    ))
}

fn regex_find_all(nm: &'static str, a: &[Value]) -> FResult {
    let re = regex::Regex::new(&s(arg(a, 0, nm)?)).map_err(|e| err(nm, &e.to_string()))?;
    let t = s(arg(a, 1, nm)?);
    let lim = a.get(2).map_or(-1, n);
    Ok(Value::List(
        re.find_iter(&t)
            .take(if lim < 0 { usize::MAX } else { lim as usize })
            .map(|m| str_v(m.as_str()))
            .collect(),
    ))
}

fn regex_split(nm: &'static str, a: &[Value]) -> FResult {
    let re = regex::Regex::new(&s(arg(a, 0, nm)?)).map_err(|e| err(nm, &e.to_string()))?;
    Ok(Value::List(
        re.split(&s(arg(a, 1, nm)?)).map(str_v).collect(),
    ))
}

fn regex_quote_meta(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(regex::escape(&s(arg(a, 0, nm)?))))
}

fn regex_replace_all_literal(nm: &'static str, a: &[Value]) -> FResult {
    let re = regex::Regex::new(&s(arg(a, 0, nm)?)).map_err(|e| err(nm, &e.to_string()))?;
    Ok(str_v(re.replace_all(
        &s(arg(a, 1, nm)?),
        regex::NoExpand(&s(arg(a, 2, nm)?)),
    )))
}
