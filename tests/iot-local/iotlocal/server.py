"""The HTTP side: plain HTTP/1.1 on 127.0.0.1, one thread per
connection, request -> signature check -> route -> input validation ->
operation -> JSON answer, errors in AWS's rest-json form."""

import http.server
import json
import random
import threading
import time
import uuid

from .errors import ApiError, invalid
from .ops import HANDLERS, Context
from .sigv4 import uri_decode

MAX_BODY = 1 << 20


class TokenBucket:
	def __init__(self, rate):
		self.rate = float(rate)
		self.burst = max(1.0, self.rate)
		self.tokens = self.burst
		self.last = time.monotonic()
		self.lock = threading.Lock()

	def take(self):
		with self.lock:
			now = time.monotonic()
			self.tokens = min(self.burst, self.tokens +
			    (now - self.last) * self.rate)
			self.last = now
			if self.tokens >= 1.0:
				self.tokens -= 1.0
				return True
			return False


class Service:
	"""Everything a request handler needs, shared by all threads."""

	def __init__(self, model, store, verifier, log, throttle=None,
	    fail_rate=0.0, latency=0.0, seed=None):
		self.model = model
		self.store = store
		self.verifier = verifier
		self.log = log
		self.buckets = {op: TokenBucket(r) for op, r in
		    (throttle or {}).items()}
		self.fail_rate = fail_rate
		self.latency = latency
		self.rng = random.Random(seed)
		self.rng_lock = threading.Lock()

	def throttled(self, op):
		b = self.buckets.get(op) or self.buckets.get("*")
		return b is not None and not b.take()

	def injected_failure(self):
		if self.fail_rate <= 0:
			return False
		with self.rng_lock:
			return self.rng.random() < self.fail_rate


def split_target(target):
	"""Request-target -> (raw path, raw query); absolute form too."""
	if "://" in target.split("?", 1)[0]:
		rest = target.split("://", 1)[1]
		target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
	path, _, query = target.partition("?")
	return path or "/", query


def parse_query(raw):
	out = {}
	for part in raw.split("&") if raw else []:
		if not part:
			continue
		k, _, v = part.partition("=")
		out.setdefault(uri_decode(k).decode("utf-8", "replace"),
		    []).append(uri_decode(v).decode("utf-8", "replace"))
	return out


class Handler(http.server.BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	# headers and body go out in two writes; without TCP_NODELAY a
	# keep-alive client's delayed ACK stalls every answer by ~40 ms
	disable_nagle_algorithm = True
	server_version = "iot-local"
	sys_version = ""

	def log_message(self, fmt, *args):
		# http.server's own messages (bad request lines and the like)
		self.server.service.log.write("http: " + (fmt % args))

	def do_GET(self):
		self.dispatch()

	do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = do_GET

	def read_body(self):
		te = self.headers.get("Transfer-Encoding", "")
		if te.lower() == "chunked":
			body = bytearray()
			while True:
				line = self.rfile.readline(1024)
				n = int(line.split(b";")[0].strip() or b"0", 16)
				if n == 0:
					while self.rfile.readline(1024) not in \
					    (b"\r\n", b"\n", b""):
						pass
					return bytes(body)
				body += self.rfile.read(n)
				self.rfile.readline(16)
				if len(body) > MAX_BODY:
					raise invalid("The request body is "
					    "larger than %d bytes" % MAX_BODY)
		n = int(self.headers.get("Content-Length") or 0)
		if n > MAX_BODY:
			raise invalid("The request body is larger than %d "
			    "bytes" % MAX_BODY)
		return self.rfile.read(n) if n else b""

	def dispatch(self):
		svc = self.server.service
		rid = str(uuid.uuid4())
		start = time.monotonic()
		op = "-"
		who = "-"
		try:
			body = self.read_body()
		except (ValueError, ApiError) as e:
			self.close_connection = True
			err = e if isinstance(e, ApiError) else invalid(
			    "Malformed request body framing: %s" % e)
			return self.answer_error(rid, err, op, who, start)
		path, query = split_target(self.path)
		try:
			cred = svc.verifier.verify(self.command, path, query,
			    self.headers.items(), body)
			who = "%s/%s" % (cred["accessKeyId"], cred["service"])
			op, labels = svc.model.route(self.command, path,
			    parse_query(query))
			if svc.latency:
				time.sleep(svc.latency)
			if svc.throttled(op):
				raise ApiError("ThrottlingException",
				    "Rate exceeded")
			if svc.injected_failure():
				raise ApiError("InternalFailureException",
				    "Injected failure (iot-local --fail-rate)")
			params = svc.model.parse_input(op, labels,
			    parse_query(query), self.headers, body)
			fn = HANDLERS.get(op)
			if fn is None:
				raise invalid("iot-local does not implement %s"
				    % op)
			with svc.store.lock:
				ctx = Context(svc.store)
				out = fn(ctx, params)
				svc.model.check_output(op, out)
				if ctx.changed:
					svc.store.save()
		except ApiError as e:
			if getattr(e, "canonical_request", None):
				svc.log.write("%s canonical request:\n  %s\n"
				    "%s string to sign:\n  %s" % (rid,
				    e.canonical_request.replace("\n",
				    "\n  "), rid, e.string_to_sign.replace(
				    "\n", "\n  ")))
			return self.answer_error(rid, e, op, who, start)
		except Exception as e:	# a bug here, not the client's fault
			svc.log.write("%s internal error in %s: %r" % (rid, op,
			    e))
			return self.answer_error(rid, ApiError(
			    "InternalFailureException", "iot-local internal "
			    "error: %s" % e), op, who, start)
		self.answer(rid, 200, json.dumps(out).encode(), op, who, start)

	def answer_error(self, rid, e, op, who, start):
		svc = self.server.service
		status = e.http_status(svc.model)
		doc = {"message": e.message, "__type": e.code}
		doc.update(e.extra)
		self.answer(rid, status, json.dumps(doc).encode(), op, who,
		    start, code=e.code)

	def answer(self, rid, status, data, op, who, start, code=None):
		self.send_response(status)
		self.send_header("Content-Type", "application/json")
		self.send_header("Content-Length", str(len(data)))
		self.send_header("x-amzn-RequestId", rid)
		if code:
			self.send_header("x-amzn-ErrorType", code + ":")
		self.end_headers()
		if self.command != "HEAD":
			self.wfile.write(data)
		self.server.service.log.write("%s %s %s %s op=%s status=%d%s "
		    "who=%s %.1fms" % (rid, self.client_address[0],
		    self.command, self.path, op, status, " code=" + code if
		    code else "", who, (time.monotonic() - start) * 1000))

	def log_request(self, code="-", size="-"):
		pass	# answer() logs one line per request itself


class Server(http.server.ThreadingHTTPServer):
	daemon_threads = True
	# never listen beyond this machine
	allow_reuse_address = True

	def __init__(self, port, service):
		self.service = service
		super().__init__(("127.0.0.1", port), Handler)
