package lf

import (
	"encoding/base64"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// RegisterInput is RegisterResource's request (spec §4.11).
type RegisterInput struct {
	ResourceArn          string
	UseServiceLinkedRole bool
	RoleArn              string
	WithFederation       bool
	HybridAccessEnabled  bool
	WithPrivilegedAccess bool
}

// FilterCondition is one ListResources filter.
type FilterCondition struct {
	Field              string // RESOURCE_ARN | ROLE_ARN | LAST_MODIFIED
	ComparisonOperator string // EQ NE LE LT GE GT CONTAINS NOT_CONTAINS BEGINS_WITH IN BETWEEN
	StringValueList    []string
}

var roleArnRe = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]*:role/.+$`)

const maxListResults = 1000

// NormalizeLocation validates a registrable location and returns its
// canonical ARN. S3 locations are arn:aws:s3:::bucket[/prefix] (bucket or
// prefix, never an object: a trailing "/" is dropped); sluice's local
// warehouse uses file:///abs/path, its own ARN. s3:// URIs are accepted and
// turned into ARNs. ".." segments and empty segments are refused, so that
// a registration can never be made to cover more than it names.
func NormalizeLocation(arn string) (string, error) {
	var scheme, rest string
	switch {
	case strings.HasPrefix(arn, "arn:aws:s3:::"):
		scheme, rest = "arn:aws:s3:::", strings.TrimPrefix(arn, "arn:aws:s3:::")
	case strings.HasPrefix(arn, "s3://"):
		scheme, rest = "arn:aws:s3:::", strings.TrimPrefix(arn, "s3://")
	case strings.HasPrefix(arn, "file:///"):
		scheme, rest = "file:///", strings.TrimPrefix(arn, "file:///")
	default:
		return "", lferr.New(lferr.InvalidInput, "Invalid location %q: expected an S3 ARN arn:aws:s3:::bucket/prefix or a local file:///path.", arn)
	}
	rest = strings.TrimRight(rest, "/")
	if rest == "" && scheme != "file:///" {
		return "", lferr.New(lferr.InvalidInput, "Invalid location %q: no bucket.", arn)
	}
	if rest != "" {
		for _, seg := range strings.Split(rest, "/") {
			if seg == "" || seg == "." || seg == ".." {
				return "", lferr.New(lferr.InvalidInput, "Invalid location %q: empty, \".\" or \"..\" path segment.", arn)
			}
		}
	}
	if r, ok := validSingleLine(rest); !ok {
		return "", lferr.New(lferr.InvalidInput, "Invalid location %q: character %U is not allowed.", arn, r)
	}
	if len(arn) > 2048 {
		return "", lferr.New(lferr.InvalidInput, "Invalid location: %d characters; the limit is 2048.", len(arn))
	}
	return scheme + rest, nil
}

// locationOfTable turns a table or database LocationUri (s3://…, file://…
// or an absolute path) into the canonical ARN form of NormalizeLocation.
func locationOfTable(loc string) (string, bool) {
	switch {
	case strings.HasPrefix(loc, "/"):
		loc = "file://" + path.Clean(loc)
	case strings.HasPrefix(loc, "file://") && !strings.HasPrefix(loc, "file:///"):
		return "", false
	}
	n, err := NormalizeLocation(loc)
	return n, err == nil
}

// covers reports whether registered location reg covers loc (both
// canonical): equal, or loc below reg on a segment boundary.
func covers(reg, loc string) bool {
	if reg == loc {
		return true
	}
	if !strings.HasPrefix(loc, reg) {
		return false
	}
	return strings.HasSuffix(reg, "/") || loc[len(reg)] == '/'
}

// RegisterResource registers a location (spec §4.11).
func RegisterResource(tx *store.Tx, in RegisterInput, now time.Time) error {
	arn, err := NormalizeLocation(in.ResourceArn)
	if err != nil {
		return err
	}
	if err := checkRegistrationRole(arn, in.UseServiceLinkedRole, in.RoleArn); err != nil {
		return err
	}
	if ok, err := tx.Has(BucketLocations, arn); err != nil {
		return err
	} else if ok {
		return lferr.New(lferr.AlreadyExists, "Resource is already registered: %s", arn)
	}
	info := api.ResourceInfo{
		ResourceArn:          arn,
		RoleArn:              in.RoleArn,
		LastModified:         api.NewTime(now),
		WithFederation:       in.WithFederation,
		HybridAccessEnabled:  in.HybridAccessEnabled,
		WithPrivilegedAccess: in.WithPrivilegedAccess,
	}
	if in.UseServiceLinkedRole && in.RoleArn == "" {
		info.RoleArn = serviceLinkedRole
	}
	return tx.Put(BucketLocations, arn, info)
}

// serviceLinkedRole is recorded as the role of a registration that uses LF's
// service-linked role (the account is not known here, so no full ARN).
const serviceLinkedRole = "AWSServiceRoleForLakeFormationDataAccess"

func checkRegistrationRole(arn string, slr bool, role string) error {
	if role != "" && !roleArnRe.MatchString(role) {
		return lferr.New(lferr.InvalidInput, "RoleArn %q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>).", role)
	}
	if !slr && role == "" && strings.HasPrefix(arn, "arn:") {
		return lferr.New(lferr.InvalidInput, "RoleArn is required unless UseServiceLinkedRole is true (registering %s).", arn)
	}
	return nil
}

func getRegistration(tx *store.Tx, resourceArn string) (string, api.ResourceInfo, error) {
	arn, err := NormalizeLocation(resourceArn)
	if err != nil {
		return "", api.ResourceInfo{}, err
	}
	info, found, err := store.GetAs[api.ResourceInfo](tx, BucketLocations, arn)
	if err != nil {
		return "", api.ResourceInfo{}, err
	}
	if !found {
		return "", api.ResourceInfo{}, lferr.New(lferr.EntityNotFound, "Entity not found: location %s is not registered.", arn)
	}
	return arn, info, nil
}

// DeregisterResource removes a registration, and the DATA_LOCATION_ACCESS
// grants on exactly that location.
func DeregisterResource(tx *store.Tx, resourceArn string) error {
	arn, _, err := getRegistration(tx, resourceArn)
	if err != nil {
		return err
	}
	if _, err := tx.Delete(BucketLocations, arn); err != nil {
		return err
	}
	return deleteGrantsOnKeyPrefixAllCatalogs(tx, func(cat string) string { return store.Key(cat, kindLocation, arn) })
}

// DescribeResource returns one registration.
func DescribeResource(tx *store.Tx, resourceArn string) (*api.ResourceInfo, error) {
	_, info, err := getRegistration(tx, resourceArn)
	if err != nil {
		return nil, err
	}
	return &info, nil
}

// UpdateResource changes a registration's role and flags.
func UpdateResource(tx *store.Tx, in RegisterInput, now time.Time) error {
	arn, info, err := getRegistration(tx, in.ResourceArn)
	if err != nil {
		return err
	}
	if in.RoleArn == "" {
		return lferr.New(lferr.InvalidInput, "RoleArn is required to update the registration of %s.", arn)
	}
	if err := checkRegistrationRole(arn, in.UseServiceLinkedRole, in.RoleArn); err != nil {
		return err
	}
	info.RoleArn = in.RoleArn
	info.WithFederation = in.WithFederation
	info.HybridAccessEnabled = in.HybridAccessEnabled
	info.LastModified = api.NewTime(now)
	return tx.Put(BucketLocations, arn, info)
}

// ListResources lists registrations matching every filter, in ARN order,
// one page at a time (nextToken "" for the first; the returned token is ""
// after the last page).
func ListResources(tx *store.Tx, filters []FilterCondition, maxResults int, nextToken string) ([]api.ResourceInfo, string, error) {
	if len(filters) > 20 {
		return nil, "", lferr.New(lferr.InvalidInput, "FilterConditionList has %d entries; the limit is 20.", len(filters))
	}
	for _, f := range filters {
		if err := checkCondition(f); err != nil {
			return nil, "", err
		}
	}
	limit, after, err := pageArgs(maxResults, nextToken)
	if err != nil {
		return nil, "", err
	}
	var out []api.ResourceInfo
	var next string
	err = tx.ScanAfter(BucketLocations, "", after, func(key string, raw []byte) error {
		var info api.ResourceInfo
		if err := jsonUnmarshal(raw, &info); err != nil {
			return err
		}
		for _, f := range filters {
			if !matchCondition(f, info) {
				return nil
			}
		}
		if len(out) == limit {
			next = encodeToken(out[len(out)-1].ResourceArn)
			return store.Stop
		}
		out = append(out, info)
		return nil
	})
	return out, next, err
}

func checkCondition(f FilterCondition) error {
	switch f.Field {
	case "RESOURCE_ARN", "ROLE_ARN", "LAST_MODIFIED":
	default:
		return lferr.New(lferr.InvalidInput, "FilterCondition Field %q is not one of RESOURCE_ARN, ROLE_ARN, LAST_MODIFIED.", f.Field)
	}
	want := 1
	switch f.ComparisonOperator {
	case "EQ", "NE", "LE", "LT", "GE", "GT", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH":
	case "IN":
		want = -1
	case "BETWEEN":
		want = 2
	default:
		return lferr.New(lferr.InvalidInput, "FilterCondition ComparisonOperator %q is not supported.", f.ComparisonOperator)
	}
	if (want > 0 && len(f.StringValueList) != want) || (want < 0 && len(f.StringValueList) == 0) {
		return lferr.New(lferr.InvalidInput, "FilterCondition %s %s takes %d value(s), got %d.", f.Field, f.ComparisonOperator, max(want, 1), len(f.StringValueList))
	}
	return nil
}

func matchCondition(f FilterCondition, info api.ResourceInfo) bool {
	var v string
	switch f.Field {
	case "RESOURCE_ARN":
		v = info.ResourceArn
	case "ROLE_ARN":
		v = info.RoleArn
	case "LAST_MODIFIED":
		if info.LastModified != nil {
			v = info.LastModified.UTC().Format(time.RFC3339Nano)
		}
	}
	a := f.StringValueList
	switch f.ComparisonOperator {
	case "EQ":
		return v == a[0]
	case "NE":
		return v != a[0]
	case "LE":
		return v <= a[0]
	case "LT":
		return v < a[0]
	case "GE":
		return v >= a[0]
	case "GT":
		return v > a[0]
	case "CONTAINS":
		return strings.Contains(v, a[0])
	case "NOT_CONTAINS":
		return !strings.Contains(v, a[0])
	case "BEGINS_WITH":
		return strings.HasPrefix(v, a[0])
	case "IN":
		for _, x := range a {
			if v == x {
				return true
			}
		}
		return false
	case "BETWEEN":
		return v >= a[0] && v <= a[1]
	}
	return false
}

// RegistrationFor returns the registration covering location (a table or
// database LocationUri or a location ARN): the longest registered prefix on
// a path-segment boundary, as spec §4.11 recommends for nested locations.
func RegistrationFor(tx *store.Tx, location string) (*api.ResourceInfo, bool, error) {
	loc, ok := locationOfTable(location)
	if !ok {
		return nil, false, nil
	}
	// Walk from the location up to its root: each step is one point lookup,
	// so the cost is the depth of the path, not the number of registrations.
	for cand := loc; ; {
		info, found, err := store.GetAs[api.ResourceInfo](tx, BucketLocations, cand)
		if err != nil {
			return nil, false, err
		}
		if found {
			return &info, true, nil
		}
		i := strings.LastIndexByte(cand, '/')
		if i < 0 || strings.HasSuffix(cand[:i+1], ":::") || cand == "file:///" {
			return nil, false, nil
		}
		if cand[:i+1] == "file:///" {
			cand = "file:///"
		} else {
			cand = cand[:i]
		}
	}
}

func encodeToken(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 {
		return "", lferr.New(lferr.InvalidInput, "Invalid NextToken.")
	}
	return string(b), nil
}

func pageArgs(maxResults int, nextToken string) (limit int, after string, err error) {
	limit = maxResults
	if limit == 0 {
		limit = maxListResults
	}
	if limit < 1 || limit > maxListResults {
		return 0, "", lferr.New(lferr.InvalidInput, "MaxResults must be between 1 and %d, got %d.", maxListResults, maxResults)
	}
	if nextToken != "" {
		if after, err = decodeToken(nextToken); err != nil {
			return 0, "", err
		}
	}
	return limit, after, nil
}

// DataLocationAccess reports whether principals may point catalog objects
// at location (spec §4.3 DATA_LOCATION_ACCESS): always for an unregistered
// location; for a registered one, data lake administrators implicitly
// (§4.8), others through DATA_LOCATION_ACCESS granted on the location or on
// a parent of it (the permission is inherited by child locations). why
// explains the answer.
func DataLocationAccess(tx *store.Tx, catalogID string, principals []string, location string) (ok bool, why string, err error) {
	if err := checkCatalogID(catalogID); err != nil {
		return false, "", err
	}
	loc, valid := locationOfTable(location)
	if !valid {
		return false, "", invalid("Invalid location %q.", location)
	}
	reg, registered, err := RegistrationFor(tx, loc)
	if err != nil {
		return false, "", err
	}
	if !registered {
		return true, "location " + loc + " is not registered with Lake Formation", nil
	}
	s, err := GetSettings(tx, catalogID)
	if err != nil {
		return false, "", err
	}
	ps := expandPrincipals(principals)
	if IsAdmin(&s, ps...) {
		return true, "implicit: data lake administrator", nil
	}
	for cand := loc; ; {
		for _, p := range ps {
			g, err := getGrant(tx, catalogID, p, store.Key(kindLocation, cand))
			if err != nil {
				return false, "", err
			}
			if g != nil && slices.Contains(g.Permissions, PermDataLocationAccess) {
				return true, "grant DATA_LOCATION_ACCESS on " + cand + " to " + p, nil
			}
		}
		i := strings.LastIndexByte(cand, '/')
		if i < 0 || cand[:i+1] == "file:///" {
			break
		}
		cand = cand[:i]
	}
	return false, "no DATA_LOCATION_ACCESS on " + loc + " or a parent location (registered as " + reg.ResourceArn + ")", nil
}
