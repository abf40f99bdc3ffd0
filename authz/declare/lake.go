package declare

import (
	"bytes"
	"errors"
	"io"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
)

// Lake is a declarative lake file. Every list is applied in the order
// below (settings, managed policies, users, roles, databases and tables,
// locations, tags, tag expressions, assignments, filters, masks, grants),
// so later sections may
// name what earlier ones create.
type Lake struct {
	// Settings replace the catalog's DataLakeSettings whole, as
	// PutDataLakeSettings does: an omitted default-permissions list means
	// none (no IAM_ALLOWED_PRINCIPALS), as the LF-TBAC setup wants.
	Settings *api.DataLakeSettings `json:"Settings"`
	// ManagedPolicies are customer managed IAM policies (iam:CreatePolicy),
	// created before the roles and users that attach them.
	ManagedPolicies     []ManagedPolicy                `json:"ManagedPolicies"`
	Users               []User                         `json:"Users"`
	Roles               []Role                         `json:"Roles"`
	Databases           []Database                     `json:"Databases"`
	RegisteredLocations []lf.RegisterInput             `json:"RegisteredLocations"`
	LFTags              []api.CreateLFTagInput         `json:"LFTags"`
	LFTagExpressions    []api.LFTagExpression          `json:"LFTagExpressions"`
	LFTagAssignments    []api.AddLFTagsToResourceInput `json:"LFTagAssignments"`
	DataCellsFilters    []api.DataCellsFilter          `json:"DataCellsFilters"`
	ColumnMasks         []api.ColumnMaskPolicy         `json:"ColumnMasks"`
	Grants              []lf.GrantInput                `json:"Grants"`
	// Prune removes, for the objects the file names, what the file does
	// not list: a declared role's inline policies and managed-policy
	// attachments, a declared LF-tag's values, the LF-tags assigned to a
	// resource of LFTagAssignments, and the explicit grants (permissions,
	// grant options, columns) of a principal of Grants that Grants does
	// not list. It never deletes an object the file does not name (a
	// database, a table, a role, a tag, a filter, a mask).
	Prune bool `json:"Prune"`
}

// Role is iam:CreateRole plus what is put and attached to the role.
type Role struct {
	RoleName                 string         `json:"RoleName"`
	Path                     string         `json:"Path"`
	Description              string         `json:"Description"`
	MaxSessionDuration       int32          `json:"MaxSessionDuration"`
	AssumeRolePolicyDocument PolicyDocument `json:"AssumeRolePolicyDocument"`
	// Persona (iam.Personas) attaches the persona's managed policies and
	// puts its inline policies, as CreatePersonaRole does.
	Persona string `json:"Persona"`
	// WorkflowRole is the persona templates' workflow role name.
	WorkflowRole      string         `json:"WorkflowRole"`
	Policies          []InlinePolicy `json:"Policies"`
	ManagedPolicyArns []string       `json:"ManagedPolicyArns"`
	Tags              Tags           `json:"Tags"`
}

// ManagedPolicy is iam:CreatePolicy's input. A changed document replaces
// the policy's default version (as CreatePolicyVersion with SetAsDefault).
type ManagedPolicy struct {
	PolicyName     string         `json:"PolicyName"`
	Path           string         `json:"Path"`
	Description    string         `json:"Description"`
	PolicyDocument PolicyDocument `json:"PolicyDocument"`
}

// User is iam:CreateUser plus its policies. Access keys are never
// declared: their secrets do not belong in a file.
type User struct {
	UserName          string         `json:"UserName"`
	Path              string         `json:"Path"`
	Policies          []InlinePolicy `json:"Policies"`
	ManagedPolicyArns []string       `json:"ManagedPolicyArns"`
	Tags              Tags           `json:"Tags"`
}

// InlinePolicy is iam:PutRolePolicy's name and document.
type InlinePolicy struct {
	PolicyName     string         `json:"PolicyName"`
	PolicyDocument PolicyDocument `json:"PolicyDocument"`
}

// Database is glue:CreateDatabase's DatabaseInput with its tables.
type Database struct {
	CatalogId   string            `json:"CatalogId"`
	Name        string            `json:"Name"`
	Description string            `json:"Description"`
	LocationUri string            `json:"LocationUri"`
	Parameters  map[string]string `json:"Parameters"`
	Tables      []api.TableInput  `json:"Tables"`
}

// maxFileSize bounds a lake file: it is read whole.
const maxFileSize = 16 << 20

// Parse reads a lake file (YAML, or JSON, which YAML accepts). Unknown
// fields, wrong types, several documents and trailing garbage are
// InvalidInputException naming the line.
func Parse(r io.Reader) (*Lake, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, lferr.Wrap(lferr.InvalidInput, err, "cannot read the lake file: %v", err)
	}
	if len(data) > maxFileSize {
		return nil, lferr.New(lferr.InvalidInput, "the lake file is larger than %d bytes", maxFileSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, lferr.New(lferr.InvalidInput, "the lake file is empty")
		}
		return nil, lferr.Wrap(lferr.InvalidInput, err, "the lake file is not valid YAML or JSON: %v", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, lferr.New(lferr.InvalidInput, "line %d: the lake file must hold one document", extra.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, lferr.Wrap(lferr.InvalidInput, err, "the lake file is not valid YAML or JSON: %v", err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	lake := &Lake{}
	if err := newDecodeState(root).decodeInto(root, reflect.ValueOf(lake).Elem(), ""); err != nil {
		return nil, err
	}
	return lake, nil
}
