//! Rendering: Jsonnet payloads (and, later, Go templates). No network.
pub mod jsonnet;
pub mod manifest;
pub mod template;
