//! Reading a password without echo, or from standard input. The only
//! `rpassword` user.

use std::io::{BufRead, IsTerminal};

/// One line from standard input (the trailing newline removed).
pub fn password_from_stdin() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line
        .strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(&line)
        .to_owned())
}

/// Asks on the terminal without echo; `None` when there is no terminal.
pub fn password_interactive(prompt: &str) -> Option<std::io::Result<String>> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    Some(rpassword::prompt_password(prompt))
}
