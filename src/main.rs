use std::process::ExitCode;

fn main() -> ExitCode {
    courier::run(courier::cli::Cli::from_args()).into()
}
