#!/usr/bin/env python3
"""Load benchmark: MEMBERS members practising, saving notes and searching at
once against a local spandojo server on 127.0.0.1, each member from its own
loopback address (127.0.1.1, 127.0.1.2, …), then cheap pages timed
idle and under a heavy mix (largest lab runs, 50,000-span downloads, notes
searches, previews of deeply nested Markdown, uploads).

Reports the error count (must be 0; a budget refusal, 429 or 503, counts as
refused, not as an error, for the heavy mix only), p50/p95/p99 per route,
the server's peak memory (VmHWM) and the p99 ratio of cheap pages under the
heavy mix to idle (must stay under 3).

Usage: scripts/load.py [path/to/spandojo] [--members 200] [--rounds 5]
Standard library only.
"""
import argparse, http.client, multiprocessing, os, re, statistics, subprocess, sys, tempfile, threading, time, urllib.parse

PASSWORD = "load-test-password-1"
CHUNK = 64 * 1024


def loopback(i):
    """The i-th loopback source address (127.0.1.1, 127.0.1.2, …): each
    simulated member connects from its own address, as members on their own
    machines do, so per-address limits (login throttling, connections per
    address) apply to each member as they would for real."""
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


class Client:
    def __init__(self, port, source=None, headers=None):
        self.port, self.cookies, self.source = port, {}, source
        self.headers = dict(headers or {})
        self.conn = self.connect()

    def connect(self):
        source = (self.source, 0) if self.source else None
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120, source_address=source)

    def request(self, method, path, body=None, content_type="application/x-www-form-urlencoded"):
        headers = {"Host": f"127.0.0.1:{self.port}", **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
        for attempt in range(2):
            try:
                if isinstance(body, bytes) and len(body) > CHUNK:
                    # In 64 KiB writes, as a network paces them: one write of
                    # megabytes to a loopback socket keeps this client in the
                    # kernel, unpreempted, for milliseconds, on a core the
                    # server shares, which a remote client never does.
                    headers["Content-Length"] = str(len(body))
                    chunks = (body[i:i + CHUNK] for i in range(0, len(body), CHUNK))
                    self.conn.request(method, path, body=chunks, headers=headers)
                else:
                    self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = self.connect()
                if attempt:
                    raise
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, value = v.split(";")[0].partition("=")
                if value:
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
        return r.status, data

    def post(self, path, fields):
        if "sd_csrf" not in self.cookies:
            self.request("GET", "/login")
        fields = [("csrf", self.cookies.get("sd_csrf", ""))] + list(fields)
        return self.request("POST", path, urllib.parse.urlencode(fields))


class Stats:
    def __init__(self):
        self.lock, self.times, self.errors, self.refused = threading.Lock(), {}, [], 0

    def timed(self, route, fn, ok=(200, 303), refusable=False):
        start = time.perf_counter()
        try:
            status, _ = fn()
        except Exception as e:  # a dropped connection is an error
            status = repr(e)
        elapsed = time.perf_counter() - start
        with self.lock:
            if status in ok:
                self.times.setdefault(route, []).append(elapsed)
            elif refusable and status in (429, 503):
                self.refused += 1
            else:
                self.errors.append((route, status))
        return status


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def peak_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))


def member_work(port, i, name, rounds, stats, lessons):
    c = Client(port, loopback(i))
    stats.timed("POST /login", lambda: c.post("/login", [("username", name), ("password", PASSWORD)]))
    for i in range(rounds):
        stats.timed("GET /practice", lambda: c.request("GET", "/practice"))
        stats.timed("POST /notes", lambda: c.post("/notes", [
            ("title", f"{name} note {i}"),
            ("body", f"Tail sampling keeps slow traces; head sampling decides at the root. Round {i}."),
            ("tags", "sampling"), ("action", "save")]))
        stats.timed("GET /notes/search", lambda: c.request("GET", "/notes/search?q=sampl*"))
        stats.timed("GET /lessons/…", lambda: c.request("GET", lessons[i % len(lessons)]))


