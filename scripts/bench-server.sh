# Sourced by the OTLP benchmarks (bench-ingest.sh, bench-flood.sh), from the
# repository's root: builds the release binary, and starts `serve` on a fresh
# data directory ($store, inside the temporary $data) with its OTLP/HTTP
# listener on a free $port and one member, `bench`, whose ingest token is in
# $headers (the OTEL_EXPORTER_OTLP_HEADERS value). $bin is the binary and
# $server the server's process id; both are cleaned up on exit.
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
bin="$target/release/spandojo"
data="$(mktemp -d)"
store="$data/store"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
printf 'bench-password-1\n' | "$bin" user add bench --password-stdin --data "$store" >/dev/null
tokens="$("$bin" token create bench --name bench --data "$store")"
headers="$(printf '%s\n' "$tokens" | sed -n 's/^OTEL_EXPORTER_OTLP_HEADERS=//p')"
"$bin" serve --addr 127.0.0.1:0 --data "$store" --otlp-http-addr "127.0.0.1:$port" --otlp-grpc-addr off >"$data/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
  sleep 0.2
done
