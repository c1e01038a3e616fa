#!/usr/bin/env bash
# Peak memory of courier against hostile servers and inputs, each case under
# GNU time (maximum resident set size of courier and the workers it
# reaped), against `courier --version` in the same run. Every case must end
# with its limit's error; the figures must stay far under 256 MiB.
#
#   cargo build --release && benches/hostile-rss.sh [path/to/courier]
#
# Needs GNU time (/usr/bin/time, Debian package `time`) and python3 (for the
# misbehaving servers, on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
COURIER=$(realpath "${1:-target/release/courier}")
[ -x /usr/bin/time ] || { echo "hostile-rss: GNU time is missing (apt install time)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"

# A server on a free port: SCRIPT is Python handling one connection `c`.
serve() {
  python3 - "$1" <<'EOF' &
import socket, sys, threading
script = sys.argv[1]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True)
def handle(c):
    try:
        exec(script, {"c": c})
    except Exception:
        pass
    finally:
        c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
EOF
  pids+=($!)
}
port_of() { # waits for the server's port on its stdout
  local f=$1; for _ in $(seq 100); do [ -s "$f" ] && { head -1 "$f"; return; }; sleep 0.05; done; echo 0
}

ENDLESS_SMTP='c.sendall(b"220 hostile\r\n"); c.recv(1024)
while True: c.sendall(b"250-x\r\n" * 1000)'
ENDLESS_HTTP='c.recv(65536); c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
while True: c.sendall(b"x" * 65536)'
serve "$ENDLESS_SMTP" > smtp.port; smtp=$(port_of smtp.port)
serve "$ENDLESS_HTTP" > http.port; http=$(port_of http.port)

cat > smtp.yml <<EOF
courier:
  smtp:
    connection_uri: smtp://u:Secret-Pw-1@127.0.0.1:$smtp/?disable_starttls=true
    from_address: a@example.com
EOF
http_cfg() { # body URI
  cat <<EOF
courier:
  delivery_strategy: http
  http:
    request_config:
      url: http://127.0.0.1:$http/send
      method: POST
      body: $1
EOF
}
http_cfg "base64://ZnVuY3Rpb24oY3R4KSB7fQ==" > http.yml
http_cfg "http://127.0.0.1:$http/body.jsonnet" > remote-body.yml
http_cfg "file://./spin.jsonnet" > spin.yml
http_cfg "file://./hog.jsonnet" > hog.yml
echo 'function(ctx) std.foldl(function(a, b) a + b, std.range(0, 2000000000), 0)' > spin.jsonnet
echo 'local f(s, n) = if n == 0 then s else f(s + s, n - 1) tailstrict; function(ctx) { a: std.length(f("x", 40)) }' > hog.jsonnet
mkdir -p tpl/recovery_code/valid
echo 'Hi' > tpl/recovery_code/valid/email.subject.gotmpl
echo '{{ $l := list }}{{ range until 10000 }}{{ $l = append $l (repeat 100 (repeat 10000 "x")) }}{{ end }}' \
  > tpl/recovery_code/valid/email.body.plaintext.gotmpl
printf 'courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:9/\n    from_address: a@example.com\n  template_override_path: ./tpl\n' > tpl.yml
printf 'courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:9/\n    from_address: a@example.com\n  templates:\n    recovery_code:\n      valid:\n        email:\n          body:\n            plaintext: http://127.0.0.1:%s/t.gotmpl\n' "$http" > remote-tpl.yml
{ echo to; for i in $(seq 20); do echo "user$i@example.com"; done; } > rows.csv

measure_stdin() { # name, file for standard input, then the command line
  local name=$1 input=$2; shift 2
  /usr/bin/time -f "%M %e" "$@" > /dev/null 2> err.txt < "$input" || true
  local rss secs why
  read -r rss secs <<< "$(tail -1 err.txt)"
  why=$(grep -m1 'error\|bad row' err.txt | sed 's/^courier: //' | cut -c1-90 || true)
  printf '%-44s %8.1f MiB %7ss  %s\n' "$name" "$(echo "$rss / 1024" | bc -l)" "$secs" "$why"
}
measure() { # name, then the command line
  local name=$1; shift
  measure_stdin "$name" /dev/null "$@"
}

printf '%-44s %12s %8s  %s\n' case "peak RSS" time "first error line"
measure "courier --version (baseline)" "$COURIER" --version
measure "config from /dev/zero" "$COURIER" -c /dev/zero check-config
measure "--data /dev/zero" "$COURIER" -c smtp.yml render --template recovery_code_valid --data /dev/zero
measure "--batch /dev/zero (one endless row)" "$COURIER" -c http.yml send --batch /dev/zero --dry-run --template recovery_code_valid
measure_stdin "--batch - from /dev/zero" /dev/zero "$COURIER" -c http.yml send --batch - --dry-run --template recovery_code_valid
measure "SMTP endless multi-line reply: test" "$COURIER" -c smtp.yml test
measure "SMTP endless reply: 20-row batch" "$COURIER" -c smtp.yml send --batch rows.csv --journal j1.db --template recovery_code_valid
measure "HTTP endless 200 body: send" "$COURIER" -c http.yml send --to a@example.com --template recovery_code_valid
measure "HTTP endless remote Jsonnet body: render" "$COURIER" -c remote-body.yml render --template recovery_code_valid --part payload
measure "HTTP endless remote template: render" "$COURIER" -c remote-tpl.yml render --template recovery_code_valid --part text
measure "Jsonnet that spins: render" "$COURIER" -c spin.yml render --template recovery_code_valid --part payload
measure "Jsonnet that allocates: render" "$COURIER" -c hog.yml render --template recovery_code_valid --part payload
measure "Jsonnet that spins: 20-row dry-run batch" "$COURIER" -c spin.yml send --batch rows.csv --dry-run --template recovery_code_valid
measure "Go template that allocates: render" "$COURIER" -c tpl.yml render --template recovery_code_valid --part text
