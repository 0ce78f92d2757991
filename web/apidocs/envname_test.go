package apidocs

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog/openapi"
)

// Found by FuzzShellQuote: a security scheme whose name starts with a
// digit ("1key") became "$1KEY" in the curl sample, which sh reads as the
// positional parameter $1 followed by the text KEY, so the pasted command
// sent whatever $1 held instead of the secret.
func TestCurlSampleReadsTheSecretFromOneVariable(t *testing.T) {
	sh := need(t, "sh")
	op := &openapi.Operation{OperationSummary: openapi.OperationSummary{Method: "GET", Path: "/x"}, Security: [][]string{{"1key"}}}
	schemes := []openapi.SecurityScheme{{Name: "1key", Type: "apiKey", In: "header", ParamName: "X-Api-Key"}}
	in := TryInput{Credentials: map[string]Credential{"1key": {Value: "typed-in-the-form"}}}
	call, err := Build([]Target{{URL: "https://api.example.com"}}, op, schemes, in, 1<<10, true)
	if err != nil {
		t.Fatal(err)
	}
	code := curlSample(call)
	name := envName("1key")
	cmd := exec.Command(sh, "-c", "printf '%s\\0' "+strings.TrimPrefix(code, "curl "), "sh", "first-argument")
	cmd.Env = []string{name + "=s3cret", "PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, code)
	}
	args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !slices.Contains(args, "X-Api-Key: s3cret") {
		t.Errorf("the sample sends %q, want the header from $%s (X-Api-Key: s3cret):\n%s", args, name, code)
	}
}
