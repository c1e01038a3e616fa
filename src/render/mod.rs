//! Rendering: Jsonnet bodies (evaluated and printed as go-jsonnet prints
//! them) and Go templates. Text in, text out: no file and no network.
pub mod jsonnet;
pub mod manifest;
pub mod template;
