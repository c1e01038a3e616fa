//! Rendering: Jsonnet bodies (evaluated and printed as go-jsonnet prints
//! them) and Go templates, bounded in time and memory by the [`sandbox`].
//! Text in, text out: no file and no network.
pub mod jsonnet;
pub mod manifest;
pub mod sandbox;
pub mod template;
