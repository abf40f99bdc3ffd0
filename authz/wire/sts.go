package wire

import (
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/sts"
)

// queryResponse is an awsQuery success: <OpResponse xmlns=…><OpResult>…
// </OpResult><ResponseMetadata><RequestId>….
type queryResponse struct {
	XMLName   xml.Name
	NS        string `xml:"xmlns,attr"`
	Result    any
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

// queryOK wraps result (a struct whose XMLName is OpResult, or nil for
// operations without output); queryOp calls it for every awsQuery
// operation.
func queryOK(req *request, result any) any {
	return queryResponse{XMLName: xml.Name{Local: req.op + "Response"}, NS: queryNS(req), Result: result, RequestID: req.id}
}

// isoTime is the XML protocols' timestamp (ISO-8601 UTC).
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

var stsOps = map[string]handlerFunc{
	"AssumeRole":        queryOp(stsAssumeRole),
	"GetCallerIdentity": queryOp(stsGetCallerIdentity),
}

// members reads an awsQuery list: Name.member.1, Name.member.2, … (field
// "" for scalar lists, or the member's field name). It stops at the first
// gap, as AWS does, and caps the count so a hostile form cannot make it
// loop long.
func members(f url.Values, name, field string, max int) ([]string, bool) {
	var out []string
	for i := 1; ; i++ {
		k := name + ".member." + strconv.Itoa(i)
		if field != "" {
			k += "." + field
		}
		v, ok := f[k]
		if !ok {
			return out, true
		}
		if len(out) >= max {
			return out, false
		}
		out = append(out, v[0])
	}
}

func tagsOf(f url.Values, name string, max int) ([]iam.Tag, error) {
	keys, ok := members(f, name, "Key", max)
	if !ok {
		return nil, lferr.New(lferr.ValidationError, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", strings.ToLower(name[:1])+name[1:], max)
	}
	tags := make([]iam.Tag, len(keys))
	for i, k := range keys {
		tags[i] = iam.Tag{Key: k, Value: f.Get(name + ".member." + strconv.Itoa(i+1) + ".Value")}
	}
	return tags, nil
}

type xmlCredentials struct {
	AccessKeyId     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumeRoleResult struct {
	XMLName         xml.Name       `xml:"AssumeRoleResult"`
	Credentials     xmlCredentials `xml:"Credentials"`
	AssumedRoleUser struct {
		AssumedRoleId string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	} `xml:"AssumedRoleUser"`
	PackedPolicySize int    `xml:"PackedPolicySize"`
	SourceIdentity   string `xml:"SourceIdentity,omitempty"`
}

func stsAssumeRole(s *Server, req *request, f url.Values) (any, error) {
	in := sts.AssumeRoleInput{RoleArn: f.Get("RoleArn"), RoleSessionName: f.Get("RoleSessionName"), Policy: f.Get("Policy"),
		SourceIdentity: f.Get("SourceIdentity"), ExternalId: f.Get("ExternalId")}
	var err error
	if in.DurationSeconds, err = int32Param(f, "DurationSeconds"); err != nil {
		return nil, err
	}
	if in.Tags, err = tagsOf(f, "Tags", sts.MaxSessionTags); err != nil {
		return nil, err
	}
	keys, ok := members(f, "TransitiveTagKeys", "", sts.MaxTransitiveKeys)
	if !ok {
		return nil, lferr.New(lferr.ValidationError, "TransitiveTagKeys holds more than %d keys.", sts.MaxTransitiveKeys)
	}
	in.TransitiveTagKeys = keys
	arns, ok := members(f, "PolicyArns", "arn", sts.MaxPolicyArns)
	if !ok {
		return nil, lferr.New(lferr.ValidationError, "PolicyArns holds more than %d ARNs.", sts.MaxPolicyArns)
	}
	in.PolicyArns = arns
	out, err := inTx(s.cp.Store().Update, func(tx *store.Tx) (*sts.AssumeRoleOutput, error) {
		return s.stsIn(tx).AssumeRole(s.now(), req.who.p, in)
	})
	if err != nil {
		return nil, err
	}
	r := assumeRoleResult{Credentials: xmlCredentials{AccessKeyId: out.Credentials.AccessKeyId, SecretAccessKey: out.Credentials.SecretAccessKey,
		SessionToken: out.Credentials.SessionToken, Expiration: isoTime(out.Credentials.Expiration)},
		PackedPolicySize: out.PackedPolicySize, SourceIdentity: out.SourceIdentity}
	r.AssumedRoleUser.AssumedRoleId, r.AssumedRoleUser.Arn = out.AssumedRoleId, out.Arn
	return r, nil
}

type callerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string   `xml:"Arn"`
	UserId  string   `xml:"UserId"`
	Account string   `xml:"Account"`
}

func stsGetCallerIdentity(s *Server, req *request, _ url.Values) (any, error) {
	id := sts.GetCallerIdentity(req.who.p)
	return callerIdentityResult{Arn: id.Arn, UserId: id.UserId, Account: id.Account}, nil
}
