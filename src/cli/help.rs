//! The long help after each command's options: examples, and what the
//! options do together.

pub(super) const COMPLETIONS_HELP: &str = "\
Examples:
  courier completions bash > ~/.local/share/bash-completion/completions/courier
  courier completions zsh > ~/.zfunc/_courier      # with fpath+=(~/.zfunc) in .zshrc
  courier completions fish > ~/.config/fish/completions/courier.fish";

pub(super) const CHECK_CONFIG_HELP: &str = "\
Examples:
  courier check-config -c kratos.yml
  courier check-config -c base.yml -c production.yml --strict
  ory get identity-config --project $ID --format yaml | courier check-config -c -
  courier check-config -c kratos.yml --format json | jq '.diagnostics[] | .code'

Exit status: 0 without errors, 78 with errors (and with warnings under
--strict), 66 when a file cannot be read, 2 for usage errors.";

pub(super) const TEST_HELP: &str = "\
Examples:
  courier test -c kratos.yml
  courier test -c kratos.yml --to jane@example.com
  courier test -c kratos.yml --quit-after tls --format json

Exit status: 0 when the requested stage was reached, 69 when the server
refused, misbehaved (a reply past courier's bounds, data injected at
STARTTLS, a credential redirected to another origin) or TLS or
authentication failed, 75 for timeouts and 4xx replies, 78 for a config the
test cannot use; over HTTP also 65 when the templates or the body fail, 2
for a type the channel does not send.";

pub(super) const SEND_HELP: &str = "\
Examples:
  courier send -c kratos.yml --to jane@example.com --subject Hello --text 'It works.'
  courier send -c kratos.yml --to jane@example.com --subject Hi --text Hi --html '<p>Hi</p>'
  courier send -c kratos.yml --batch users.csv --template verification_code_valid --dry-run
  courier send -c kratos.yml --batch users.csv --template verification_code_valid -j 8 --rate 50/s

Exit status, one message: 0 when the server accepted it, 69 when it refused
it, misbehaved or TLS or authentication failed, 75 for timeouts and 4xx
replies, 65 when the templates or the body fail, 2 for a recipient that is
not one bare address, 78 for a config that cannot be used.

Batches: 0 when every row was sent (now or by an earlier run), 1 when some
were abandoned or left uncertain, 65 for bad rows or an input that changed
under its journal, 69 when the server cannot be used (refused after every
retry, TLS or authentication failure), 130 after Ctrl-C. Transient failures
(connection errors, timeouts, SMTP 4xx, HTTP 429 and 5xx) are retried with
backoff up to courier.message_retries times; SMTP 5xx and HTTP 4xx abandon the
message at once. Re-running the same command resumes from the journal: sent
rows are not sent again, abandoned ones only with --retry-abandoned, and rows
a crash left in flight only with --resend-uncertain.";

pub(super) const LOG_HELP: &str = "\
Examples:
  courier log --journal users.csv.courier.db
  courier log --journal users.csv.courier.db --status abandoned
  courier log --journal users.csv.courier.db 42 --format json
  courier log --kratos http://127.0.0.1:4434 --status abandoned -c kratos.yml
  courier log --kratos https://PROJECT.projects.oryapis.com   # key in $ORY_API_KEY
  courier log --kratos http://kratos:4434 --summary --fail-on abandoned,stuck   # cron, probes
  courier log --kratos http://kratos:4434 --watch

Exit status: 0; 1 with --fail-on when there are such messages; 66 when the
journal or the message does not exist; 75 while a batch writes the journal;
69 when Kratos' admin API cannot be reached (or is not at that URL); 76 when
it answers something else than its message JSON; 77 when it refuses the API
key.";

pub(super) const WATCH_HELP: &str = "\
Examples:
  courier watch -c kratos.yml                      # a drop-in for `kratos courier watch`
  DSN=postgres://kratos:...@db:5432/kratos courier watch -c kratos.yml -j 16
  courier watch -c kratos.yml --once --format json # drain, print a summary, exit
  courier watch -c kratos.yml --reclaim-after 10m  # recover rows a crash left processing

Kratos' courier worker must be off (no `serve --watch-courier`, no `kratos
courier watch`): it re-claims rows without a lock.

Exit status: 0 when the queue was drained (--once; abandoned messages
included) or the worker was stopped (SIGTERM, Ctrl-C); 2 for usage errors;
65 when the database does not hold Kratos' courier tables; 66 when the
SQLite file does not exist; 69 when the
database cannot be reached (after --db-patience) or, with --once, the server
cannot be used as configured (75 when it keeps failing temporarily); 78 for
an unusable config or DSN.";

pub(super) const RENDER_HELP: &str = "\
Examples:
  courier render -c kratos.yml --template recovery_code_valid
  courier render -c kratos.yml --template login_code_valid --channel sms --part payload
  courier render -c kratos.yml --all-templates --format json
  courier render -c kratos.yml --template login_code_valid --data data.yml --to jane@acme.test

Exit status: 0 when every payload rendered, 2 for usage errors (--part
payload or request on a config that sends email over SMTP), 65 for a Jsonnet
error or bad --data, 66 for an unreadable file, 78 for an unusable config.";

pub(super) const URI_HELP: &str = "\
Examples:
  courier uri --provider ses --region eu-west-1 --user AKIA... --password-stdin < ses-password.txt
  courier uri --mode tls --host mail.example.com --user courier   # prompts for the password
  courier uri --provider sendgrid --password-stdin < sendgrid-key.txt
  courier uri --decode 'smtps://user:***@mail.example.com:465/?server_name=mx.example.com'
  courier uri --decode - < uri.txt
  courier uri --decode -c kratos.yml

The URI (with the encoded password) is the result and goes to stdout; notes go
to stderr. --decode never shows the password.";

pub(super) const INIT_HELP: &str = "\
Examples:
  courier init --strategy smtp --provider postmark --password-stdin < token.txt
  courier init --strategy http --provider sendgrid --sms twilio-like
  courier init --strategy smtp --mode starttls --host smtp.example.com --merge kratos.yml

With --merge, the section is written into the file, keeping every other key,
its comments and its order; an existing courier section is replaced only with
--force. The merged file is checked before it replaces the old one (a
temporary file, then a rename); JSON files are refused. HTTP providers get a
Jsonnet body file written next to the config (or into --body-dir).

Exit status: 0 when printed or merged, 2 for usage errors (an existing
courier section without --force, a JSON file), 66 when the file is missing,
78 when it cannot be parsed or the merged file would fail its check (it is
left as it was).";
