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
. scripts/bench-server.sh
OTEL_EXPORTER_OTLP_HEADERS="$headers" "$bin" sim send \
  --endpoint "http://127.0.0.1:$port" --protocol http/protobuf --batch-spans 512 \
  --concurrency "$concurrency" --scenario "$scenario" --traces "$traces" --json
grep -E 'VmHWM|VmRSS' "/proc/$server/status"
