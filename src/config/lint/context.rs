//! What the lint rules consult besides the node they look at.

use std::cell::RefCell;
use std::path::PathBuf;

use crate::config::settings::Settings;
use crate::render::sandbox::Sandbox;

/// What the lint may do beyond reading the config.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Fetch `http(s)://` bodies and templates.
    pub online: bool,
}

/// What the rules consult besides the node they look at.
pub(super) struct Context<'a> {
    pub(super) settings: Settings,
    /// The folders of the config files (for hints about relative paths).
    pub(super) config_dirs: Vec<PathBuf>,
    pub(super) options: &'a Options,
    /// Where bodies and templates are evaluated (within their limits).
    pub(super) sandbox: RefCell<Sandbox>,
}