def cheap_p99(port, lessons, n, member):
    """The p99 in seconds of n rounds of /healthz, a lesson and /practice,
    and the p99 of each of the three."""
    times, by_page = [], {}
    c = Client(port)
    c.cookies = dict(member.cookies)
    for i in range(n):
        for page, path in (("/healthz", "/healthz"), ("/lessons/…", lessons[i % len(lessons)]),
                           ("/practice", "/practice")):
            start = time.perf_counter()
            status, _ = c.request("GET", path)
            elapsed = time.perf_counter() - start
            times.append(elapsed)
            by_page.setdefault(page, []).append(elapsed)
            assert status == 200, (path, status)
    return pct(times, 99), {page: pct(ts, 99) for page, ts in by_page.items()}


def multipart(fields, file_field, file_name, data):
    """A multipart/form-data body and its content type."""
    boundary = "spandojo-load-boundary"
    parts = []
    for k, v in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{file_name}"\r\n'
                 f"Content-Type: application/json\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# A note body whose Markdown nests 20,000 block quotes (about 40 KiB): the
# shape that once took the sanitizer time quadratic in the depth.
DEEP_NOTE = "> " * 20_000 + "deep"


def heavy_work(port, stop, stats, k, member):
    """One heavy client, by k: 0-3 alternate the largest lab runs and
    50,000-span downloads; 4-5 are logged-in members alternating a notes
    search and a preview of a deeply nested note; 6-7 upload a 5,000-span
    OTLP JSON file (about 2.5 MB) and get its page."""
    # As a browser does: downloads and large pages then come gzip-compressed.
    c = Client(port, loopback(10_000 + k), {"Accept-Encoding": "gzip, deflate, br"})
    if k in (4, 5):
        c.post("/login", [("username", member), ("password", PASSWORD)])
        jobs = [("heavy search", lambda: c.request("GET", "/notes/search?q=sampl*")),
                ("heavy preview", lambda: c.post("/notes", [("title", "deep"), ("body", DEEP_NOTE),
                                                            ("tags", ""), ("action", "preview")]))]
    elif k in (6, 7):
        plain = Client(port, loopback(10_000 + k))
        _, data = plain.request("GET", "/sim/large-estate/%d/otlp.json?spans=5000" % k)
        c.request("GET", "/sim/upload")

        def upload():
            body, ctype = multipart([("csrf", c.cookies.get("sd_csrf", "")), ("format", "auto"),
                                     ("output", "view"), ("depth", "")], "file", "big.otlp.json", data)
            return c.request("POST", "/sim/upload", body, ctype)
        jobs = [("heavy upload", upload)]
    else:
        jobs = [("heavy lab", lambda: c.request(
                    "GET", "/sim/lab?scenario=study-sheet&traces=100000&seed=%d&slo_ms=50&s=ratio%%3D0.2" % k)),
                ("heavy download", lambda: c.request("GET", "/sim/study-sheet/%d/otlp.json?spans=50000" % k))]
    i = 0
    while not stop.is_set():
        route, job = jobs[i % len(jobs)]
        status = stats.timed(route, job, refusable=True)
        if status in (429, 503):
            time.sleep(0.5)  # a client that honours Retry-After, shortened
        i += 1


