package awss3

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// explained is an S3 failure told in words an operator acts on; the SDK's
// error, which runs to hundreds of characters of middleware names, stays
// reachable through Unwrap for the logs.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// explain turns err from an S3 call on what (e.g. "list s3://bucket/prefix")
// into one sentence: which setting to check, never the SDK's chain.
func (p *Provider) explain(what string, err error) error {
	return &explained{msg: what + ": " + p.reason(err), err: err}
}

func (p *Provider) reason(err error) string {
	var signing *v4.SigningError
	var api smithy.APIError
	var dns *net.DNSError
	switch {
	case errors.As(err, &signing), isCredentialsError(err):
		return "no AWS credentials were found: set accessKeyId and secretAccessKey under integrations.awsS3, " +
			"or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give the portal an IAM role"
	case errors.As(err, &api):
		return p.apiReason(api)
	case errors.As(err, &dns):
		return fmt.Sprintf("could not resolve %s: check the endpoint or region", dns.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("the S3 endpoint %s refused the connection: check the endpoint", p.endpoint())
	case errors.Is(err, context.DeadlineExceeded):
		return "the S3 endpoint did not answer in time"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:] // the innermost cause
	}
	return "the S3 call failed: " + msg
}

func (p *Provider) apiReason(api smithy.APIError) string {
	bucket := p.cfg.BucketName
	switch api.ErrorCode() {
	case "AccessDenied", "AllAccessDisabled":
		return fmt.Sprintf("access denied: the credentials may not read bucket %s (they need s3:ListBucket and s3:GetObject)", bucket)
	case "InvalidAccessKeyId":
		return "the access key id is not known to the S3 store: check accessKeyId under integrations.awsS3"
	case "SignatureDoesNotMatch":
		return "the secret access key does not match the access key id: check secretAccessKey under integrations.awsS3"
	case "ExpiredToken", "TokenRefreshRequired":
		return "the AWS credentials have expired: renew them"
	case "NoSuchBucket":
		return fmt.Sprintf("bucket %s does not exist: check bucketName (and region)", bucket)
	case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
		return fmt.Sprintf("bucket %s is in another region than %q: set region", bucket, p.cfg.Region)
	}
	msg := api.ErrorMessage()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return fmt.Sprintf("the S3 store answered %s: %s", api.ErrorCode(), msg)
}

func (p *Provider) endpoint() string {
	if p.cfg.Endpoint != "" {
		return p.cfg.Endpoint
	}
	return "of region " + p.cfg.Region
}

// isCredentialsError recognises the SDK's "failed to retrieve credentials"
// and "failed to refresh cached credentials" wherever the chain puts them.
func isCredentialsError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "failed to refresh cached credentials")
}
