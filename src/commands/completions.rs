//! `courier completions SHELL`: the shell's completion script on stdout.

use crate::cli::CompletionsArgs;
use crate::exit::ExitStatus;
use crate::output::Printer;

/// Runs the command.
pub fn run(args: &CompletionsArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    printer.out_raw(&crate::cli::completion_script(args));
    Ok(ExitStatus::Success)
}
