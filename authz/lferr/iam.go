package lferr

// IAM and STS exception names (awsQuery protocol error codes, botocore
// iam/2010-05-08 and sts/2011-06-15 service models). IAM and STS use the
// short names without the "Exception" suffix on the wire.
const (
	NoSuchEntity            Code = "NoSuchEntity"
	EntityAlreadyExists     Code = "EntityAlreadyExists"
	MalformedPolicyDocument Code = "MalformedPolicyDocument"
	ValidationError         Code = "ValidationError"
	LimitExceeded           Code = "LimitExceeded"
	DeleteConflict          Code = "DeleteConflict"
	InvalidParameterValue   Code = "InvalidParameterValue"
	PackedPolicyTooLarge    Code = "PackedPolicyTooLarge"
	ExpiredToken            Code = "ExpiredToken"
	InvalidClientTokenId    Code = "InvalidClientTokenId"
	// STSAccessDenied is STS's and IAM's AccessDenied (no "Exception"
	// suffix, unlike Lake Formation's AccessDeniedException).
	STSAccessDenied Code = "AccessDenied"
)

// QueryHTTPStatus is the HTTP status the awsQuery protocol (IAM, STS) uses
// for c; codes of the JSON protocols fall back to HTTPStatus.
func (c Code) QueryHTTPStatus() int {
	switch c {
	case NoSuchEntity:
		return 404
	case EntityAlreadyExists, DeleteConflict, LimitExceeded:
		return 409
	case STSAccessDenied, InvalidClientTokenId:
		return 403
	case MalformedPolicyDocument, ValidationError, InvalidParameterValue,
		PackedPolicyTooLarge, ExpiredToken:
		return 400
	}
	return c.HTTPStatus()
}