def heavy_mix(port, stop, results, members):
    """Eight heavy clients (see heavy_work) until `stop` is set; puts
    (finished per route, refused,
    errors) on `results`. The process runs at nice 19: these clients stand
    in for members' machines elsewhere on the network, and on one shared
    machine they must not take the CPU from the server measured (the prober
    that times cheap pages keeps normal priority). Not SCHED_IDLE: Linux
    counts a core that runs only SCHED_IDLE threads as idle and moves the
    server's runnable threads onto it, where they were seen to wait for the
    next scheduler tick, a delay that remote clients never cause."""
    os.nice(19)
    heavy = Stats()
    workers = [threading.Thread(target=heavy_work, args=(port, stop, heavy, k, members[k % len(members)]))
               for k in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    results.put(({route: len(ts) for route, ts in heavy.times.items()}, heavy.refused, heavy.errors))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary", nargs="?", default="target/release/spandojo")
    ap.add_argument("--members", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--port", type=int, default=18787)
    args = ap.parse_args()
    data = tempfile.mkdtemp(prefix="spandojo-load-")
    names = [f"load{i:03d}" for i in range(args.members)]
    print(f"creating {len(names)} members in {data} …", flush=True)
    for name in names:
        subprocess.run([args.binary, "user", "add", name, "--password-stdin", "--data", data],
                       input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    # Default limits: each member has an address of its own (loopback()).
    # No OTLP receivers, whose fixed ports another server may hold.
    server = subprocess.Popen([args.binary, "serve", "--addr", f"127.0.0.1:{args.port}", "--data", data,
                               "--otlp-http-addr", "off", "--otlp-grpc-addr", "off"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        probe = Client(args.port)
        for _ in range(200):
            try:
                if probe.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        _, index = probe.request("GET", "/lessons")
        lessons = sorted(set(re.findall(rb'href="(/lessons/[a-z0-9-]+)"', index)))[:8]
        lessons = [l.decode() for l in lessons] or ["/lessons"]

        stats = Stats()
        threads = [threading.Thread(target=member_work, args=(args.port, i, n, args.rounds, stats, lessons))
                   for i, n in enumerate(names)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        print(f"\n{len(names)} members x {args.rounds} rounds in {wall:.1f} s; errors: {len(stats.errors)}")
        for route, status in stats.errors[:10]:
            print("  error", route, status)
        print(f"{'route':<22}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
        for route, ts in sorted(stats.times.items()):
            print(f"{route:<22}{len(ts):>6}{pct(ts,50)*1e3:>10.1f}{pct(ts,95)*1e3:>10.1f}{pct(ts,99)*1e3:>10.1f}")

        print(f"server peak memory after the members (VmHWM): {peak_kib(server.pid)/1024:.0f} MiB")
        member = Client(args.port)
        member.post("/login", [("username", names[0]), ("password", PASSWORD)])
        idle, idle_pages = cheap_p99(args.port, lessons, 500, member)
        # The heavy clients run in a process of their own, so that the
        # prober's timings never include waiting for this interpreter's lock
        # while a heavy client reads a large body.
        stop, results = multiprocessing.Event(), multiprocessing.Queue()
        mix = multiprocessing.Process(target=heavy_mix, args=(args.port, stop, results, names[-8:]))
        mix.start()
        time.sleep(1.0)
        loaded, loaded_pages = cheap_p99(args.port, lessons, 500, member)
        stop.set()
        heavy = results.get(timeout=120)
        mix.join(timeout=30)
        print(f"\ncheap pages p99 idle {idle*1e3:.1f} ms, under heavy mix {loaded*1e3:.1f} ms: ratio {loaded/idle:.2f} (must be < 3)")
        for page in idle_pages:
            print(f"  {page:<12} p99 idle {idle_pages[page]*1e3:.1f} ms, under heavy mix {loaded_pages[page]*1e3:.1f} ms")
        done, refused, heavy_errors = heavy
        kinds = ", ".join(f"{n} {route.split()[1]}" for route, n in sorted(done.items()))
        print(f"heavy mix: {sum(done.values())} finished ({kinds}), {refused} refused with 429/503, "
              f"{len(heavy_errors)} errors")
        for route, status in heavy_errors[:10]:
            print("  error", route, status)
        print(f"server peak memory (VmHWM): {peak_kib(server.pid)/1024:.0f} MiB")
        failed = len(stats.errors) + len(heavy_errors) + (loaded / idle >= 3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
