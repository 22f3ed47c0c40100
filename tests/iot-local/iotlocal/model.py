"""The IoT service model: routing, input parsing and validation, and a
check of our own answers against the output shapes.

Everything here is driven by the service-2.json that ships with Debian's
AWS CLI, so a request that the CLI can form is understood the way AWS
would understand it, and a request AWS would refuse for its shape is
refused here too.
"""

import base64
import gzip
import json
import math
import os
import re
import urllib.parse

from .errors import ApiError, invalid

MODEL_PATHS = (
	# Debian's awscli package bundles its own botocore and model.
	"/usr/lib/python3/dist-packages/awscli/botocore/data/iot/2015-05-28/"
	"service-2.json",
	# python3-botocore's model as the fall-back.
	"/usr/lib/python3/dist-packages/botocore/data/iot/2015-05-28/"
	"service-2.json",
	"/usr/lib/python3/dist-packages/botocore/data/iot/2015-05-28/"
	"service-2.json.gz",
)

# Java's \p{...} classes used by the model's patterns, for Python's re.
# The POSIX ones (Graph, Upper, Digit, Cntrl) are ASCII-only in Java, so
# those translations are exact.
# XXX: the Unicode categories L, Z, N and C are approximations (Python's
# re has no \p{}); they only matter for tag keys and a few free-text
# fields, none of which the tests depend on.
_PCLASS = {
	"L": "a-zA-Z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6"
	    "\u00f8-\u02ff\u0370-\u03ff\u0400-\u052f\u0590-\u1fff"
	    "\u3040-\ud7ff\uf900-\ufdff\ufe70-\ufefe\uff21-\uffdc",
	"Z": " \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000",
	"N": "0-9\u00b2\u00b3\u00b9\u00bc-\u00be\u0660-\u0669"
	    "\u06f0-\u06f9\u0966-\u096f\u2150-\u2189\uff10-\uff19",
	"C": "\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e"
	    "\u2060-\u206f\ud800-\uf8ff\ufeff\ufff9-\ufffb",
	"Graph": "\x21-\x7e",
	"Upper": "A-Z",
	"Digit": "0-9",
	"Cntrl": "\x00-\x1f\x7f",
}


def _java_to_python_re(pattern):
	"""Translate \\p{X} (inside or outside a class) for Python."""

	def repl_in_class(m):
		return _PCLASS[m.group(1)]

	out = []
	i = 0
	while i < len(pattern):
		m = re.match(r"\\p\{(\w+)\}", pattern[i:])
		if m:
			out.append("[" + _PCLASS[m.group(1)] + "]")
			i += m.end()
			continue
		if pattern[i] == "\\" and i + 1 < len(pattern):
			out.append(pattern[i:i + 2])
			i += 2
			continue
		if pattern[i] == "[":
			# copy the class, expanding \p{X} in place
			j = i + 1
			if j < len(pattern) and pattern[j] == "^":
				j += 1
			if j < len(pattern) and pattern[j] == "]":
				j += 1
			while j < len(pattern) and pattern[j] != "]":
				j += 2 if pattern[j] == "\\" else 1
			body = pattern[i:j + 1]
			out.append(re.sub(r"\\p\{(\w+)\}", repl_in_class,
			    body))
			i = j + 1
			continue
		out.append(pattern[i])
		i += 1
	return "".join(out)


def load_model(path=None):
	paths = (path,) if path else MODEL_PATHS
	for p in paths:
		if not os.path.exists(p):
			continue
		opener = gzip.open if p.endswith(".gz") else open
		with opener(p, "rt", encoding="utf-8") as f:
			return Model(json.load(f), p)
	raise FileNotFoundError("no IoT service model found; tried: " +
	    ", ".join(paths) + " (install awscli or python3-botocore)")


