"""X.509 handling with Debian's python3-cryptography.

The certificate id is what AWS computes: lower-case hex SHA-256 of the
certificate's DER encoding (not of the PEM text).
"""

import calendar
import hashlib
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID

from .errors import ApiError

# What AWS IoT accepts for registered CA and device certificates.
_SUPPORTED_SIGALGS = {
	SignatureAlgorithmOID.RSA_WITH_SHA256,
	SignatureAlgorithmOID.RSA_WITH_SHA384,
	SignatureAlgorithmOID.RSA_WITH_SHA512,
	SignatureAlgorithmOID.DSA_WITH_SHA256,
	SignatureAlgorithmOID.ECDSA_WITH_SHA256,
	SignatureAlgorithmOID.ECDSA_WITH_SHA384,
	SignatureAlgorithmOID.ECDSA_WITH_SHA512,
}


def _epoch(dt):
	# cryptography 38 returns naive datetimes in UTC
	return float(calendar.timegm(dt.utctimetuple()))


class Cert:
	def __init__(self, obj):
		self.obj = obj
		self.der = obj.public_bytes(serialization.Encoding.DER)
		self.id = hashlib.sha256(self.der).hexdigest()
		self.pem = obj.public_bytes(
		    serialization.Encoding.PEM).decode("ascii")
		self.subject = obj.subject
		self.issuer = obj.issuer
		self.not_before = _epoch(obj.not_valid_before)
		self.not_after = _epoch(obj.not_valid_after)

	@property
	def common_name(self):
		cns = self.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
		return cns[0].value if cns else None

	@property
	def is_ca(self):
		try:
			bc = self.obj.extensions.get_extension_for_class(
			    x509.BasicConstraints)
		except x509.ExtensionNotFound:
			return False
		return bool(bc.value.ca)

	@property
	def sigalg_supported(self):
		return self.obj.signature_algorithm_oid in _SUPPORTED_SIGALGS

	def valid_now(self, now=None):
		now = time.time() if now is None else now
		return self.not_before <= now <= self.not_after

	def signed_by(self, issuer):
		"""True if issuer's public key verifies this certificate's
		signature and the issuer name matches the issuer's subject."""
		if self.issuer != issuer.subject:
			return False
		pub = issuer.obj.public_key()
		sig = self.obj.signature
		tbs = self.obj.tbs_certificate_bytes
		h = self.obj.signature_hash_algorithm
		try:
			if isinstance(pub, rsa.RSAPublicKey):
				pub.verify(sig, tbs, padding.PKCS1v15(), h)
			elif isinstance(pub, ec.EllipticCurvePublicKey):
				pub.verify(sig, tbs, ec.ECDSA(h))
			elif isinstance(pub, dsa.DSAPublicKey):
				pub.verify(sig, tbs, h)
			else:
				return False
		except (InvalidSignature, TypeError, ValueError):
			return False
		return True


def parse_pem(text, what):
	"""Parse the first certificate of a PEM string or raise
	CertificateValidationException naming the input."""
	if "-----BEGIN CERTIFICATE-----" not in text:
		raise ApiError("CertificateValidationException",
		    "The %s is not a PEM certificate: no '-----BEGIN "
		    "CERTIFICATE-----' line" % what)
	try:
		obj = x509.load_pem_x509_certificate(text.encode("utf-8"))
	except ValueError as e:
		raise ApiError("CertificateValidationException",
		    "The %s could not be parsed as an X.509 certificate: %s"
		    % (what, e))
	return Cert(obj)


def require_usable(cert, what, now=None):
	"""The checks AWS makes on every certificate it registers."""
	now = time.time() if now is None else now
	if not cert.valid_now(now):
		raise ApiError("CertificateValidationException",
		    "The %s is not valid at this time (valid from %s to %s)"
		    % (what, _iso(cert.not_before), _iso(cert.not_after)))
	if not cert.sigalg_supported:
		raise ApiError("CertificateValidationException",
		    "The %s uses an unsupported signature algorithm (%s); "
		    "use RSA, DSA or ECDSA with SHA-256/384/512" % (what,
		    cert.obj.signature_algorithm_oid.dotted_string))


def _iso(t):
	return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def name_text(name):
	return name.rfc4514_string()
