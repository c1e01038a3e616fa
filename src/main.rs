use std::process::ExitCode;

fn main() -> ExitCode {
    use courier::render::sandbox;
    if sandbox::worker::is_worker() {
        return sandbox::worker::main();
    }
    sandbox::isolate();
    courier::run(courier::cli::Cli::from_args()).into()
}
