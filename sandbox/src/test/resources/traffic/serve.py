"""A small HTTP server for the sandbox's traffic tests, run as a Deployment Pod's container.

It listens on 127.0.0.1:$PORT (the port the sandbox kubelet gives the Pod) after STARTUP_DELAY seconds and answers:
  /         200 with "<HOSTNAME> <n>" (traffic)
  /ready    200, or 503 once UNREADY_AFTER seconds have passed since the start, or while READY_FLAG_DIR is set and
            holds no file named HOSTNAME (the readiness probe's path)
  /healthz  200, or 500 once UNHEALTHY_AFTER seconds have passed since the start (the liveness probe's path)
  /env/NAME 200 with the value of the environment variable NAME (404 when it is not set)
With KEEP_ALIVE=1 it speaks HTTP/1.1 and keeps connections open between requests (else each ends after its response).
On SIGTERM it keeps accepting for DRAIN_SECONDS, then stops accepting, finishes the requests in flight and exits 0 (a
graceful server, as gunicorn is); with IGNORE_SIGTERM=1 it ignores SIGTERM and only SIGKILL ends it.

With REPORT_DIR set it appends one line per event to REPORT_DIR/HOSTNAME, which the tests read after the Pod is gone:
  start, listening, ready-ok (the first /ready answered 200), sigterm, exit,
  traffic-before-ready (a traffic request before any readiness probe passed),
  traffic-after-sigterm (a traffic request on a connection accepted after SIGTERM).
"""
import http.server
import os
import signal
import sys
import threading
import time

started = time.monotonic()
port = int(os.environ["PORT"])
name = os.environ.get("HOSTNAME", "pod")
report_dir = os.environ.get("REPORT_DIR")
lock = threading.Lock()
state = {"ready_ok": False, "term": False, "count": 0}


def report(event):
    if report_dir:
        with lock, open(os.path.join(report_dir, name), "a") as out:
            out.write(event + "\n")


def elapsed_over(variable):
    limit = os.environ.get(variable)
    return limit is not None and time.monotonic() - started > float(limit)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1" if os.environ.get("KEEP_ALIVE") == "1" else "HTTP/1.0"

    def do_GET(self):
        if self.path == "/ready":
            flags = os.environ.get("READY_FLAG_DIR")
            unflagged = flags is not None and not os.path.exists(os.path.join(flags, name))
            code = 503 if elapsed_over("UNREADY_AFTER") or unflagged else 200
            if code == 200 and not state["ready_ok"]:
                state["ready_ok"] = True
                report("ready-ok")
            self.answer(code, "ready" if code == 200 else "not ready")
            return
        if self.path == "/healthz":
            self.answer(500 if elapsed_over("UNHEALTHY_AFTER") else 200, "health")
            return
        if self.path.startswith("/env/"):
            value = os.environ.get(self.path[len("/env/"):])
            self.answer(404 if value is None else 200, "" if value is None else value)
            return
        if not state["ready_ok"] and os.environ.get("PROBED") == "1":
            report("traffic-before-ready")
        if self.server.accepted_after_term(self.request):
            report("traffic-after-sigterm")
        with lock:
            state["count"] += 1
            n = state["count"]
        self.answer(200, "%s %d" % (name, n))

    def answer(self, code, body):
        data = (body + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    request_queue_size = 128

    def __init__(self, *args):
        self.after_term = set()
        super().__init__(*args)

    def process_request(self, request, client_address):
        # runs on the accepting thread, where the SIGTERM handler runs too: no race on state["term"]
        if state["term"]:
            self.after_term.add(request)
        super().process_request(request, client_address)

    def accepted_after_term(self, request):
        return request in self.after_term


report("start")
time.sleep(float(os.environ.get("STARTUP_DELAY", "0")))
server = Server(("127.0.0.1", port), Handler)
report("listening")
print("listening on 127.0.0.1:%d" % port, flush=True)


def on_sigterm(signum, frame):
    report("sigterm")
    print("got SIGTERM", flush=True)
    if os.environ.get("IGNORE_SIGTERM") == "1":
        return
    state["term"] = True

    def drain():
        time.sleep(float(os.environ.get("DRAIN_SECONDS", "0.3")))
        server.shutdown()

    threading.Thread(target=drain, daemon=True).start()


signal.signal(signal.SIGTERM, on_sigterm)
server.serve_forever(poll_interval=0.05)
server.server_close()
report("exit")
print("exited gracefully", flush=True)
sys.exit(0)
