#!/bin/sh
# Lab 2: start both services under opentelemetry-instrument, call the
# frontend once, then stop them (their SDKs flush on the way out).
# First paste the two lines that `spandojo token create` printed.
set -eu
cd "$(dirname "$0")"
export OTEL_TRACES_EXPORTER=otlp OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none
export OTEL_SEMCONV_STABILITY_OPT_IN=http
export OTEL_EXPORTER_OTLP_PROTOCOL="${OTEL_EXPORTER_OTLP_PROTOCOL:-http/protobuf}"
FRONTEND_PORT="${FRONTEND_PORT:-8001}"
BACKEND_PORT="${BACKEND_PORT:-8002}"
OTEL_SERVICE_NAME=backend opentelemetry-instrument \
  python shop.py backend "$BACKEND_PORT" &
backend=$!
OTEL_SERVICE_NAME=frontend opentelemetry-instrument \
  python shop.py frontend "$FRONTEND_PORT" "http://127.0.0.1:$BACKEND_PORT" &
frontend=$!
python shop.py call "http://127.0.0.1:$BACKEND_PORT/price"
python shop.py call "http://127.0.0.1:$FRONTEND_PORT/checkout"
kill -TERM "$frontend" "$backend"
wait
