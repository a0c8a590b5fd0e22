#!/usr/bin/env python3
"""A downstream double for scripts/schemathesis: a real HTTP server on
127.0.0.1 that answers POST /solve_putt and POST /plan_shot like the putt
solver and the tee-to-green planner (docs/downstream.md), and checks what it
receives: the X-API-Key it was started with, a JSON object body with
contract_version, plan_type matching the path, a run_id and a session_id.

    solver_double.py KEY PROBLEMS_FILE   # prints "listening on http://127.0.0.1:PORT"

Every request that breaks the contract is answered 400 and appended to
PROBLEMS_FILE (the key itself is never written), so the caller can fail.
"""
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = sys.argv[1].encode()
PROBLEMS = sys.argv[2]
PLANS = {"/solve_putt": "PUTT", "/plan_shot": "TEE_TO_GREEN"}


def problem(text):
    with open(PROBLEMS, "a") as f:
        f.write(text + "\n")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path not in PLANS:
            problem(f"unexpected path {self.path}")
            return self.answer(404, {"error": "no such route"})
        if not hmac.compare_digest(self.headers.get("x-api-key", "").encode(), KEY):
            problem(f"{self.path}: missing or wrong X-API-Key")
            return self.answer(401, {"error": "unauthorized"})
        try:
            body = json.loads(raw)
        except ValueError:
            problem(f"{self.path}: body is not JSON")
            return self.answer(400, {"error": "not json"})
        missing = [k for k in ("contract_version", "plan_type", "run_id", "session_id") if not isinstance(body, dict) or k not in body]
        if missing or body.get("plan_type") != PLANS[self.path]:
            problem(f"{self.path}: bad body (missing {missing}, plan_type {body.get('plan_type') if isinstance(body, dict) else None})")
            return self.answer(400, {"error": "bad body"})
        d = body.get("distance_to_cup_m", 0)
        self.answer(200, {"plan_type": body["plan_type"], "run_id": body["run_id"], "aim_bearing_deg": body.get("bearing_to_cup_deg", 0), "distance_m": d, "source": "solver_double"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
