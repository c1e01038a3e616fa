//! Reading a password without echo, or from standard input. The only
//! `rpassword` user.

use std::io::{BufRead, IsTerminal};

use crate::input::{InputError, PASSWORD, TooLarge, Unreadable};

/// One line from standard input (the trailing newline removed), at most
/// [`PASSWORD`].
pub fn password_from_stdin() -> Result<String, InputError> {
    read_line(std::io::stdin().lock())
}

fn read_line(input: impl BufRead) -> Result<String, InputError> {
    let name = "<stdin>";
    let mut line = String::new();
    input
        .take(PASSWORD.bytes + 1)
        .read_line(&mut line)
        .map_err(|source| Unreadable {
            name: name.to_owned(),
            source,
        })?;
    if line.len() as u64 > PASSWORD.bytes {
        return Err(TooLarge {
            name: name.to_owned(),
            cap: PASSWORD,
        }
        .into());
    }
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

#[cfg(test)]
mod tests {
    use super::read_line;
    use crate::input::InputError;

    #[test]
    fn one_line_at_most_the_cap() {
        assert_eq!(read_line(&b"pw\r\nrest"[..]).unwrap(), "pw");
        let endless = std::io::BufReader::new(std::io::repeat(b'a'));
        assert!(matches!(read_line(endless), Err(InputError::TooLarge(_))));
    }
}
