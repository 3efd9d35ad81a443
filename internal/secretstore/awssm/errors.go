package awssm

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"

	"github.com/honeyvault/honeyvault/internal/secretstore"
)

// wrap says what failed, marking a refusal with the secretstore error of
// its kind by the API's error code. Only the code is kept: AWS's messages
// repeat the SecretId as sent, a decoy's name.
func wrap(what string, err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		// The JSON protocol sends the SecretId in the body: a transport
		// error names the endpoint, never the secret.
		return fmt.Errorf("awssm: %s: %w", what, err)
	}
	var kind error
	switch ae.ErrorCode() {
	case "AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException":
		kind = secretstore.ErrForbidden
	case "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded":
		kind = secretstore.ErrThrottled
	case "ResourceNotFoundException":
		kind = secretstore.ErrNotFound
	case "ResourceExistsException":
		kind = secretstore.ErrConflict
	case "InvalidParameterException", "InvalidRequestException", "ValidationException", "LimitExceededException",
		"MalformedPolicyDocumentException", "EncryptionFailure", "PreconditionNotMetException":
		kind = secretstore.ErrInvalid
	}
	if kind == nil {
		return fmt.Errorf("awssm: %s: %s", what, ae.ErrorCode())
	}
	return fmt.Errorf("awssm: %s: %s: %w", what, ae.ErrorCode(), kind)
}
