//! The Sprig helpers courier implements, by topic. Kratos removes the
//! date, random, uuid, env and DNS helpers for overrides (its hermetic
//! map); courier implements none of those, so one set serves both, and any
//! other Sprig function is "not defined" at parse time with the template's
//! line.

mod args;
mod dicts;
mod encoding;
mod flow;
mod lists;
mod maths;
mod patterns;
mod strings;

use std::sync::Arc;

use gotmpl::{FuncMap, Value};

/// Every helper, by name.
#[must_use]
pub fn funcs() -> FuncMap {
    let mut m = FuncMap::new();
    for group in [
        flow::FUNCS,
        strings::FUNCS,
        patterns::FUNCS,
        lists::FUNCS,
        dicts::FUNCS,
        maths::FUNCS,
        encoding::FUNCS,
    ] {
        for &(name, f) in group {
            m.insert(name.to_owned(), Arc::new(move |a: &[Value]| f(name, a)));
        }
    }
    m
}
