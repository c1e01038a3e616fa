//! Finding a template the way Kratos does, part by part, with no fallback
//! when an override is broken: the `courier.templates.<type>…` URI, else
//! the file `<template_override_path>/<type dir>/<part file>` parsed with
//! its partials (`email.body.plaintext*`, each named by its file name),
//! else courier's own built-in template.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::message::builtin;
use crate::render::template::{Origin, Part, TemplateError, TemplateFiles};

/// Kratos' `template_override_path` when none is configured, relative to
/// its working directory.
pub const KRATOS_DEFAULT_DIR: &str = "courier/builtin/templates";

/// Where templates may come from, as configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateSources {
    /// `courier.templates` URIs by key path
    /// (`courier.templates.recovery_code.valid.email.subject`).
    pub uris: BTreeMap<String, String>,
    /// `template_override_path`, when configured.
    pub override_dir: Option<PathBuf>,
}

/// How far the loader may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    /// Fetch `http(s)://` templates.
    pub online: bool,
    /// Look in Kratos' default override directory when none is configured
    /// (what Kratos does; `check-config` only checks a configured one).
    pub default_dir: bool,
}

/// `recovery_code_valid` -> `recovery_code/valid`.
#[must_use]
pub fn dir_of(ty: &str) -> String {
    for state in ["valid", "invalid"] {
        if let Some(base) = ty.strip_suffix(&format!("_{state}")) {
            return format!("{base}/{state}");
        }
    }
    ty.to_owned()
}

/// The config key path of a part's override, e.g.
/// `courier.templates.recovery_code.valid.email.subject`.
#[must_use]
pub fn config_path(ty: &str, part: Part) -> Vec<String> {
    let mut p = vec!["courier".to_owned(), "templates".to_owned()];
    p.extend(dir_of(ty).split('/').map(str::to_owned));
    p.extend(part.config_key().iter().map(|s| (*s).to_owned()));
    p
}

/// Loads a part with Kratos' precedence; `None` when the type has no such
/// part (e.g. SMS for a link template).
pub fn load(
    ty: &str,
    part: Part,
    sources: &TemplateSources,
    reach: Reach,
) -> Result<Option<TemplateFiles>, TemplateError> {
    let key = config_path(ty, part).join(".");
    if let Some(uri) = sources.uris.get(&key) {
        let failed = |message: String| TemplateError {
            origin_text: key.clone(),
            message,
            line: None,
        };
        let text = match super::load(uri, reach.online) {
            Ok(Some(t)) => t,
            Ok(None) => {
                return Err(failed(format!(
                    "{key} is fetched over HTTP; pass --online to load it"
                )));
            }
            Err(e) => return Err(failed(format!("{key}: {e}"))),
        };
        return Ok(Some(TemplateFiles {
            origin: Origin::Config {
                path: key,
                uri: uri.clone(),
            },
            files: vec![(part.file().to_owned(), text)],
        }));
    }
    let rel = format!("{}/{}", dir_of(ty), part.file());
    let dir = match &sources.override_dir {
        Some(d) => Some(d.clone()),
        None if reach.default_dir => Some(PathBuf::from(KRATOS_DEFAULT_DIR)),
        None => None,
    };
    if let Some(dir) = dir {
        let primary = dir.join(&rel);
        if primary.is_file() {
            return from_directory(&primary, part).map(Some);
        }
    }
    Ok(builtin::template(&rel).map(|text| TemplateFiles {
        origin: Origin::Builtin,
        files: vec![(part.file().to_owned(), text.to_owned())],
    }))
}

/// The file and its partials: the files of its folder whose names start
/// with the part's prefix, in name order.
fn from_directory(primary: &Path, part: Part) -> Result<TemplateFiles, TemplateError> {
    let folder = primary.parent().unwrap_or(Path::new("."));
    let mut files = vec![(part.file().to_owned(), read(primary)?)];
    let mut partials: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    partials.sort();
    for p in partials {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name != part.file() && name.starts_with(part.prefix()) && p.is_file() {
            files.push((name, read(&p)?));
        }
    }
    Ok(TemplateFiles {
        origin: Origin::Directory(primary.to_path_buf()),
        files,
    })
}

/// A template file, at most [`crate::input::TEMPLATE`].
fn read(path: &Path) -> Result<String, TemplateError> {
    super::read_file(path).map_err(|e| TemplateError {
        origin_text: path.display().to_string(),
        message: e.to_string(),
        line: None,
    })
}

#[cfg(test)]
mod tests {
    use super::{Reach, TemplateSources, config_path, dir_of, load};
    use crate::render::template::{Origin, Part};

    #[test]
    fn names_dirs_and_the_builtin_fallback() {
        assert_eq!(dir_of("recovery_code_valid"), "recovery_code/valid");
        assert_eq!(
            dir_of("verifiable_address_changed"),
            "verifiable_address_changed"
        );
        assert_eq!(
            config_path("login_code_valid", Part::Sms).join("."),
            "courier.templates.login_code.valid.sms.body.plaintext"
        );
        let reach = Reach {
            online: false,
            default_dir: false,
        };
        let t = load(
            "login_code_valid",
            Part::Subject,
            &TemplateSources::default(),
            reach,
        )
        .unwrap()
        .unwrap();
        assert_eq!(t.origin, Origin::Builtin);
        assert!(
            load(
                "recovery_valid",
                Part::Sms,
                &TemplateSources::default(),
                reach
            )
            .unwrap()
            .is_none()
        );
    }
}
