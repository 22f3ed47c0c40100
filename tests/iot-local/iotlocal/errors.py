"""Errors answered in AWS's rest-json form."""

# Status codes of the errors that are not in the IoT model (signature and
# routing failures happen before an operation is known).
_UNMODELED = {
	"InvalidSignatureException": 403,
	"IncompleteSignatureException": 403,
	"UnrecognizedClientException": 403,
	"MissingAuthenticationTokenException": 403,
	"UnknownOperationException": 404,
}


class ApiError(Exception):
	"""An error reply: code (the modeled shape name), message, extra
	body members (e.g. resourceId), HTTP status.  The status is taken
	from the model when the code is a modeled error shape."""

	def __init__(self, code, message, status=None, **extra):
		super().__init__("%s: %s" % (code, message))
		self.code = code
		self.message = message
		self.status = status
		self.extra = extra

	def http_status(self, model):
		if self.status is not None:
			return self.status
		if self.code in _UNMODELED:
			return _UNMODELED[self.code]
		return model.error_status(self.code)


def invalid(message):
	return ApiError("InvalidRequestException", message)


def not_found(message):
	return ApiError("ResourceNotFoundException", message)
