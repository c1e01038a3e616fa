
use builtin;
use str;

set edit:completion:arg-completer[courier] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'courier'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'courier'= {
            cand -c 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --config 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --format 'Output format: `human` for people, `json` for scripts (stdout only)'
            cand --color 'When to use colour on a terminal'
            cand --kratos-version 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master'
            cand -q 'Print only errors and results'
            cand --quiet 'Print only errors and results'
            cand -v 'Print more detail (repeat for more)'
            cand --verbose 'Print more detail (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check-config 'Validate the courier configuration as Kratos loads it, and report the traps that would make sends fail'
            cand test 'Probe the SMTP or HTTP server the way Kratos dials it, stage by stage, without sending'
            cand render 'Render the messages of a template type: subject, plaintext, HTML or SMS text, the Jsonnet ctx and the exact HTTP request'
            cand send 'Send one message as Kratos would send it'
            cand log 'Show the delivery journal of a batch: every message''s state, attempts and last error'
            cand watch 'Deliver the messages Kratos queued in its own database, as `kratos courier watch` does, with many workers and claims that cannot collide'
            cand uri 'Build a connection_uri from parts, or explain one with --decode'
            cand init 'Print a ready `courier:` section, or merge it into an identity config'
            cand completions 'Print the shell completion script of bash, zsh, fish, powershell or elvish'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'courier;check-config'= {
            cand -c 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --config 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --format 'Output format: `human` for people, `json` for scripts (stdout only)'
            cand --color 'When to use colour on a terminal'
            cand --kratos-version 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master'
            cand --strict 'Treat warnings as errors (exit 78 when there is any warning)'
            cand --online 'Also fetch `http(s)://` Jsonnet bodies and check them'
            cand -q 'Print only errors and results'
            cand --quiet 'Print only errors and results'
            cand -v 'Print more detail (repeat for more)'
            cand --verbose 'Print more detail (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'courier;test'= {
            cand --to 'SMTP: also try MAIL FROM and RCPT TO for this address (never DATA); HTTP: the recipient of the request shown'
            cand --quit-after 'Stop after this stage and say QUIT (default: auth, or rcpt with --to)'
            cand --timeout 'Seconds for each deadline (Kratos uses 10)'
            cand --channel 'The channel to probe: email (SMTP or courier.http) or sms (courier.channels)'
            cand --template 'For HTTP: the template type whose request is shown [default: recovery_code_valid for email, login_code_valid for SMS]'
            cand --data 'For HTTP: JSON or YAML merged over the sample template_data'
            cand -c 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --config 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --format 'Output format: `human` for people, `json` for scripts (stdout only)'
            cand --color 'When to use colour on a terminal'
            cand --kratos-version 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master'
            cand -q 'Print only errors and results'
            cand --quiet 'Print only errors and results'
            cand -v 'Print more detail (repeat for more)'
            cand --verbose 'Print more detail (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'courier;render'= {
            cand --template 'Template type, e.g. recovery_code_valid, login_code_valid'
            cand --channel 'The channel: email (courier.http) or sms (courier.channels)'
            cand --to 'Recipient (ctx.recipient and template_data.to)'
            cand --data 'JSON or YAML merged over the sample template_data'
            cand --part 'What to print'
            cand --out 'Also write TYPE.eml (the MIME message as it would be sent) and TYPE.html for each email type, or TYPE.txt for SMS, into DIR'
            cand -c 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --config 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --format 'Output format: `human` for people, `json` for scripts (stdout only)'
            cand --color 'When to use colour on a terminal'
            cand --kratos-version 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master'
            cand --all-templates 'Render every template type of the channel'
            cand --with-secrets 'Write credential headers of courier.smtp.headers into the .eml files as they are (masked as *** by default)'
            cand -q 'Print only errors and results'
            cand --quiet 'Print only errors and results'
            cand -v 'Print more detail (repeat for more)'
            cand --verbose 'Print more detail (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'courier;send'= {
            cand --to 'Recipient address (or phone number for --channel sms)'
            cand --batch 'A batch: CSV with a header (a `to` column; optional `template`, `channel`, `data` and template-data columns) or JSON Lines; `-` reads standard input'
            cand --on-bad-row 'With --batch: skip bad rows (reported with their line) or stop'
            cand --subject 'Subject line (trimmed, as Kratos trims rendered subjects); email only'
            cand --text 'Plain-text body (the SMS text for --channel sms)'
            cand --template 'Render the message from this template type instead of --subject/--text'
            cand --data 'With --template: JSON or YAML merged over the sample template_data'
            cand --channel 'The channel: email (SMTP or courier.http) or sms (courier.channels)'
            cand --html 'HTML body; makes the message multipart/alternative'
            cand --timeout 'Seconds for each deadline (Kratos uses 10)'
            cand -j 'With --batch: messages in flight at once (each worker keeps one SMTP or HTTP connection)'
            cand --concurrency 'With --batch: messages in flight at once (each worker keeps one SMTP or HTTP connection)'
            cand --rate 'With --batch: at most this many sends, evenly spaced, across all workers: N/s, N/m or N/h'
            cand --journal 'With --batch: the delivery journal (SQLite) [default: next to the input, FILE.courier.db; ./stdin.courier.db for standard input]'
            cand --backoff 'With --batch: the wait before the first retry, doubled for each further one (with jitter, at most 60 s): e.g. 500ms, 1s, 2m'
            cand -c 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --config 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --format 'Output format: `human` for people, `json` for scripts (stdout only)'
            cand --color 'When to use colour on a terminal'
            cand --kratos-version 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master'
            cand --dry-run 'With --batch: render every message and validate every recipient, send nothing'
            cand --retry-abandoned 'With --batch: send again the rows a previous run abandoned'
            cand --resend-uncertain 'With --batch: send again the rows a crashed run left in flight (they may have been delivered; the default is at most once)'
            cand --no-journal-sync 'With --batch: hand journal commits to the OS without waiting for the disk: faster where syncs are slow; a killed courier still loses nothing, a power loss or OS crash can lose or damage the journal'
            cand -q 'Print only errors and results'
            cand --quiet 'Print only errors and results'
            cand -v 'Print more detail (repeat for more)'
            cand --verbose 'Print more detail (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'courier;log'= {
            cand --journal 'The journal [default: the only *.courier.db in the current directory]'
            cand --kratos 'Read a running Kratos'' courier queue through its admin API instead [URL default: $KRATOS_ADMIN_URL, else $ORY_SDK_URL; the Ory Network API key comes from $ORY_API_KEY (or $ORY_PROJECT_API_KEY) or a prompt]'
            cand --status 'Only messages in this state'
            cand --recipient 'Only messages to this recipient (exact match)'
            cand --limit 'Show at most N messages (Kratos lists the newest first)'
            cand --fail-on 'Exit 1 when the queue has abandoned or stuck messages (for cron and monitoring probes)'
            cand --stuck-after 'A message `processing` for longer than this is stuck (a worker crashed holding it)'
            cand --interval 'Time between polls with --watch (1s to 1h)'
            cand --polls 'With --watch, stop after N polls'
            cand --timeout 'Seconds each request to Kratos may take'
            cand -c 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --config 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --format 'Output format: `human` for people, `json` for scripts (stdout only)'
            cand --color 'When to use colour on a terminal'
            cand --kratos-version 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master'
            cand --summary 'Print only the summary: counts per state, queue lag, stuck messages'
            cand --watch 'Keep polling and print each message as it appears or changes state (Ctrl-C ends)'
            cand -q 'Print only errors and results'
            cand --quiet 'Print only errors and results'
            cand -v 'Print more detail (repeat for more)'
            cand --verbose 'Print more detail (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'courier;watch'= {
            cand -j 'Messages in flight at once (each worker keeps one SMTP or HTTP connection)'
            cand --concurrency 'Messages in flight at once (each worker keeps one SMTP or HTTP connection)'
            cand --nid 'The network whose messages to deliver [default: the oldest in the `networks` table, as Kratos picks it]'
            cand --reclaim-after 'Put messages left `processing` longer than this back in the queue (a crashed worker''s, Kratos'' or courier''s): e.g. 10m. Longer than any send can take, or a slow message is sent twice'
            cand --timeout 'Seconds for each deadline: SMTP and HTTP steps, database statements'
            cand --db-patience 'How long the database may fail before the worker gives up (Kratos'' worker: 15 minutes)'
            cand --health-every 'How often a health line goes to stderr'
            cand --expose-metrics-port 'Serve Prometheus metrics at /metrics/prometheus on this port (all interfaces, as Kratos'' flag of the same name)'
            cand -c 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --config 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --format 'Output format: `human` for people, `json` for scripts (stdout only)'
            cand --color 'When to use colour on a terminal'
            cand --kratos-version 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master'
            cand --once 'Deliver what is queued, then exit (cron, tests); without it the worker runs until SIGTERM or Ctrl-C'
            cand -q 'Print only errors and results'
            cand --quiet 'Print only errors and results'
            cand -v 'Print more detail (repeat for more)'
            cand --verbose 'Print more detail (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'courier;uri'= {
            cand --mode 'Security mode (default: the provider''s, else starttls)'
            cand --host 'SMTP host (default: the provider''s)'
            cand --port 'Port (default: the mode''s usual port)'
            cand --user 'User name'
            cand --server-name 'TLS server name (for --mode tls-server-name)'
            cand --provider 'Provider preset: host, port, mode and user-name convention'
            cand --region 'AWS region, for --provider ses'
            cand --decode 'Explain an existing URI field by field (the password masked): URI, `-` to read it from standard input, or no value with -c FILE to read the config''s courier.smtp.connection_uri'
            cand -c 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --config 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --format 'Output format: `human` for people, `json` for scripts (stdout only)'
            cand --color 'When to use colour on a terminal'
            cand --kratos-version 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master'
            cand --password-stdin 'Read the password (or API key, or token) from the first line of standard input'
            cand -q 'Print only errors and results'
            cand --quiet 'Print only errors and results'
            cand -v 'Print more detail (repeat for more)'
            cand --verbose 'Print more detail (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'courier;init'= {
            cand --strategy 'Send emails over SMTP or an HTTP API'
            cand --mode 'Security mode (default: the provider''s, else starttls)'
            cand --host 'SMTP host (default: the provider''s)'
            cand --port 'Port (default: the mode''s usual port)'
            cand --user 'User name'
            cand --server-name 'TLS server name (for --mode tls-server-name)'
            cand --provider 'Provider preset: host, port, mode and user-name convention'
            cand --region 'AWS region, for --provider ses'
            cand --from-address 'Sender address'
            cand --from-name 'Sender name'
            cand --sms 'Add an SMS channel'
            cand --merge 'Write the section into this identity config (keeping the rest)'
            cand --body-dir 'Where to write Jsonnet body files (default: next to --merge, else .)'
            cand -c 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --config 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --format 'Output format: `human` for people, `json` for scripts (stdout only)'
            cand --color 'When to use colour on a terminal'
            cand --kratos-version 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master'
            cand --password-stdin 'Read the password (or API key, or token) from the first line of standard input'
            cand --force 'Replace an existing courier section when merging'
            cand -q 'Print only errors and results'
            cand --quiet 'Print only errors and results'
            cand -v 'Print more detail (repeat for more)'
            cand --verbose 'Print more detail (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'courier;completions'= {
            cand -c 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --config 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input'
            cand --format 'Output format: `human` for people, `json` for scripts (stdout only)'
            cand --color 'When to use colour on a terminal'
            cand --kratos-version 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master'
            cand -q 'Print only errors and results'
            cand --quiet 'Print only errors and results'
            cand -v 'Print more detail (repeat for more)'
            cand --verbose 'Print more detail (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'courier;help'= {
            cand check-config 'Validate the courier configuration as Kratos loads it, and report the traps that would make sends fail'
            cand test 'Probe the SMTP or HTTP server the way Kratos dials it, stage by stage, without sending'
            cand render 'Render the messages of a template type: subject, plaintext, HTML or SMS text, the Jsonnet ctx and the exact HTTP request'
            cand send 'Send one message as Kratos would send it'
            cand log 'Show the delivery journal of a batch: every message''s state, attempts and last error'
            cand watch 'Deliver the messages Kratos queued in its own database, as `kratos courier watch` does, with many workers and claims that cannot collide'
            cand uri 'Build a connection_uri from parts, or explain one with --decode'
            cand init 'Print a ready `courier:` section, or merge it into an identity config'
            cand completions 'Print the shell completion script of bash, zsh, fish, powershell or elvish'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'courier;help;check-config'= {
        }
        &'courier;help;test'= {
        }
        &'courier;help;render'= {
        }
        &'courier;help;send'= {
        }
        &'courier;help;log'= {
        }
        &'courier;help;watch'= {
        }
        &'courier;help;uri'= {
        }
        &'courier;help;init'= {
        }
        &'courier;help;completions'= {
        }
        &'courier;help;help'= {
        }
    ]
    $completions[$command]
}