class Route:
	def __init__(self, name, method, uri):
		self.name = name
		self.method = method
		path, _, query = uri.partition("?")
		self.literal_query = dict(urllib.parse.parse_qsl(query,
		    keep_blank_values=True))
		self.labels = []
		rx = []
		self.literals = 0
		for seg in path.split("/")[1:]:
			m = re.fullmatch(r"\{(\w+)(\+?)\}", seg)
			if m:
				self.labels.append(m.group(1))
				# the label is matched on the raw path, so an
				# encoded "/" (%2F) stays inside one segment
				rx.append("(?P<%s>%s)" % (m.group(1),
				    ".+" if m.group(2) else "[^/]+"))
			else:
				self.literals += 1
				rx.append(re.escape(seg))
		self.regex = re.compile("/" + "/".join(rx))

	def match(self, raw_path):
		m = self.regex.fullmatch(raw_path)
		if not m:
			return None
		return {k: urllib.parse.unquote(v)
		    for k, v in m.groupdict().items()}


class Model:
	def __init__(self, doc, path):
		self.path = path
		self.doc = doc
		self.shapes = doc["shapes"]
		self.ops = doc["operations"]
		self.metadata = doc["metadata"]
		self.routes = [Route(n, o["http"]["method"],
		    o["http"]["requestUri"]) for n, o in self.ops.items()]
		self._re = {}

	# routing

	def route(self, method, raw_path, query):
		"""Return (operation name, path labels) or raise 404."""
		best = None
		path_matched = False
		for r in self.routes:
			labels = r.match(raw_path)
			if labels is None:
				continue
			if any(k not in query for k in r.literal_query):
				continue
			path_matched = True
			if r.method != method:
				continue
			key = (r.literals, -len(r.labels))
			if best is None or key > best[0]:
				best = (key, r, labels)
		if best is None:
			what = "method %s" % method if path_matched else \
			    "path"
			raise ApiError("UnknownOperationException",
			    "No operation matches %s %s (unknown %s)" %
			    (method, raw_path, what))
		return best[1].name, best[2]

	def error_status(self, code):
		shape = self.shapes.get(code)
		if shape and "error" in shape:
			return shape["error"].get("httpStatusCode", 400)
		return 400

	# input

	def parse_input(self, op, labels, query, headers, body):
		"""Build the operation's input (model member names) from the
		wire: labels {wire name: value}, query {name: [values]},
		headers (email.message.Message-like), body bytes.  Wire
		format errors and shape violations raise
		InvalidRequestException."""
		spec = self.ops[op]
		if "input" not in spec:
			return {}
		shape = self.shapes[spec["input"]["shape"]]
		members = shape.get("members", {})
		errors = []
		params = {}
		used_query = set()
		body_members = {}

		for name, ref in members.items():
			loc = ref.get("location")
			wire = ref.get("locationName", name)
			target = self.shapes[ref["shape"]]
			if loc == "uri":
				if wire in labels:
					params[name] = self._from_text(
					    target, labels[wire], name, errors)
			elif loc == "querystring":
				if target["type"] == "map":
					continue	# filled in below
				if wire not in query:
					continue
				used_query.add(wire)
				vals = query[wire]
				if target["type"] == "list":
					mshape = self.shapes[
					    target["member"]["shape"]]
					params[name] = [self._from_text(
					    mshape, v, name, errors)
					    for v in vals]
				else:
					params[name] = self._from_text(
					    target, vals[-1], name, errors)
			elif loc == "header":
				v = headers.get(wire)
				if v is not None:
					params[name] = self._from_text(
					    target, v, name, errors)
			elif loc == "headers":
				pre = wire.lower()
				params[name] = {k[len(pre):]: v
				    for k, v in headers.items()
				    if k.lower().startswith(pre)}
			elif loc is None:
				body_members[name] = ref

		for name, ref in members.items():
			target = self.shapes[ref["shape"]]
			if ref.get("location") == "querystring" and \
			    target["type"] == "map":
				rest = {k: v[-1] for k, v in query.items()
				    if k not in used_query}
				if rest:
					params[name] = rest

		if "payload" in shape:
			pname = shape["payload"]
			ptype = self.shapes[members[pname]["shape"]]["type"]
			if ptype in ("blob", "string"):
				if body:
					params[pname] = body if ptype == \
					    "blob" else body.decode("utf-8",
					    "replace")
			elif body:
				params[pname] = self._json_body(body)
		elif body_members and body:
			doc = self._json_body(body)
			for name in body_members:
				if name in doc and doc[name] is not None:
					params[name] = doc[name]

		if errors:
			raise _validation_error(errors)
		self.validate(shape, params, "", errors)
		if errors:
			raise _validation_error(errors)
		return params

	@staticmethod
	def _json_body(body):
		try:
			doc = json.loads(body.decode("utf-8"))
		except (UnicodeDecodeError, ValueError) as e:
			raise invalid("The request body is not valid JSON: %s"
			    % e)
		if not isinstance(doc, dict):
			raise invalid("The request body must be a JSON object")
		return doc

	def _from_text(self, shape, text, name, errors):
		"""Convert a path, query or header string to its type."""
		t = shape["type"]
		if t == "string":
			return text
		if t == "boolean":
			if text in ("true", "false"):
				return text == "true"
			errors.append("Value '%s' at '%s' failed to satisfy "
			    "constraint: Member must be a boolean (true or "
			    "false)" % (text, name))
			return None
		if t in ("integer", "long"):
			if re.fullmatch(r"-?[0-9]+", text):
				return int(text)
			errors.append("Value '%s' at '%s' failed to satisfy "
			    "constraint: Member must be an integer" %
			    (text, name))
			return None
		if t in ("float", "double"):
			try:
				return float(text)
			except ValueError:
				errors.append("Value '%s' at '%s' failed to "
				    "satisfy constraint: Member must be a "
				    "number" % (text, name))
				return None
		if t == "timestamp":
			try:
				return float(text)
			except ValueError:
				return text
		return text

	def _regex(self, pattern):
		rx = self._re.get(pattern)
		if rx is None:
			rx = re.compile(_java_to_python_re(pattern))
			self._re[pattern] = rx
		return rx

	def validate(self, shape, value, path, errors):
		"""Check value against shape; append Coral-style messages."""
		t = shape["type"]
		where = path or "input"

		def bad(what):
			errors.append("Value %s at '%s' failed to satisfy "
			    "constraint: %s" % (_show(value), where, what))

		if t == "structure":
			if not isinstance(value, dict):
				return bad("Member must be a structure")
			for req in shape.get("required", []):
				if value.get(req) is None:
					errors.append("Value null at '%s' "
					    "failed to satisfy constraint: "
					    "Member must not be null" %
					    _join(path, req))
			for name, ref in shape.get("members", {}).items():
				if value.get(name) is None:
					continue
				self.validate(self.shapes[ref["shape"]],
				    value[name], _join(path, name), errors)
			return
		if t == "list":
			if not isinstance(value, list):
				return bad("Member must be a list")
			self._check_len(shape, len(value), bad)
			mshape = self.shapes[shape["member"]["shape"]]
			for i, v in enumerate(value):
				self.validate(mshape, v, "%s.%d" % (where,
				    i + 1), errors)
			return
		if t == "map":
			if not isinstance(value, dict):
				return bad("Member must be a map")
			self._check_len(shape, len(value), bad)
			kshape = self.shapes[shape["key"]["shape"]]
			vshape = self.shapes[shape["value"]["shape"]]
			for k, v in value.items():
				self.validate(kshape, k, where + ".key", errors)
				self.validate(vshape, v, "%s.%s" % (where, k),
				    errors)
			return
		if t == "string":
			if not isinstance(value, str):
				return bad("Member must be a string")
			self._check_len(shape, len(value), bad)
			if "enum" in shape and value not in shape["enum"]:
				return bad("Member must satisfy enum value "
				    "set: [%s]" % ", ".join(shape["enum"]))
			p = shape.get("pattern")
			if p is not None and not self._regex(p).fullmatch(
			    value):
				bad("Member must satisfy regular expression "
				    "pattern: %s" % p)
			return
		if t == "boolean":
			if not isinstance(value, bool):
				bad("Member must be a boolean")
			return
		if t in ("integer", "long"):
			if isinstance(value, bool) or not isinstance(value,
			    int):
				return bad("Member must be an integer")
			if "min" in shape and value < shape["min"]:
				bad("Member must have value greater than or "
				    "equal to %s" % shape["min"])
			if "max" in shape and value > shape["max"]:
				bad("Member must have value less than or "
				    "equal to %s" % shape["max"])
			return
		if t in ("float", "double"):
			if isinstance(value, bool) or not isinstance(value,
			    (int, float)) or not math.isfinite(value):
				bad("Member must be a number")
			return
		if t == "timestamp":
			if isinstance(value, bool) or not isinstance(value,
			    (int, float, str)):
				bad("Member must be a timestamp")
			return
		if t == "blob":
			if isinstance(value, bytes):
				return
			try:
				base64.b64decode(value, validate=True)
			except (TypeError, ValueError):
				bad("Member must be base64-encoded")
			return

	@staticmethod
	def _check_len(shape, n, bad):
		if "min" in shape and n < shape["min"]:
			bad("Member must have length greater than or equal "
			    "to %s" % shape["min"])
		if "max" in shape and n > shape["max"]:
			bad("Member must have length less than or equal to "
			    "%s" % shape["max"])

	# output

	def check_output(self, op, value):
		"""Our own answers must use exactly the model's member names
		and types; a mistake here is a bug in iot-local, so it is
		raised as such (the server turns it into a 500)."""
		spec = self.ops[op]
		if "output" not in spec:
			if value:
				raise AssertionError("%s has no output members"
				    % op)
			return
		self._check_out(self.shapes[spec["output"]["shape"]], value,
		    op)

	def _check_out(self, shape, value, path):
		t = shape["type"]
		ok = {
			"structure": lambda v: isinstance(v, dict),
			"list": lambda v: isinstance(v, list),
			"map": lambda v: isinstance(v, dict),
			"string": lambda v: isinstance(v, str),
			"boolean": lambda v: isinstance(v, bool),
			"integer": lambda v: isinstance(v, int) and
			    not isinstance(v, bool),
			"long": lambda v: isinstance(v, int) and
			    not isinstance(v, bool),
			"timestamp": lambda v: isinstance(v, (int, float))
			    and not isinstance(v, bool),
		}.get(t, lambda v: True)
		if not ok(value):
			raise AssertionError("output %s: %r is not a %s" %
			    (path, value, t))
		if t == "structure":
			members = shape.get("members", {})
			for k, v in value.items():
				if k not in members:
					raise AssertionError("output %s: "
					    "member %s is not in the model" %
					    (path, k))
				sub = self.shapes[members[k]["shape"]]
				self._check_out(sub, v, path + "." + k)
		elif t == "list":
			m = self.shapes[shape["member"]["shape"]]
			for v in value:
				self._check_out(m, v, path + "[]")
		elif t == "map":
			m = self.shapes[shape["value"]["shape"]]
			for v in value.values():
				self._check_out(m, v, path + "{}")

	def output_members(self, op):
		spec = self.ops[op]
		if "output" not in spec:
			return {}
		return self.shapes[spec["output"]["shape"]].get("members", {})


def _join(path, name):
	return "%s.%s" % (path, name) if path else name


def _show(value):
	if isinstance(value, str):
		v = value if len(value) <= 80 else value[:77] + "..."
		return "'%s'" % v
	if isinstance(value, bool):
		return "'%s'" % str(value).lower()
	if isinstance(value, (int, float)):
		return "'%s'" % value
	return "of type %s" % type(value).__name__


def _validation_error(errors):
	n = len(errors)
	return invalid("%d validation error%s detected: %s" % (n,
	    "" if n == 1 else "s", "; ".join(errors)))
