"""State of the fake account, kept in one JSON file written atomically
(temporary file in the same directory, fsync, rename) after every
operation that changed it."""

import json
import os
import secrets
import string
import tempfile
import threading

VERSION = 1


def _fresh(account, region):
	alphabet = string.ascii_lowercase + string.digits
	return {
		"version": VERSION,
		"account": account,
		"region": region,
		# one registration code per account and region, stable until
		# deleted (DeleteRegistrationCode is not implemented)
		"registrationCode": secrets.token_hex(32),
		"endpointPrefix": "".join(secrets.choice(alphabet)
		    for _ in range(14)),
		"caCertificates": {},
		"certificates": {},
		"things": {},
		"policies": {},
		# thing name -> [principal, ...] in attach order
		"thingPrincipals": {},
		# policy name -> [target, ...] in attach order
		"policyTargets": {},
	}


class Store:
	def __init__(self, path, account, region):
		self.path = path
		self.lock = threading.RLock()
		if os.path.exists(path) and os.path.getsize(path) > 0:
			with open(path, encoding="utf-8") as f:
				self.data = json.load(f)
			if self.data.get("version") != VERSION:
				raise ValueError("%s: state version %r, "
				    "expected %d" % (path,
				    self.data.get("version"), VERSION))
			for k in ("account", "region"):
				want = account if k == "account" else region
				if self.data[k] != want:
					raise ValueError("%s: state belongs to "
					    "%s %s, not %s (use a separate "
					    "state file)" % (path, k,
					    self.data[k], want))
		else:
			self.data = _fresh(account, region)
			self.save()

	def save(self):
		d = os.path.dirname(os.path.abspath(self.path))
		fd, tmp = tempfile.mkstemp(prefix=".iot-local.", dir=d)
		try:
			with os.fdopen(fd, "w", encoding="utf-8") as f:
				json.dump(self.data, f, indent=1,
				    sort_keys=True)
				f.write("\n")
				f.flush()
				os.fsync(f.fileno())
			os.replace(tmp, self.path)
		except BaseException:
			try:
				os.unlink(tmp)
			except OSError:
				pass
			raise
