package lf

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
)

// IAMPrincipalsSuffix makes "<account>:IAMPrincipals", the ALLIAMPrincipals
// group: every IAM principal of the account (spec §4.5).
const IAMPrincipalsSuffix = ":IAMPrincipals"

const maxPrincipalLen = 255

var (
	samlRe      = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:saml-provider/[\w+=,.@-]{1,128}:(user|group)/[^\s]{1,128}$`)
	quicksighRe = regexp.MustCompile(`^arn:aws(-[a-z]+)*:quicksight:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:(user|group)/default/[^\s/]{1,128}$`)
	orgRe       = regexp.MustCompile(`^arn:aws(-[a-z]+)*:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$`)
	ouRe        = regexp.MustCompile(`^arn:aws(-[a-z]+)*:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$`)
	idStoreRe   = regexp.MustCompile(`^arn:aws(-[a-z]+)*:identitystore:::(user|group)/[A-Za-z0-9-]{1,64}$`)
)

// NormalizePrincipal validates a DataLakePrincipalIdentifier (spec §4.5) and
// returns its canonical spelling: the console and DG spellings of
// IAM_ALLOWED_PRINCIPALS become the API's.
func NormalizePrincipal(id string) (string, error) {
	if id == "" {
		return "", lferr.New(lferr.InvalidInput, "DataLakePrincipalIdentifier must not be empty.")
	}
	if n := utf8.RuneCountInString(id); n > maxPrincipalLen {
		return "", lferr.New(lferr.InvalidInput, "DataLakePrincipalIdentifier is %d characters long; the limit is %d.", n, maxPrincipalLen)
	}
	// Control characters would also corrupt the composite store keys the
	// principal becomes part of.
	if r, ok := validSingleLine(id); !ok || strings.ContainsRune(id, '\t') {
		return "", lferr.New(lferr.InvalidInput, "DataLakePrincipalIdentifier %q contains the character %U, which is not allowed.", id, r)
	}
	switch {
	case strings.EqualFold(id, api.IAMAllowedPrincipals), id == "IAMAllowedPrincipals":
		return api.IAMAllowedPrincipals, nil
	case iam.IsAccountID(id):
		return id, nil
	case strings.HasSuffix(id, IAMPrincipalsSuffix) && iam.IsAccountID(strings.TrimSuffix(id, IAMPrincipalsSuffix)):
		return id, nil
	case samlRe.MatchString(id), quicksighRe.MatchString(id), orgRe.MatchString(id), ouRe.MatchString(id), idStoreRe.MatchString(id):
		return id, nil
	}
	if strings.HasPrefix(id, "arn:") {
		p, err := iam.ParsePrincipal(id)
		if err == nil && (p.Kind == iam.KindRole || p.Kind == iam.KindUser) {
			return id, nil
		}
		if err == nil && p.Kind == iam.KindAssumedRole {
			return "", lferr.New(lferr.InvalidInput, "Invalid principal %s: grant to the role (%s), not to one of its sessions.", id, iam.RoleARN(p.Account, "", p.Name))
		}
	}
	return "", lferr.New(lferr.InvalidInput, "Invalid principal %q: expected an IAM role or user ARN, a SAML, QuickSight, Identity Center or Organizations ARN, a 12-digit account id, %s or <account-id>%s.", id, api.IAMAllowedPrincipals, IAMPrincipalsSuffix)
}

// isIAMUserOrRole reports whether id is an IAM user or role ARN: the only
// principals that may be data lake administrators.
func isIAMUserOrRole(id string) bool {
	p, err := iam.ParsePrincipal(id)
	return err == nil && (p.Kind == iam.KindRole || p.Kind == iam.KindUser)
}

// expandPrincipals returns the principal set a resolver looks up: the
// caller's own identities plus the ALLIAMPrincipals group of the account of
// every IAM identity among them. IAM_ALLOWED_PRINCIPALS is never added: it
// is not an LF identity but the marker of IAM-only resources.
func expandPrincipals(principals []string) []string {
	out := make([]string, 0, len(principals)+1)
	seen := make(map[string]bool, len(principals)+1)
	add := func(p string) {
		if p != "" && !seen[p] && p != api.IAMAllowedPrincipals {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range principals {
		add(p)
	}
	for _, p := range principals {
		// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, split by hand: the
		// resolver runs this on every call.
		if !strings.HasPrefix(p, "arn:") {
			continue
		}
		f := strings.SplitN(p, ":", 6)
		if len(f) == 6 && (f[2] == "iam" || f[2] == "sts") && isAccountID(f[4]) && f[5] != "" {
			add(f[4] + IAMPrincipalsSuffix)
		}
	}
	return out
}
