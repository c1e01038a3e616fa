//! Loading a template or Jsonnet body by URI, with the rules of Kratos'
//! fetcher: `file://` is the rest of the string as a path (relative to the
//! working directory), `base64://` is standard base64 with padding,
//! `http(s)://` is a GET that must answer 200, within 30 s and 1 MiB
//! (`delivery::http::FETCH_CAP`; Kratos sets no size limit).

pub mod body;
pub mod templates;

use std::path::PathBuf;

/// Why a URI could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    TooLarge(#[from] crate::input::TooLarge),
    #[error("invalid base64 (Kratos decodes standard base64 with padding): {0}")]
    Base64(String),
    #[error("the decoded content is not UTF-8")]
    NotUtf8,
    #[error("fetching {url} failed: {source}")]
    Http {
        /// As shown: user info and query values masked.
        url: String,
        #[source]
        source: crate::delivery::http::FetchError,
    },
    #[error("unknown scheme: Kratos loads file://, base64://, http:// and https:// only")]
    UnknownScheme,
}

/// What a URI points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    File(PathBuf),
    Base64(String),
    Remote(String),
}

/// Splits a URI into what Kratos would load.
pub fn target(uri: &str) -> Result<Target, LoadError> {
    if let Some(rest) = uri.strip_prefix("file://") {
        Ok(Target::File(PathBuf::from(rest)))
    } else if let Some(rest) = uri.strip_prefix("base64://") {
        Ok(Target::Base64(rest.to_owned()))
    } else if uri.starts_with("http://") || uri.starts_with("https://") {
        Ok(Target::Remote(uri.to_owned()))
    } else {
        Err(LoadError::UnknownScheme)
    }
}

/// Loads the content; `None` for a remote URI when `online` is off.
pub fn load(uri: &str, online: bool) -> Result<Option<String>, LoadError> {
    match target(uri)? {
        Target::File(path) => read_file(&path).map(Some),
        Target::Base64(data) => {
            let bytes = crate::b64::decode(&data).map_err(LoadError::Base64)?;
            String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| LoadError::NotUtf8)
        }
        Target::Remote(url) if online => {
            crate::delivery::http::get_text(&url)
                .map(Some)
                .map_err(|source| LoadError::Http {
                    url: crate::secret::mask_url(&url),
                    source,
                })
        }
        Target::Remote(_) => Ok(None),
    }
}

/// A local file as UTF-8 text, at most [`crate::input::TEMPLATE`].
pub fn read_file(path: &std::path::Path) -> Result<String, LoadError> {
    use crate::input::InputError;
    let file = |source| LoadError::File {
        path: path.to_path_buf(),
        source,
    };
    let f = std::fs::File::open(path).map_err(file)?;
    let name = path.display().to_string();
    let bytes =
        crate::input::read_capped(f, &name, crate::input::TEMPLATE).map_err(|e| match e {
            InputError::Unreadable(u) => file(u.source),
            InputError::TooLarge(t) => LoadError::TooLarge(t),
        })?;
    String::from_utf8(bytes).map_err(|_| {
        file(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::{LoadError, Target, load, target};

    #[test]
    fn schemes() {
        assert_eq!(
            target("file://./x.jsonnet").unwrap(),
            Target::File("./x.jsonnet".into())
        );
        assert_eq!(target("file:///abs").unwrap(), Target::File("/abs".into()));
        assert!(matches!(target("ftp://x"), Err(LoadError::UnknownScheme)));
        assert_eq!(load("base64://e30=", false).unwrap().as_deref(), Some("{}"));
        assert!(matches!(
            load("base64://e30", false),
            Err(LoadError::Base64(_))
        ));
        assert_eq!(load("https://example.invalid/x", false).unwrap(), None);
    }
}
