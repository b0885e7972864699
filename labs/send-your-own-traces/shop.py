"""A two-service shop for the lesson "Send your own traces".

    python shop.py backend PORT                 # answers GET /price
    python shop.py frontend PORT BACKEND_URL    # answers GET /checkout, calling the backend
    python shop.py call URL                     # waits until URL answers, prints the body

The code has no OpenTelemetry in it: `opentelemetry-instrument` adds the
Flask (server) and requests (client) instrumentation when it starts.
"""
import signal
import sys
import time

import requests
from flask import Flask

app = Flask(__name__)


@app.get("/price")
def price():
    return {"price": 21}


@app.get("/checkout")
def checkout():
    answer = requests.get(f"{sys.argv[3]}/price", timeout=5)
    return {"total": answer.json()["price"] * 2}


def call(url):
    for _ in range(100):
        try:
            print(requests.get(url, timeout=5).text.strip())
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer")


if __name__ == "__main__":
    if sys.argv[1] == "call":
        call(sys.argv[2])
    else:
        # Exit cleanly on SIGTERM so that the SDK flushes its last spans.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        app.run(host="127.0.0.1", port=int(sys.argv[2]))
