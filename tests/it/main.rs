//! The one integration-test crate: one module per subcommand, plus the
//! checks on generated files and on the code layout.

mod batch;
mod batch_crash;
mod batch_http;
mod batch_send;
mod check_config;
mod cli;
mod fuzz;
mod generated;
mod hostile_eval;
mod hostile_http;
mod hostile_input;
mod hostile_secrets;
mod hostile_smtp;
mod http;
mod init;
mod log_kratos;
mod private_ip;
mod releases;
mod smtp;
mod support;
mod templates;
mod tidy;
mod uri;
mod watch;
mod watch_http;
mod watch_many;
