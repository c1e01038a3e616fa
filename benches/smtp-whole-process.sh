#!/usr/bin/env bash
# Whole-process time of `courier test` and `courier send` against the local
# aiosmtpd test server (STARTTLS + AUTH), with /bin/true as the baseline.
# Needs `cargo test` to have run once (it provisions the venv and the test
# certificates under target/tmp) and `cargo build --release`.
set -e
cd "$(dirname "$0")/.."
PY=target/tmp/courier-test-venv/bin/python; CD=$(ls -d target/tmp/courier-certs-* | head -1)
D=$(mktemp -d)
$PY tests/support/smtp_sink.py --port 27201 --mode starttls --cert $CD/server.pem --key $CD/server.key --auth 'alice:pw' --out $D/out > $D/log 2>&1 &
SP=$!
sleep 2
printf 'courier:\n  smtp:\n    connection_uri: smtp://alice:pw@127.0.0.1:27201/\n    from_address: a@example.com\n' > $D/k.yml
python3 - "$CD/ca.pem" "$D/k.yml" <<'EOF'
import subprocess, time, statistics, sys, os
ca, cfg = sys.argv[1], sys.argv[2]
env = dict(os.environ, SSL_CERT_FILE=ca)
def t(cmd):
    s=time.perf_counter(); r=subprocess.run(cmd, env=env, capture_output=True); e=time.perf_counter()-s
    assert r.returncode==0, r
    return e
res={"courier test (STARTTLS+AUTH, whole process)":[], "courier send (STARTTLS+AUTH+DATA, whole process)":[], "/bin/true":[]}
ks=list(res)
for i in range(30):
    res[ks[0]].append(t(["target/release/courier","test","-c",cfg]))
    res[ks[1]].append(t(["target/release/courier","send","-c",cfg,"--to","j@example.com","--subject","s","--text","t"]))
    res[ks[2]].append(t(["/bin/true"]))
for k,v in res.items():
    print("%-50s median %.1f ms (min %.1f, max %.1f)" % (k, statistics.median(v)*1000, min(v)*1000, max(v)*1000))
EOF
kill $SP
