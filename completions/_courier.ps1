
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'courier' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'courier'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'courier' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: `human` for people, `json` for scripts (stdout only)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on a terminal')
            [CompletionResult]::new('--kratos-version', '--kratos-version', [CompletionResultType]::ParameterName, 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check-config', 'check-config', [CompletionResultType]::ParameterValue, 'Validate the courier configuration as Kratos loads it, and report the traps that would make sends fail')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Probe the SMTP or HTTP server the way Kratos dials it, stage by stage, without sending')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Render the messages of a template type: subject, plaintext, HTML or SMS text, the Jsonnet ctx and the exact HTTP request')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send one message as Kratos would send it')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show the delivery journal of a batch: every message''s state, attempts and last error')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Deliver the messages Kratos queued in its own database, as `kratos courier watch` does, with many workers and claims that cannot collide')
            [CompletionResult]::new('uri', 'uri', [CompletionResultType]::ParameterValue, 'Build a connection_uri from parts, or explain one with --decode')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Print a ready `courier:` section, or merge it into an identity config')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script of bash, zsh, fish, powershell or elvish')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'courier;check-config' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: `human` for people, `json` for scripts (stdout only)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on a terminal')
            [CompletionResult]::new('--kratos-version', '--kratos-version', [CompletionResultType]::ParameterName, 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat warnings as errors (exit 78 when there is any warning)')
            [CompletionResult]::new('--online', '--online', [CompletionResultType]::ParameterName, 'Also fetch `http(s)://` Jsonnet bodies and check them')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'courier;test' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'SMTP: also try MAIL FROM and RCPT TO for this address (never DATA); HTTP: the recipient of the request shown')
            [CompletionResult]::new('--quit-after', '--quit-after', [CompletionResultType]::ParameterName, 'Stop after this stage and say QUIT (default: auth, or rcpt with --to)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds for each deadline (Kratos uses 10)')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'The channel to probe: email (SMTP or courier.http) or sms (courier.channels)')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'For HTTP: the template type whose request is shown [default: recovery_code_valid for email, login_code_valid for SMS]')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'For HTTP: JSON or YAML merged over the sample template_data')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: `human` for people, `json` for scripts (stdout only)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on a terminal')
            [CompletionResult]::new('--kratos-version', '--kratos-version', [CompletionResultType]::ParameterName, 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'courier;render' {
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'Template type, e.g. recovery_code_valid, login_code_valid')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'The channel: email (courier.http) or sms (courier.channels)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Recipient (ctx.recipient and template_data.to)')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'JSON or YAML merged over the sample template_data')
            [CompletionResult]::new('--part', '--part', [CompletionResultType]::ParameterName, 'What to print')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Also write TYPE.eml (the MIME message as it would be sent) and TYPE.html for each email type, or TYPE.txt for SMS, into DIR')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: `human` for people, `json` for scripts (stdout only)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on a terminal')
            [CompletionResult]::new('--kratos-version', '--kratos-version', [CompletionResultType]::ParameterName, 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master')
            [CompletionResult]::new('--all-templates', '--all-templates', [CompletionResultType]::ParameterName, 'Render every template type of the channel')
            [CompletionResult]::new('--with-secrets', '--with-secrets', [CompletionResultType]::ParameterName, 'Write credential headers of courier.smtp.headers into the .eml files as they are (masked as *** by default)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'courier;send' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Recipient address (or phone number for --channel sms)')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'A batch: CSV with a header (a `to` column; optional `template`, `channel`, `data` and template-data columns) or JSON Lines; `-` reads standard input')
            [CompletionResult]::new('--on-bad-row', '--on-bad-row', [CompletionResultType]::ParameterName, 'With --batch: skip bad rows (reported with their line) or stop')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Subject line (trimmed, as Kratos trims rendered subjects); email only')
            [CompletionResult]::new('--text', '--text', [CompletionResultType]::ParameterName, 'Plain-text body (the SMS text for --channel sms)')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'Render the message from this template type instead of --subject/--text')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'With --template: JSON or YAML merged over the sample template_data')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'The channel: email (SMTP or courier.http) or sms (courier.channels)')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'HTML body; makes the message multipart/alternative')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds for each deadline (Kratos uses 10)')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'With --batch: messages in flight at once (each worker keeps one SMTP or HTTP connection)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'With --batch: messages in flight at once (each worker keeps one SMTP or HTTP connection)')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'With --batch: at most this many sends, evenly spaced, across all workers: N/s, N/m or N/h')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'With --batch: the delivery journal (SQLite) [default: next to the input, FILE.courier.db; ./stdin.courier.db for standard input]')
            [CompletionResult]::new('--backoff', '--backoff', [CompletionResultType]::ParameterName, 'With --batch: the wait before the first retry, doubled for each further one (with jitter, at most 60 s): e.g. 500ms, 1s, 2m')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: `human` for people, `json` for scripts (stdout only)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on a terminal')
            [CompletionResult]::new('--kratos-version', '--kratos-version', [CompletionResultType]::ParameterName, 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'With --batch: render every message and validate every recipient, send nothing')
            [CompletionResult]::new('--retry-abandoned', '--retry-abandoned', [CompletionResultType]::ParameterName, 'With --batch: send again the rows a previous run abandoned')
            [CompletionResult]::new('--resend-uncertain', '--resend-uncertain', [CompletionResultType]::ParameterName, 'With --batch: send again the rows a crashed run left in flight (they may have been delivered; the default is at most once)')
            [CompletionResult]::new('--no-journal-sync', '--no-journal-sync', [CompletionResultType]::ParameterName, 'With --batch: hand journal commits to the OS without waiting for the disk: faster where syncs are slow; a killed courier still loses nothing, a power loss or OS crash can lose or damage the journal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'courier;log' {
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'The journal [default: the only *.courier.db in the current directory]')
            [CompletionResult]::new('--kratos', '--kratos', [CompletionResultType]::ParameterName, 'Read a running Kratos'' courier queue through its admin API instead [URL default: $KRATOS_ADMIN_URL, else $ORY_SDK_URL; the Ory Network API key comes from $ORY_API_KEY (or $ORY_PROJECT_API_KEY) or a prompt]')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only messages in this state')
            [CompletionResult]::new('--recipient', '--recipient', [CompletionResultType]::ParameterName, 'Only messages to this recipient (exact match)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show at most N messages (Kratos lists the newest first)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when the queue has abandoned or stuck messages (for cron and monitoring probes)')
            [CompletionResult]::new('--stuck-after', '--stuck-after', [CompletionResultType]::ParameterName, 'A message `processing` for longer than this is stuck (a worker crashed holding it)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls with --watch (1s to 1h)')
            [CompletionResult]::new('--polls', '--polls', [CompletionResultType]::ParameterName, 'With --watch, stop after N polls')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds each request to Kratos may take')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: `human` for people, `json` for scripts (stdout only)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on a terminal')
            [CompletionResult]::new('--kratos-version', '--kratos-version', [CompletionResultType]::ParameterName, 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Print only the summary: counts per state, queue lag, stuck messages')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Keep polling and print each message as it appears or changes state (Ctrl-C ends)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'courier;watch' {
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Messages in flight at once (each worker keeps one SMTP or HTTP connection)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Messages in flight at once (each worker keeps one SMTP or HTTP connection)')
            [CompletionResult]::new('--nid', '--nid', [CompletionResultType]::ParameterName, 'The network whose messages to deliver [default: the oldest in the `networks` table, as Kratos picks it]')
            [CompletionResult]::new('--reclaim-after', '--reclaim-after', [CompletionResultType]::ParameterName, 'Put messages left `processing` longer than this back in the queue (a crashed worker''s, Kratos'' or courier''s): e.g. 10m. Longer than any send can take, or a slow message is sent twice')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds for each deadline: SMTP and HTTP steps, database statements')
            [CompletionResult]::new('--db-patience', '--db-patience', [CompletionResultType]::ParameterName, 'How long the database may fail before the worker gives up (Kratos'' worker: 15 minutes)')
            [CompletionResult]::new('--health-every', '--health-every', [CompletionResultType]::ParameterName, 'How often a health line goes to stderr')
            [CompletionResult]::new('--expose-metrics-port', '--expose-metrics-port', [CompletionResultType]::ParameterName, 'Serve Prometheus metrics at /metrics/prometheus on this port (all interfaces, as Kratos'' flag of the same name)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: `human` for people, `json` for scripts (stdout only)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on a terminal')
            [CompletionResult]::new('--kratos-version', '--kratos-version', [CompletionResultType]::ParameterName, 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Deliver what is queued, then exit (cron, tests); without it the worker runs until SIGTERM or Ctrl-C')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'courier;uri' {
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Security mode (default: the provider''s, else starttls)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'SMTP host (default: the provider''s)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port (default: the mode''s usual port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'User name')
            [CompletionResult]::new('--server-name', '--server-name', [CompletionResultType]::ParameterName, 'TLS server name (for --mode tls-server-name)')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Provider preset: host, port, mode and user-name convention')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region, for --provider ses')
            [CompletionResult]::new('--decode', '--decode', [CompletionResultType]::ParameterName, 'Explain an existing URI field by field (the password masked): URI, `-` to read it from standard input, or no value with -c FILE to read the config''s courier.smtp.connection_uri')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: `human` for people, `json` for scripts (stdout only)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on a terminal')
            [CompletionResult]::new('--kratos-version', '--kratos-version', [CompletionResultType]::ParameterName, 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password (or API key, or token) from the first line of standard input')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'courier;init' {
            [CompletionResult]::new('--strategy', '--strategy', [CompletionResultType]::ParameterName, 'Send emails over SMTP or an HTTP API')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Security mode (default: the provider''s, else starttls)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'SMTP host (default: the provider''s)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port (default: the mode''s usual port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'User name')
            [CompletionResult]::new('--server-name', '--server-name', [CompletionResultType]::ParameterName, 'TLS server name (for --mode tls-server-name)')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Provider preset: host, port, mode and user-name convention')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region, for --provider ses')
            [CompletionResult]::new('--from-address', '--from-address', [CompletionResultType]::ParameterName, 'Sender address')
            [CompletionResult]::new('--from-name', '--from-name', [CompletionResultType]::ParameterName, 'Sender name')
            [CompletionResult]::new('--sms', '--sms', [CompletionResultType]::ParameterName, 'Add an SMS channel')
            [CompletionResult]::new('--merge', '--merge', [CompletionResultType]::ParameterName, 'Write the section into this identity config (keeping the rest)')
            [CompletionResult]::new('--body-dir', '--body-dir', [CompletionResultType]::ParameterName, 'Where to write Jsonnet body files (default: next to --merge, else .)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: `human` for people, `json` for scripts (stdout only)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on a terminal')
            [CompletionResult]::new('--kratos-version', '--kratos-version', [CompletionResultType]::ParameterName, 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password (or API key, or token) from the first line of standard input')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing courier section when merging')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'courier;completions' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: `human` for people, `json` for scripts (stdout only)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on a terminal')
            [CompletionResult]::new('--kratos-version', '--kratos-version', [CompletionResultType]::ParameterName, 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only errors and results')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more detail (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'courier;help' {
            [CompletionResult]::new('check-config', 'check-config', [CompletionResultType]::ParameterValue, 'Validate the courier configuration as Kratos loads it, and report the traps that would make sends fail')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Probe the SMTP or HTTP server the way Kratos dials it, stage by stage, without sending')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Render the messages of a template type: subject, plaintext, HTML or SMS text, the Jsonnet ctx and the exact HTTP request')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send one message as Kratos would send it')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show the delivery journal of a batch: every message''s state, attempts and last error')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Deliver the messages Kratos queued in its own database, as `kratos courier watch` does, with many workers and claims that cannot collide')
            [CompletionResult]::new('uri', 'uri', [CompletionResultType]::ParameterValue, 'Build a connection_uri from parts, or explain one with --decode')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Print a ready `courier:` section, or merge it into an identity config')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script of bash, zsh, fish, powershell or elvish')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'courier;help;check-config' {
            break
        }
        'courier;help;test' {
            break
        }
        'courier;help;render' {
            break
        }
        'courier;help;send' {
            break
        }
        'courier;help;log' {
            break
        }
        'courier;help;watch' {
            break
        }
        'courier;help;uri' {
            break
        }
        'courier;help;init' {
            break
        }
        'courier;help;completions' {
            break
        }
        'courier;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
