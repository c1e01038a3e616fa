//! String helpers: case, trimming, quoting, padding, splitting and joining, paths.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::Value;

use super::args::{FResult, Func, arg, list_of, n, s, str_v, within};

/// The helpers of this group, by name.
pub(super) const FUNCS: &[(&str, Func)] = &[
    ("upper", upper),
    ("lower", lower),
    ("title", title),
    ("trim", trim),
    ("trimAll", trim_all),
    ("trimPrefix", trim_prefix),
    ("trimSuffix", trim_suffix),
    ("replace", replace),
    ("contains", contains),
    ("hasPrefix", has_prefix),
    ("hasSuffix", has_suffix),
    ("quote", quote),
    ("squote", squote),
    ("substr", substr),
    ("trunc", trunc),
    ("abbrev", abbrev),
    ("indent", indent),
    ("nindent", nindent),
    ("nospace", nospace),
    ("repeat", repeat),
    ("cat", cat),
    ("untitle", untitle),
    ("swapcase", swapcase),
    ("initials", initials),
    ("snakecase", snakecase),
    ("kebabcase", kebabcase),
    ("camelcase", camelcase),
    ("plural", plural),
    ("wrap", wrap),
    ("base", base),
    ("ext", ext),
    ("split", split),
    ("splitList", split_list),
    ("join", join),
    ("toString", to_string),
    ("toStrings", to_strings),
];

fn upper(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(s(arg(a, 0, nm)?).to_uppercase()))
}

fn lower(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(s(arg(a, 0, nm)?).to_lowercase()))
}

fn title(nm: &'static str, a: &[Value]) -> FResult {
    let t = s(arg(a, 0, nm)?);
    let mut out = String::new();
    let mut prev_letter = false;
    for c in t.chars() {
        out.extend(if prev_letter {
            c.to_lowercase().collect::<Vec<_>>()
        } else {
            c.to_uppercase().collect()
        });
        prev_letter = c.is_alphanumeric() || c == '\'';
    }
    Ok(str_v(out))
}

fn trim(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(s(arg(a, 0, nm)?).trim()))
}

fn trim_all(nm: &'static str, a: &[Value]) -> FResult {
    let cut = s(arg(a, 0, nm)?);
    Ok(str_v(s(arg(a, 1, nm)?).trim_matches(|c| cut.contains(c))))
}

fn trim_prefix(nm: &'static str, a: &[Value]) -> FResult {
    let p = s(arg(a, 0, nm)?);
    let t = s(arg(a, 1, nm)?);
    Ok(str_v(t.strip_prefix(p.as_str()).unwrap_or(&t)))
}

fn trim_suffix(nm: &'static str, a: &[Value]) -> FResult {
    let p = s(arg(a, 0, nm)?);
    let t = s(arg(a, 1, nm)?);
    Ok(str_v(t.strip_suffix(p.as_str()).unwrap_or(&t)))
}

fn replace(nm: &'static str, a: &[Value]) -> FResult {
    let text = s(arg(a, 2, nm)?);
    let (old, new) = (s(&a[0]), s(&a[1]));
    let hits = if old.is_empty() {
        text.chars().count() + 1
    } else {
        text.matches(old.as_str()).count()
    };
    within(
        nm,
        hits.saturating_mul(new.len()).saturating_add(text.len()),
    )?;
    Ok(str_v(text.replace(&old, &new)))
}

fn contains(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Bool(s(arg(a, 1, nm)?).contains(&s(&a[0]))))
}

fn has_prefix(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Bool(s(arg(a, 1, nm)?).starts_with(&s(&a[0]))))
}

fn has_suffix(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::Bool(s(arg(a, 1, nm)?).ends_with(&s(&a[0]))))
}

fn quote(_: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(
        a.iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| format!("{:?}", s(v)))
            .collect::<Vec<_>>()
            .join(" "),
    ))
}

fn squote(_: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(
        a.iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(|v| format!("'{}'", s(v)))
            .collect::<Vec<_>>()
            .join(" "),
    ))
}

fn substr(nm: &'static str, a: &[Value]) -> FResult {
    let t: Vec<char> = s(arg(a, 2, nm)?).chars().collect();
    let (st, en) = (n(&a[0]), n(&a[1]));
    let len = t.len() as i64;
    let st = if st < 0 { 0 } else { st.min(len) } as usize;
    let en = if en < 0 || en > len { len } else { en } as usize;
    Ok(str_v(if st > en {
        String::new()
    } else {
        t[st..en].iter().collect()
    }))
}

fn trunc(nm: &'static str, a: &[Value]) -> FResult {
    let t: Vec<char> = s(arg(a, 1, nm)?).chars().collect();
    let c = n(&a[0]);
    let len = t.len() as i64;
    Ok(str_v(if c >= 0 {
        t[..(c.min(len) as usize)].iter().collect::<String>()
    } else {
        t[((len + c).max(0) as usize)..].iter().collect()
    }))
}

fn abbrev(nm: &'static str, a: &[Value]) -> FResult {
    let w = n(arg(a, 0, nm)?);
    let t = s(arg(a, 1, nm)?);
    let chars: Vec<char> = t.chars().collect();
    Ok(str_v(if w < 4 || chars.len() as i64 <= w {
        t
    } else {
        chars[..(w as usize - 3)].iter().collect::<String>() + "..."
    }))
}

