package apiwebhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/apihistory"
)

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body
// under the webhook's secret.
const SignatureHeader = "X-Portico-Signature"

// Sign returns the X-Portico-Signature value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether header is body's signature under secret, in
// constant time: what a receiver written in Go does.
func Verify(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(header), []byte(Sign(secret, body)))
}

// Payload is the JSON body of a webhook call.
type Payload struct {
	Event string         `json:"event"` // "breaking", "change" or "diff-failed"
	API   PayloadAPI     `json:"api"`
	From  PayloadVersion `json:"from"`
	To    PayloadVersion `json:"to"`
	// IsBreaking says whether the change breaks consumers; null when the
	// diff failed, which cannot tell (DiffError says why).
	IsBreaking *bool `json:"breaking"`
	// DiffError is why the two versions could not be compared (a
	// definition that does not parse, a changed spec.type); empty otherwise.
	DiffError string `json:"diffError,omitempty"`
	// Counts are null when the diff failed.
	Counts   *apidiff.Counts `json:"counts"`
	Breaking []PayloadChange `json:"breakingChanges"`
	// BreakingOmitted counts breaking changes left out of Breaking.
	BreakingOmitted int          `json:"breakingOmitted,omitempty"`
	Links           PayloadLinks `json:"links"`
}

// PayloadAPI names the API.
type PayloadAPI struct {
	Ref       string `json:"ref"` // api:default/pets
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// PayloadVersion is one side of the change.
type PayloadVersion struct {
	ID           int64      `json:"id"`
	InfoVersion  string     `json:"infoVersion,omitempty"`
	SpecType     string     `json:"specType,omitempty"`
	CurrentSince *time.Time `json:"currentSince,omitempty"`
}

// PayloadChange is one breaking change.
type PayloadChange struct {
	Where string `json:"where"` // "DELETE /pets/{id}" or a section
	ID    string `json:"id"`
	Text  string `json:"text"`
}

// PayloadLinks point at the portal.
type PayloadLinks struct {
	API     string `json:"api"`
	Changes string `json:"changes"` // the Changes tab showing this diff
	Diff    string `json:"diff"`    // the same as JSON
}

// maxPayloadChanges bounds the breaking changes listed in one body.
const maxPayloadChanges = 100

// NewPayload describes v's arrival with its diff rep; base is the
// portal's public URL.
func NewPayload(v apihistory.Version, rep *apidiff.Report, base string) Payload {
	ref, _ := catalog.ParseRef(v.EntityKey, "API", catalog.DefaultNamespace)
	since := v.CurrentSince
	counts := rep.Counts
	breaking := counts.Breaking > 0
	p := Payload{
		Event:      eventOf(rep),
		API:        PayloadAPI{Ref: v.EntityKey, Namespace: ref.Namespace, Name: ref.Name},
		From:       PayloadVersion{ID: v.PrevID, InfoVersion: rep.FromVersion},
		To:         PayloadVersion{ID: v.ID, InfoVersion: v.InfoVersion, SpecType: v.SpecType, CurrentSince: &since},
		IsBreaking: &breaking,
		Counts:     &counts,
		Breaking:   []PayloadChange{},
		Links:      links(v, ref, base),
	}
	for _, g := range rep.Groups {
		where := g.Section
		if where == "" {
			where = g.Method + " " + g.Path
		}
		for _, c := range g.Changes {
			if c.Level != apidiff.Breaking {
				continue
			}
			if len(p.Breaking) == maxPayloadChanges {
				p.BreakingOmitted++
				continue
			}
			p.Breaking = append(p.Breaking, PayloadChange{Where: where, ID: c.ID, Text: c.Text})
		}
	}
	return p
}

// NewFailedPayload describes v's arrival when its diff against the
// version before it failed with diffErr: the API changed, but whether the
// change breaks is unknown (breaking and counts are null).
func NewFailedPayload(v apihistory.Version, diffErr error, base string) Payload {
	ref, _ := catalog.ParseRef(v.EntityKey, "API", catalog.DefaultNamespace)
	since := v.CurrentSince
	return Payload{
		Event:     EventDiffFailed,
		API:       PayloadAPI{Ref: v.EntityKey, Namespace: ref.Namespace, Name: ref.Name},
		From:      PayloadVersion{ID: v.PrevID},
		To:        PayloadVersion{ID: v.ID, InfoVersion: v.InfoVersion, SpecType: v.SpecType, CurrentSince: &since},
		DiffError: diffErr.Error(),
		Breaking:  []PayloadChange{},
		Links:     links(v, ref, base),
	}
}

func links(v apihistory.Version, ref catalog.Ref, base string) PayloadLinks {
	base = strings.TrimRight(base, "/")
	ns, name := url.PathEscape(ref.Namespace), url.PathEscape(ref.Name)
	pair := "?from=" + strconv.FormatInt(v.PrevID, 10) + "&to=" + strconv.FormatInt(v.ID, 10)
	return PayloadLinks{
		API:     base + "/catalog/" + ns + "/api/" + name,
		Changes: base + "/catalog/" + ns + "/api/" + name + "/changes" + pair,
		Diff:    base + "/api/apidocs/" + ns + "/" + name + "/diff" + pair,
	}
}

// EventDiffFailed is the event of a version whose diff failed.
const EventDiffFailed = "diff-failed"

func eventOf(rep *apidiff.Report) string {
	if rep.Counts.Breaking > 0 {
		return "breaking"
	}
	return "change"
}
