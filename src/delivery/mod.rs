//! Delivery: the SMTP client with its TLS and MIME over a socket bounded
//! by deadlines, the HTTP client and the request Kratos builds, and the
//! one verdict on every outcome. Never
//! prints, never reads the config tree.
pub mod cert;
pub mod http;
pub mod mime;
pub mod request;
pub mod smtp;
pub mod socket;
pub mod tls;
pub mod verdict;
