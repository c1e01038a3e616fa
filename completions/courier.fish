# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_courier_global_optspecs
    string join \n c/config= format= color= q/quiet v/verbose kratos-version= h/help V/version
end

function __fish_courier_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_courier_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_courier_using_subcommand
    set -l cmd (__fish_courier_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c courier -n "__fish_courier_needs_command" -s c -l config -d 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input' -r -F
complete -c courier -n "__fish_courier_needs_command" -l format -d 'Output format: `human` for people, `json` for scripts (stdout only)' -r -f -a "human\t''
json\t''"
complete -c courier -n "__fish_courier_needs_command" -l color -d 'When to use colour on a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c courier -n "__fish_courier_needs_command" -l kratos-version -d 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master' -r
complete -c courier -n "__fish_courier_needs_command" -s q -l quiet -d 'Print only errors and results'
complete -c courier -n "__fish_courier_needs_command" -s v -l verbose -d 'Print more detail (repeat for more)'
complete -c courier -n "__fish_courier_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c courier -n "__fish_courier_needs_command" -s V -l version -d 'Print version'
complete -c courier -n "__fish_courier_needs_command" -f -a "check-config" -d 'Validate the courier configuration as Kratos loads it, and report the traps that would make sends fail'
complete -c courier -n "__fish_courier_needs_command" -f -a "test" -d 'Probe the SMTP or HTTP server the way Kratos dials it, stage by stage, without sending'
complete -c courier -n "__fish_courier_needs_command" -f -a "render" -d 'Render the messages of a template type: subject, plaintext, HTML or SMS text, the Jsonnet ctx and the exact HTTP request'
complete -c courier -n "__fish_courier_needs_command" -f -a "send" -d 'Send one message as Kratos would send it'
complete -c courier -n "__fish_courier_needs_command" -f -a "log" -d 'Show the delivery journal of a batch: every message\'s state, attempts and last error'
complete -c courier -n "__fish_courier_needs_command" -f -a "watch" -d 'Deliver the messages Kratos queued in its own database, as `kratos courier watch` does, with many workers and claims that cannot collide'
complete -c courier -n "__fish_courier_needs_command" -f -a "uri" -d 'Build a connection_uri from parts, or explain one with --decode'
complete -c courier -n "__fish_courier_needs_command" -f -a "init" -d 'Print a ready `courier:` section, or merge it into an identity config'
complete -c courier -n "__fish_courier_needs_command" -f -a "completions" -d 'Print the shell completion script of bash, zsh, fish, powershell or elvish'
complete -c courier -n "__fish_courier_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c courier -n "__fish_courier_using_subcommand check-config" -s c -l config -d 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input' -r -F
complete -c courier -n "__fish_courier_using_subcommand check-config" -l format -d 'Output format: `human` for people, `json` for scripts (stdout only)' -r -f -a "human\t''
json\t''"
complete -c courier -n "__fish_courier_using_subcommand check-config" -l color -d 'When to use colour on a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c courier -n "__fish_courier_using_subcommand check-config" -l kratos-version -d 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master' -r
complete -c courier -n "__fish_courier_using_subcommand check-config" -l strict -d 'Treat warnings as errors (exit 78 when there is any warning)'
complete -c courier -n "__fish_courier_using_subcommand check-config" -l online -d 'Also fetch `http(s)://` Jsonnet bodies and check them'
complete -c courier -n "__fish_courier_using_subcommand check-config" -s q -l quiet -d 'Print only errors and results'
complete -c courier -n "__fish_courier_using_subcommand check-config" -s v -l verbose -d 'Print more detail (repeat for more)'
complete -c courier -n "__fish_courier_using_subcommand check-config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c courier -n "__fish_courier_using_subcommand check-config" -s V -l version -d 'Print version'
complete -c courier -n "__fish_courier_using_subcommand test" -l to -d 'SMTP: also try MAIL FROM and RCPT TO for this address (never DATA); HTTP: the recipient of the request shown' -r
complete -c courier -n "__fish_courier_using_subcommand test" -l quit-after -d 'Stop after this stage and say QUIT (default: auth, or rcpt with --to)' -r -f -a "connect\t'After the TCP connection'
banner\t'After the server\'s greeting'
ehlo\t'After EHLO (or HELO)'
tls\t'After STARTTLS or the implicit-TLS handshake'
auth\t'After AUTH (the default without --to)'
mail\t'After MAIL FROM'
rcpt\t'After RCPT TO (the default with --to)'"
complete -c courier -n "__fish_courier_using_subcommand test" -l timeout -d 'Seconds for each deadline (Kratos uses 10)' -r
complete -c courier -n "__fish_courier_using_subcommand test" -l channel -d 'The channel to probe: email (SMTP or courier.http) or sms (courier.channels)' -r -f -a "email\t''
sms\t''"
complete -c courier -n "__fish_courier_using_subcommand test" -l template -d 'For HTTP: the template type whose request is shown [default: recovery_code_valid for email, login_code_valid for SMS]' -r
complete -c courier -n "__fish_courier_using_subcommand test" -l data -d 'For HTTP: JSON or YAML merged over the sample template_data' -r -F
complete -c courier -n "__fish_courier_using_subcommand test" -s c -l config -d 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input' -r -F
complete -c courier -n "__fish_courier_using_subcommand test" -l format -d 'Output format: `human` for people, `json` for scripts (stdout only)' -r -f -a "human\t''
json\t''"
complete -c courier -n "__fish_courier_using_subcommand test" -l color -d 'When to use colour on a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c courier -n "__fish_courier_using_subcommand test" -l kratos-version -d 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master' -r
complete -c courier -n "__fish_courier_using_subcommand test" -s q -l quiet -d 'Print only errors and results'
complete -c courier -n "__fish_courier_using_subcommand test" -s v -l verbose -d 'Print more detail (repeat for more)'
complete -c courier -n "__fish_courier_using_subcommand test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c courier -n "__fish_courier_using_subcommand test" -s V -l version -d 'Print version'
complete -c courier -n "__fish_courier_using_subcommand render" -l template -d 'Template type, e.g. recovery_code_valid, login_code_valid' -r
complete -c courier -n "__fish_courier_using_subcommand render" -l channel -d 'The channel: email (courier.http) or sms (courier.channels)' -r -f -a "email\t''
sms\t''"
complete -c courier -n "__fish_courier_using_subcommand render" -l to -d 'Recipient (ctx.recipient and template_data.to)' -r
complete -c courier -n "__fish_courier_using_subcommand render" -l data -d 'JSON or YAML merged over the sample template_data' -r -F
complete -c courier -n "__fish_courier_using_subcommand render" -l part -d 'What to print' -r -f -a "all\t'Everything, readably'
ctx\t'The ctx passed to the Jsonnet body'
payload\t'Exactly the request body bytes'
request\t'Method, URL, headers and body'
subject\t'The email subject, exactly'
text\t'The plaintext email body, exactly'
html\t'The HTML email body, exactly'
sms\t'The SMS text, exactly'"
complete -c courier -n "__fish_courier_using_subcommand render" -l out -d 'Also write TYPE.eml (the MIME message as it would be sent) and TYPE.html for each email type, or TYPE.txt for SMS, into DIR' -r -F
complete -c courier -n "__fish_courier_using_subcommand render" -s c -l config -d 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input' -r -F
complete -c courier -n "__fish_courier_using_subcommand render" -l format -d 'Output format: `human` for people, `json` for scripts (stdout only)' -r -f -a "human\t''
json\t''"
complete -c courier -n "__fish_courier_using_subcommand render" -l color -d 'When to use colour on a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c courier -n "__fish_courier_using_subcommand render" -l kratos-version -d 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master' -r
complete -c courier -n "__fish_courier_using_subcommand render" -l all-templates -d 'Render every template type of the channel'
complete -c courier -n "__fish_courier_using_subcommand render" -l with-secrets -d 'Write credential headers of courier.smtp.headers into the .eml files as they are (masked as *** by default)'
complete -c courier -n "__fish_courier_using_subcommand render" -s q -l quiet -d 'Print only errors and results'
complete -c courier -n "__fish_courier_using_subcommand render" -s v -l verbose -d 'Print more detail (repeat for more)'
complete -c courier -n "__fish_courier_using_subcommand render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c courier -n "__fish_courier_using_subcommand render" -s V -l version -d 'Print version'
complete -c courier -n "__fish_courier_using_subcommand send" -l to -d 'Recipient address (or phone number for --channel sms)' -r
complete -c courier -n "__fish_courier_using_subcommand send" -l batch -d 'A batch: CSV with a header (a `to` column; optional `template`, `channel`, `data` and template-data columns) or JSON Lines; `-` reads standard input' -r -F
complete -c courier -n "__fish_courier_using_subcommand send" -l on-bad-row -d 'With --batch: skip bad rows (reported with their line) or stop' -r -f -a "skip\t'Report it and go on'
stop\t'Report it and stop the batch'"
complete -c courier -n "__fish_courier_using_subcommand send" -l subject -d 'Subject line (trimmed, as Kratos trims rendered subjects); email only' -r
complete -c courier -n "__fish_courier_using_subcommand send" -l text -d 'Plain-text body (the SMS text for --channel sms)' -r
complete -c courier -n "__fish_courier_using_subcommand send" -l template -d 'Render the message from this template type instead of --subject/--text' -r
complete -c courier -n "__fish_courier_using_subcommand send" -l data -d 'With --template: JSON or YAML merged over the sample template_data' -r -F
complete -c courier -n "__fish_courier_using_subcommand send" -l channel -d 'The channel: email (SMTP or courier.http) or sms (courier.channels)' -r -f -a "email\t''
sms\t''"
complete -c courier -n "__fish_courier_using_subcommand send" -l html -d 'HTML body; makes the message multipart/alternative' -r
complete -c courier -n "__fish_courier_using_subcommand send" -l timeout -d 'Seconds for each deadline (Kratos uses 10)' -r
complete -c courier -n "__fish_courier_using_subcommand send" -s j -l concurrency -d 'With --batch: messages in flight at once (each worker keeps one SMTP or HTTP connection)' -r
complete -c courier -n "__fish_courier_using_subcommand send" -l rate -d 'With --batch: at most this many sends, evenly spaced, across all workers: N/s, N/m or N/h' -r
complete -c courier -n "__fish_courier_using_subcommand send" -l journal -d 'With --batch: the delivery journal (SQLite) [default: next to the input, FILE.courier.db; ./stdin.courier.db for standard input]' -r -F
complete -c courier -n "__fish_courier_using_subcommand send" -l backoff -d 'With --batch: the wait before the first retry, doubled for each further one (with jitter, at most 60 s): e.g. 500ms, 1s, 2m' -r
complete -c courier -n "__fish_courier_using_subcommand send" -s c -l config -d 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input' -r -F
complete -c courier -n "__fish_courier_using_subcommand send" -l format -d 'Output format: `human` for people, `json` for scripts (stdout only)' -r -f -a "human\t''
json\t''"
complete -c courier -n "__fish_courier_using_subcommand send" -l color -d 'When to use colour on a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c courier -n "__fish_courier_using_subcommand send" -l kratos-version -d 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master' -r
complete -c courier -n "__fish_courier_using_subcommand send" -l dry-run -d 'With --batch: render every message and validate every recipient, send nothing'
complete -c courier -n "__fish_courier_using_subcommand send" -l retry-abandoned -d 'With --batch: send again the rows a previous run abandoned'
complete -c courier -n "__fish_courier_using_subcommand send" -l resend-uncertain -d 'With --batch: send again the rows a crashed run left in flight (they may have been delivered; the default is at most once)'
complete -c courier -n "__fish_courier_using_subcommand send" -l no-journal-sync -d 'With --batch: hand journal commits to the OS without waiting for the disk: faster where syncs are slow; a killed courier still loses nothing, a power loss or OS crash can lose or damage the journal'
complete -c courier -n "__fish_courier_using_subcommand send" -s q -l quiet -d 'Print only errors and results'
complete -c courier -n "__fish_courier_using_subcommand send" -s v -l verbose -d 'Print more detail (repeat for more)'
complete -c courier -n "__fish_courier_using_subcommand send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c courier -n "__fish_courier_using_subcommand send" -s V -l version -d 'Print version'
complete -c courier -n "__fish_courier_using_subcommand log" -l journal -d 'The journal [default: the only *.courier.db in the current directory]' -r -F
complete -c courier -n "__fish_courier_using_subcommand log" -l kratos -d 'Read a running Kratos\' courier queue through its admin API instead [URL default: $KRATOS_ADMIN_URL, else $ORY_SDK_URL; the Ory Network API key comes from $ORY_API_KEY (or $ORY_PROJECT_API_KEY) or a prompt]' -r
complete -c courier -n "__fish_courier_using_subcommand log" -l status -d 'Only messages in this state' -r -f -a "queued\t''
processing\t''
sent\t''
abandoned\t''"
complete -c courier -n "__fish_courier_using_subcommand log" -l recipient -d 'Only messages to this recipient (exact match)' -r
complete -c courier -n "__fish_courier_using_subcommand log" -l limit -d 'Show at most N messages (Kratos lists the newest first)' -r
complete -c courier -n "__fish_courier_using_subcommand log" -l fail-on -d 'Exit 1 when the queue has abandoned or stuck messages (for cron and monitoring probes)' -r -f -a "abandoned\t'Any abandoned message'
stuck\t'Any message processing for longer than --stuck-after'"
complete -c courier -n "__fish_courier_using_subcommand log" -l stuck-after -d 'A message `processing` for longer than this is stuck (a worker crashed holding it)' -r
complete -c courier -n "__fish_courier_using_subcommand log" -l interval -d 'Time between polls with --watch (1s to 1h)' -r
complete -c courier -n "__fish_courier_using_subcommand log" -l polls -d 'With --watch, stop after N polls' -r
complete -c courier -n "__fish_courier_using_subcommand log" -l timeout -d 'Seconds each request to Kratos may take' -r
complete -c courier -n "__fish_courier_using_subcommand log" -s c -l config -d 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input' -r -F
complete -c courier -n "__fish_courier_using_subcommand log" -l format -d 'Output format: `human` for people, `json` for scripts (stdout only)' -r -f -a "human\t''
json\t''"
complete -c courier -n "__fish_courier_using_subcommand log" -l color -d 'When to use colour on a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c courier -n "__fish_courier_using_subcommand log" -l kratos-version -d 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master' -r
complete -c courier -n "__fish_courier_using_subcommand log" -l summary -d 'Print only the summary: counts per state, queue lag, stuck messages'
complete -c courier -n "__fish_courier_using_subcommand log" -l watch -d 'Keep polling and print each message as it appears or changes state (Ctrl-C ends)'
complete -c courier -n "__fish_courier_using_subcommand log" -s q -l quiet -d 'Print only errors and results'
complete -c courier -n "__fish_courier_using_subcommand log" -s v -l verbose -d 'Print more detail (repeat for more)'
complete -c courier -n "__fish_courier_using_subcommand log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c courier -n "__fish_courier_using_subcommand log" -s V -l version -d 'Print version'
complete -c courier -n "__fish_courier_using_subcommand watch" -s j -l concurrency -d 'Messages in flight at once (each worker keeps one SMTP or HTTP connection)' -r
complete -c courier -n "__fish_courier_using_subcommand watch" -l nid -d 'The network whose messages to deliver [default: the oldest in the `networks` table, as Kratos picks it]' -r
complete -c courier -n "__fish_courier_using_subcommand watch" -l reclaim-after -d 'Put messages left `processing` longer than this back in the queue (a crashed worker\'s, Kratos\' or courier\'s): e.g. 10m. Longer than any send can take, or a slow message is sent twice' -r
complete -c courier -n "__fish_courier_using_subcommand watch" -l timeout -d 'Seconds for each deadline: SMTP and HTTP steps, database statements' -r
complete -c courier -n "__fish_courier_using_subcommand watch" -l db-patience -d 'How long the database may fail before the worker gives up (Kratos\' worker: 15 minutes)' -r
complete -c courier -n "__fish_courier_using_subcommand watch" -l health-every -d 'How often a health line goes to stderr' -r
complete -c courier -n "__fish_courier_using_subcommand watch" -l expose-metrics-port -d 'Serve Prometheus metrics at /metrics/prometheus on this port (all interfaces, as Kratos\' flag of the same name)' -r
complete -c courier -n "__fish_courier_using_subcommand watch" -s c -l config -d 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input' -r -F
complete -c courier -n "__fish_courier_using_subcommand watch" -l format -d 'Output format: `human` for people, `json` for scripts (stdout only)' -r -f -a "human\t''
json\t''"
complete -c courier -n "__fish_courier_using_subcommand watch" -l color -d 'When to use colour on a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c courier -n "__fish_courier_using_subcommand watch" -l kratos-version -d 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master' -r
complete -c courier -n "__fish_courier_using_subcommand watch" -l once -d 'Deliver what is queued, then exit (cron, tests); without it the worker runs until SIGTERM or Ctrl-C'
complete -c courier -n "__fish_courier_using_subcommand watch" -s q -l quiet -d 'Print only errors and results'
complete -c courier -n "__fish_courier_using_subcommand watch" -s v -l verbose -d 'Print more detail (repeat for more)'
complete -c courier -n "__fish_courier_using_subcommand watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c courier -n "__fish_courier_using_subcommand watch" -s V -l version -d 'Print version'
complete -c courier -n "__fish_courier_using_subcommand uri" -l mode -d 'Security mode (default: the provider\'s, else starttls)' -r -f -a "starttls\t'smtp:// (STARTTLS, verified), port 587'
starttls-insecure\t'smtp://…?skip_ssl_verify=true'
cleartext\t'smtp://…?disable_starttls=true, port 25'
tls\t'smtps:// (implicit TLS, verified), port 465'
tls-insecure\t'smtps://…?skip_ssl_verify=true'
tls-server-name\t'smtps://…?server_name=NAME'"
complete -c courier -n "__fish_courier_using_subcommand uri" -l host -d 'SMTP host (default: the provider\'s)' -r
complete -c courier -n "__fish_courier_using_subcommand uri" -l port -d 'Port (default: the mode\'s usual port)' -r
complete -c courier -n "__fish_courier_using_subcommand uri" -l user -d 'User name' -r
complete -c courier -n "__fish_courier_using_subcommand uri" -l server-name -d 'TLS server name (for --mode tls-server-name)' -r
complete -c courier -n "__fish_courier_using_subcommand uri" -l provider -d 'Provider preset: host, port, mode and user-name convention' -r -f -a "mailgun\t''
mailgun-eu\t''
ses\t''
postmark\t''
sendgrid\t''"
complete -c courier -n "__fish_courier_using_subcommand uri" -l region -d 'AWS region, for --provider ses' -r
complete -c courier -n "__fish_courier_using_subcommand uri" -l decode -d 'Explain an existing URI field by field (the password masked): URI, `-` to read it from standard input, or no value with -c FILE to read the config\'s courier.smtp.connection_uri' -r
complete -c courier -n "__fish_courier_using_subcommand uri" -s c -l config -d 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input' -r -F
complete -c courier -n "__fish_courier_using_subcommand uri" -l format -d 'Output format: `human` for people, `json` for scripts (stdout only)' -r -f -a "human\t''
json\t''"
complete -c courier -n "__fish_courier_using_subcommand uri" -l color -d 'When to use colour on a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c courier -n "__fish_courier_using_subcommand uri" -l kratos-version -d 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master' -r
complete -c courier -n "__fish_courier_using_subcommand uri" -l password-stdin -d 'Read the password (or API key, or token) from the first line of standard input'
complete -c courier -n "__fish_courier_using_subcommand uri" -s q -l quiet -d 'Print only errors and results'
complete -c courier -n "__fish_courier_using_subcommand uri" -s v -l verbose -d 'Print more detail (repeat for more)'
complete -c courier -n "__fish_courier_using_subcommand uri" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c courier -n "__fish_courier_using_subcommand uri" -s V -l version -d 'Print version'
complete -c courier -n "__fish_courier_using_subcommand init" -l strategy -d 'Send emails over SMTP or an HTTP API' -r -f -a "smtp\t''
http\t''"
complete -c courier -n "__fish_courier_using_subcommand init" -l mode -d 'Security mode (default: the provider\'s, else starttls)' -r -f -a "starttls\t'smtp:// (STARTTLS, verified), port 587'
starttls-insecure\t'smtp://…?skip_ssl_verify=true'
cleartext\t'smtp://…?disable_starttls=true, port 25'
tls\t'smtps:// (implicit TLS, verified), port 465'
tls-insecure\t'smtps://…?skip_ssl_verify=true'
tls-server-name\t'smtps://…?server_name=NAME'"
complete -c courier -n "__fish_courier_using_subcommand init" -l host -d 'SMTP host (default: the provider\'s)' -r
complete -c courier -n "__fish_courier_using_subcommand init" -l port -d 'Port (default: the mode\'s usual port)' -r
complete -c courier -n "__fish_courier_using_subcommand init" -l user -d 'User name' -r
complete -c courier -n "__fish_courier_using_subcommand init" -l server-name -d 'TLS server name (for --mode tls-server-name)' -r
complete -c courier -n "__fish_courier_using_subcommand init" -l provider -d 'Provider preset: host, port, mode and user-name convention' -r -f -a "mailgun\t''
mailgun-eu\t''
ses\t''
postmark\t''
sendgrid\t''"
complete -c courier -n "__fish_courier_using_subcommand init" -l region -d 'AWS region, for --provider ses' -r
complete -c courier -n "__fish_courier_using_subcommand init" -l from-address -d 'Sender address' -r
complete -c courier -n "__fish_courier_using_subcommand init" -l from-name -d 'Sender name' -r
complete -c courier -n "__fish_courier_using_subcommand init" -l sms -d 'Add an SMS channel' -r -f -a "twilio-like\t'A Twilio-style form-encoded API with basic auth'"
complete -c courier -n "__fish_courier_using_subcommand init" -l merge -d 'Write the section into this identity config (keeping the rest)' -r -F
complete -c courier -n "__fish_courier_using_subcommand init" -l body-dir -d 'Where to write Jsonnet body files (default: next to --merge, else .)' -r -F
complete -c courier -n "__fish_courier_using_subcommand init" -s c -l config -d 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input' -r -F
complete -c courier -n "__fish_courier_using_subcommand init" -l format -d 'Output format: `human` for people, `json` for scripts (stdout only)' -r -f -a "human\t''
json\t''"
complete -c courier -n "__fish_courier_using_subcommand init" -l color -d 'When to use colour on a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c courier -n "__fish_courier_using_subcommand init" -l kratos-version -d 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master' -r
complete -c courier -n "__fish_courier_using_subcommand init" -l password-stdin -d 'Read the password (or API key, or token) from the first line of standard input'
complete -c courier -n "__fish_courier_using_subcommand init" -l force -d 'Replace an existing courier section when merging'
complete -c courier -n "__fish_courier_using_subcommand init" -s q -l quiet -d 'Print only errors and results'
complete -c courier -n "__fish_courier_using_subcommand init" -s v -l verbose -d 'Print more detail (repeat for more)'
complete -c courier -n "__fish_courier_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c courier -n "__fish_courier_using_subcommand init" -s V -l version -d 'Print version'
complete -c courier -n "__fish_courier_using_subcommand completions" -s c -l config -d 'Identity config file (YAML or JSON); repeat to merge, later files win; `-` reads standard input' -r -F
complete -c courier -n "__fish_courier_using_subcommand completions" -l format -d 'Output format: `human` for people, `json` for scripts (stdout only)' -r -f -a "human\t''
json\t''"
complete -c courier -n "__fish_courier_using_subcommand completions" -l color -d 'When to use colour on a terminal' -r -f -a "auto\t''
always\t''
never\t''"
complete -c courier -n "__fish_courier_using_subcommand completions" -l kratos-version -d 'The Kratos release to act as: its config schema, template types, Jsonnet ctx and courier behaviour. One of v1.0.0, v1.1.0, v1.2.0, v1.3.0, v1.3.1, v25.4.0, v26.2.0 (the `v` is optional) or master' -r
complete -c courier -n "__fish_courier_using_subcommand completions" -s q -l quiet -d 'Print only errors and results'
complete -c courier -n "__fish_courier_using_subcommand completions" -s v -l verbose -d 'Print more detail (repeat for more)'
complete -c courier -n "__fish_courier_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c courier -n "__fish_courier_using_subcommand completions" -s V -l version -d 'Print version'
complete -c courier -n "__fish_courier_using_subcommand help; and not __fish_seen_subcommand_from check-config test render send log watch uri init completions help" -f -a "check-config" -d 'Validate the courier configuration as Kratos loads it, and report the traps that would make sends fail'
complete -c courier -n "__fish_courier_using_subcommand help; and not __fish_seen_subcommand_from check-config test render send log watch uri init completions help" -f -a "test" -d 'Probe the SMTP or HTTP server the way Kratos dials it, stage by stage, without sending'
complete -c courier -n "__fish_courier_using_subcommand help; and not __fish_seen_subcommand_from check-config test render send log watch uri init completions help" -f -a "render" -d 'Render the messages of a template type: subject, plaintext, HTML or SMS text, the Jsonnet ctx and the exact HTTP request'
complete -c courier -n "__fish_courier_using_subcommand help; and not __fish_seen_subcommand_from check-config test render send log watch uri init completions help" -f -a "send" -d 'Send one message as Kratos would send it'
complete -c courier -n "__fish_courier_using_subcommand help; and not __fish_seen_subcommand_from check-config test render send log watch uri init completions help" -f -a "log" -d 'Show the delivery journal of a batch: every message\'s state, attempts and last error'
complete -c courier -n "__fish_courier_using_subcommand help; and not __fish_seen_subcommand_from check-config test render send log watch uri init completions help" -f -a "watch" -d 'Deliver the messages Kratos queued in its own database, as `kratos courier watch` does, with many workers and claims that cannot collide'
complete -c courier -n "__fish_courier_using_subcommand help; and not __fish_seen_subcommand_from check-config test render send log watch uri init completions help" -f -a "uri" -d 'Build a connection_uri from parts, or explain one with --decode'
complete -c courier -n "__fish_courier_using_subcommand help; and not __fish_seen_subcommand_from check-config test render send log watch uri init completions help" -f -a "init" -d 'Print a ready `courier:` section, or merge it into an identity config'
complete -c courier -n "__fish_courier_using_subcommand help; and not __fish_seen_subcommand_from check-config test render send log watch uri init completions help" -f -a "completions" -d 'Print the shell completion script of bash, zsh, fish, powershell or elvish'
complete -c courier -n "__fish_courier_using_subcommand help; and not __fish_seen_subcommand_from check-config test render send log watch uri init completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
