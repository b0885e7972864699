#!/bin/sh
# Sustained OTLP flood: like bench-ingest.sh (a release server on a fresh
# data directory, one member, `sim send` over OTLP/HTTP protobuf in batches
# of 512 spans), for MINUTES minutes. Every minute it prints the server's
# resident memory (VmRSS) and the data directory's size, then the sender's
# last progress line and the server's peak memory (VmHWM).
#
#   scripts/bench-flood.sh [MINUTES] [CONCURRENCY]
#
# Defaults: 10 minutes, 4 requests in flight, traces of `checkout`.
set -eu
cd "$(dirname "$0")/.."
minutes="${1:-10}"
concurrency="${2:-4}"
. scripts/bench-server.sh
# More traces than the flood can send: the sender is stopped at the end.
OTEL_EXPORTER_OTLP_HEADERS="$headers" timeout "$((minutes * 60))" "$bin" sim send \
  --endpoint "http://127.0.0.1:$port" --protocol http/protobuf --batch-spans 512 \
  --concurrency "$concurrency" --scenario checkout --traces 100000000 \
  >"$data/send.out" 2>"$data/send.err" &
sender=$!
for m in $(seq "$minutes"); do
  sleep 60
  echo "minute $m: $(grep VmRSS "/proc/$server/status" | tr -s ' \t' ' '), data $(du -sm "$store" | cut -f1) MB"
done
wait "$sender" || true
tr '\r' '\n' <"$data/send.err" | grep 'spans/s' | tail -1
grep VmHWM "/proc/$server/status"