fn indent(nm: &'static str, a: &[Value]) -> FResult {
    indented(nm, a, "")
}

fn nindent(nm: &'static str, a: &[Value]) -> FResult {
    indented(nm, a, "\n")
}

/// `lead`, then the text with every line indented.
fn indented(nm: &'static str, a: &[Value], lead: &str) -> FResult {
    let width = usize::try_from(n(arg(a, 0, nm)?).max(0)).unwrap_or(usize::MAX);
    let text = s(arg(a, 1, nm)?);
    let lines = text.matches('\n').count() + 1;
    within(
        nm,
        width.saturating_mul(lines).saturating_add(text.len() + 1),
    )?;
    let pad = " ".repeat(width);
    Ok(str_v(format!(
        "{lead}{pad}{}",
        text.replace('\n', &format!("\n{pad}"))
    )))
}

fn nospace(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(
        s(arg(a, 0, nm)?)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>(),
    ))
}

fn repeat(nm: &'static str, a: &[Value]) -> FResult {
    let text = s(arg(a, 1, nm)?);
    let count = usize::try_from(n(arg(a, 0, nm)?).clamp(0, 10_000)).unwrap_or(0);
    within(nm, text.len().saturating_mul(count))?;
    Ok(str_v(text.repeat(count)))
}

fn cat(_: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(
        a.iter()
            .filter(|v| !matches!(v, Value::Nil))
            .map(s)
            .collect::<Vec<_>>()
            .join(" "),
    ))
}

fn untitle(nm: &'static str, a: &[Value]) -> FResult {
    let t = s(arg(a, 0, nm)?);
    let mut prev_space = true;
    Ok(str_v(
        t.chars()
            .map(|c| {
                let out = if prev_space {
                    c.to_lowercase().next().unwrap_or(c)
                } else {
                    c
                };
                prev_space = c.is_whitespace();
                out
            })
            .collect::<String>(),
    ))
}

fn swapcase(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(
        s(arg(a, 0, nm)?)
            .chars()
            .map(|c| {
                if c.is_uppercase() {
                    c.to_lowercase().next().unwrap_or(c)
                } else {
                    c.to_uppercase().next().unwrap_or(c)
                }
            })
            .collect::<String>(),
    ))
}

fn initials(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(
        s(arg(a, 0, nm)?)
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .collect::<String>(),
    ))
}

fn snakecase(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(words(&s(arg(a, 0, nm)?)).join("_")))
}

fn kebabcase(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(words(&s(arg(a, 0, nm)?)).join("-")))
}

fn camelcase(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(
        words(&s(arg(a, 0, nm)?))
            .iter()
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<String>(),
    ))
}

fn plural(nm: &'static str, a: &[Value]) -> FResult {
    Ok(if n(arg(a, 2, nm)?) == 1 {
        a[0].clone()
    } else {
        a[1].clone()
    })
}

fn wrap(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(wrap_words(
        &s(arg(a, 1, nm)?),
        n(&a[0]).max(1) as usize,
    )))
}

fn base(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(
        s(arg(a, 0, nm)?).rsplit('/').next().unwrap_or_default(),
    ))
}

fn ext(nm: &'static str, a: &[Value]) -> FResult {
    let t = s(arg(a, 0, nm)?);
    let b = t.rsplit('/').next().unwrap_or_default();
    Ok(str_v(b.rfind('.').map_or("", |i| &b[i..])))
}

fn split(nm: &'static str, a: &[Value]) -> FResult {
    let sep = s(arg(a, 0, nm)?);
    let parts: BTreeMap<Arc<str>, Value> = s(arg(a, 1, nm)?)
        .split(sep.as_str())
        .enumerate()
        .map(|(i, p)| (Arc::from(format!("_{i}").as_str()), str_v(p)))
        .collect();
    Ok(Value::Map(Arc::new(parts)))
}

fn split_list(nm: &'static str, a: &[Value]) -> FResult {
    let sep = s(arg(a, 0, nm)?);
    Ok(Value::List(
        s(arg(a, 1, nm)?).split(sep.as_str()).map(str_v).collect(),
    ))
}

fn join(nm: &'static str, a: &[Value]) -> FResult {
    let sep = s(arg(a, 0, nm)?);
    Ok(str_v(match arg(a, 1, nm)? {
        Value::List(l) => l.iter().map(s).collect::<Vec<_>>().join(&sep),
        other => s(other),
    }))
}

fn to_string(nm: &'static str, a: &[Value]) -> FResult {
    Ok(str_v(s(arg(a, 0, nm)?)))
}

fn to_strings(nm: &'static str, a: &[Value]) -> FResult {
    Ok(Value::List(
        list_of(arg(a, 0, nm)?)
            .iter()
            .map(|v| str_v(s(v)))
            .collect(),
    ))
}

/// Sprig's word split for snake/kebab/camel case.
fn words(t: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in t.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn wrap_words(t: &str, width: usize) -> String {
    let mut out = String::new();
    for (i, line) in t.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut len = 0;
        for (j, w) in line.split(' ').enumerate() {
            if j > 0 && len + 1 + w.len() > width {
                out.push('\n');
                len = 0;
            } else if j > 0 {
                out.push(' ');
                len += 1;
            }
            out.push_str(w);
            len += w.len();
        }
    }
    out
}
