package lferr

import (
	"errors"
	"fmt"
)

// Code is an exception name.
type Code string

// Lake Formation / Glue exception names (botocore service models).
const (
	AccessDenied                Code = "AccessDeniedException"
	EntityNotFound              Code = "EntityNotFoundException"
	InvalidInput                Code = "InvalidInputException"
	AlreadyExists               Code = "AlreadyExistsException"
	ConcurrentModification      Code = "ConcurrentModificationException"
	Conflict                    Code = "ConflictException"
	Expired                     Code = "ExpiredException"
	InternalService             Code = "InternalServiceException"
	OperationTimeout            Code = "OperationTimeoutException"
	PermissionTypeMismatch      Code = "PermissionTypeMismatchException"
	ResourceNumberLimitExceeded Code = "ResourceNumberLimitExceededException"
	ResourceNotReady            Code = "ResourceNotReadyException"
	Throttled                   Code = "ThrottledException"
	GlueEncryption              Code = "GlueEncryptionException"
)

// SQL-level codes (not AWS names): the engine's own errors.
const (
	SyntaxError    Code = "SyntaxError"
	UnknownColumn  Code = "UnknownColumn"
	UnknownTable   Code = "UnknownTable"
	TypeError      Code = "TypeError"
	Unsupported    Code = "Unsupported"
	ExecutionError Code = "ExecutionError"
	StorageError   Code = "StorageError"
)

// HTTPStatus is the status code the wire protocols use for c.
func (c Code) HTTPStatus() int {
	switch c {
	case AccessDenied:
		return 403
	case EntityNotFound:
		return 400
	case Expired:
		return 410
	case Throttled:
		return 429
	case InternalService:
		return 500
	case OperationTimeout:
		return 500
	}
	return 400
}

// Error is a typed error: a code, a human message naming the problem, and
// optionally the resource concerned and a wrapped cause.
type Error struct {
	Code     Code
	Message  string
	Resource string
	Err      error
}

func (e *Error) Error() string {
	if e.Message == "" && e.Err != nil {
		return string(e.Code) + ": " + e.Err.Error()
	}
	return string(e.Code) + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, lferr.AccessDenied) work on codes.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Code:
		return e.Code == t
	case *Error:
		return e.Code == t.Code
	}
	return false
}

// Error makes Code usable as an errors.Is target.
func (c Code) Error() string { return string(c) }

// New returns an error with code c and a formatted message.
func New(c Code, format string, args ...any) *Error {
	return &Error{Code: c, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with code c wrapping cause, with a formatted message.
func Wrap(c Code, cause error, format string, args ...any) *Error {
	return &Error{Code: c, Message: fmt.Sprintf(format, args...), Err: cause}
}

// CodeOf returns the code of err, or "" when err carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// MessageOf returns the message of a typed error, or err.Error().
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return err.Error()
}

// AssertionFailedf reports an internal bug as InternalServiceException.
func AssertionFailedf(format string, args ...any) *Error {
	return &Error{Code: InternalService, Message: "BUG: " + fmt.Sprintf(format, args...)}
}
