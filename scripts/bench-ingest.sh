#!/bin/sh
# Ingest benchmark: a release server on a fresh data directory, one member
# with an ingest token, and `spandojo sim send` over OTLP/HTTP protobuf in
# batches of 512 spans. Prints the sender's summary (spans/s) and the
# server's peak resident memory (VmHWM).
#
#   scripts/bench-ingest.sh [TRACES] [SCENARIO] [CONCURRENCY]
#
# Defaults: 100000 traces of `checkout` (about 1.4 million spans), 4 requests
# in flight. Needs the OTLP receiver (`serve --otlp-http-addr`, `token create`).
set -eu
cd "$(dirname "$0")/.."
traces="${1:-100000}"
scenario="${2:-checkout}"
concurrency="${3:-4}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
bin="$target/release/spandojo"
data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
printf 'bench-password-1\n' | "$bin" user add bench --password-stdin --data "$data" >/dev/null
tokens="$("$bin" token create bench --name bench --data "$data")"
headers="$(printf '%s\n' "$tokens" | sed -n 's/^OTEL_EXPORTER_OTLP_HEADERS=//p')"
"$bin" serve --addr 127.0.0.1:0 --data "$data" --otlp-http-addr "127.0.0.1:$port" --otlp-grpc-addr off >"$data/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
  sleep 0.2
done
OTEL_EXPORTER_OTLP_HEADERS="$headers" "$bin" sim send \
  --endpoint "http://127.0.0.1:$port" --protocol http/protobuf --batch-spans 512 \
  --concurrency "$concurrency" --scenario "$scenario" --traces "$traces" --json
grep -E 'VmHWM|VmRSS' "/proc/$server/status"
