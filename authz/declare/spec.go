package declare

import (
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// Resource specs are the admin CLI's short spelling of LF resources:
//
//	catalog                               the catalog
//	database:DB                           a database
//	table:DB.TABLE, table:DB.*            a table, all tables of DB
//	columns:DB.TABLE:a,b                  some columns (TableWithColumns)
//	columns:DB.TABLE:*  columns:DB.TABLE:!a,b   all columns, all but a and b
//	filter:DB.TABLE:NAME                  a data cells filter
//	location:s3://bucket/prefix           a data location
//	tag:KEY=V1,V2                         an LF-tag and some of its values
//	tag-policy:TABLE:KEY=V1,V2[:KEY=V]    an LF-tag policy (TABLE|DATABASE)
//	tag-policy:TABLE:@NAME                the same with a saved expression
const ResourceSpecHelp = `catalog | database:DB | table:DB.T | table:DB.* | columns:DB.T:a,b | columns:DB.T:!a,b | ` +
	`filter:DB.T:NAME | location:ARN | tag:KEY=V1,V2 | tag-policy:TABLE|DATABASE:KEY=V1,V2[:KEY=V...] | tag-policy:TABLE:@EXPRESSION`

func badSpec(spec, why string) error {
	return lferr.New(lferr.InvalidInput, "resource %q: %s (want %s)", spec, why, ResourceSpecHelp)
}

// splitTable splits DB.TABLE at its first dot.
func splitTable(spec, s string) (string, string, error) {
	db, tbl, ok := strings.Cut(s, ".")
	if !ok || db == "" || tbl == "" {
		return "", "", badSpec(spec, "a table is written DB.TABLE")
	}
	return db, tbl, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ParseTagPairs parses KEY=V1,V2 terms.
func ParseTagPairs(spec string, terms []string) ([]api.LFTag, error) {
	var out []api.LFTag
	for _, term := range terms {
		k, v, ok := strings.Cut(term, "=")
		vals := splitList(v)
		if !ok || strings.TrimSpace(k) == "" || len(vals) == 0 {
			return nil, badSpec(spec, "an LF-tag is written KEY=VALUE[,VALUE...]")
		}
		out = append(out, api.LFTag{TagKey: strings.TrimSpace(k), TagValues: vals})
	}
	return out, nil
}

// ParseResource parses a resource spec (ResourceSpecHelp). Names are
// passed to the API as written; the API validates them.
func ParseResource(spec string) (*api.Resource, error) {
	kind, rest, _ := strings.Cut(spec, ":")
	switch kind {
	case "catalog":
		if rest != "" {
			return nil, badSpec(spec, "catalog takes no name")
		}
		return &api.Resource{Catalog: &api.CatalogResource{}}, nil
	case "database":
		if rest == "" {
			return nil, badSpec(spec, "missing database name")
		}
		return &api.Resource{Database: &api.DatabaseResource{Name: rest}}, nil
	case "table":
		db, tbl, err := splitTable(spec, rest)
		if err != nil {
			return nil, err
		}
		if tbl == "*" {
			return &api.Resource{Table: &api.TableResource{DatabaseName: db, TableWildcard: &api.TableWildcard{}}}, nil
		}
		return &api.Resource{Table: &api.TableResource{DatabaseName: db, Name: tbl}}, nil
	case "columns":
		t, cols, ok := strings.Cut(rest, ":")
		if !ok || cols == "" {
			return nil, badSpec(spec, "columns are written DB.TABLE:a,b")
		}
		db, tbl, err := splitTable(spec, t)
		if err != nil {
			return nil, err
		}
		r := &api.TableWithColumnsResource{DatabaseName: db, Name: tbl}
		switch {
		case cols == "*":
			r.ColumnWildcard = &api.ColumnWildcard{}
		case strings.HasPrefix(cols, "!"):
			r.ColumnWildcard = &api.ColumnWildcard{ExcludedColumnNames: splitList(cols[1:])}
		default:
			r.ColumnNames = splitList(cols)
		}
		return &api.Resource{TableWithColumns: r}, nil
	case "filter":
		t, name, ok := strings.Cut(rest, ":")
		if !ok || name == "" {
			return nil, badSpec(spec, "a filter is written DB.TABLE:NAME")
		}
		db, tbl, err := splitTable(spec, t)
		if err != nil {
			return nil, err
		}
		return &api.Resource{DataCellsFilter: &api.DataCellsFilterResource{DatabaseName: db, TableName: tbl, Name: name}}, nil
	case "location":
		if rest == "" {
			return nil, badSpec(spec, "missing location")
		}
		return &api.Resource{DataLocation: &api.DataLocationResource{ResourceArn: rest}}, nil
	case "tag":
		tags, err := ParseTagPairs(spec, []string{rest})
		if err != nil {
			return nil, err
		}
		return &api.Resource{LFTag: &api.LFTagKeyResource{TagKey: tags[0].TagKey, TagValues: tags[0].TagValues}}, nil
	case "tag-policy":
		parts := strings.Split(rest, ":")
		rt := strings.ToUpper(parts[0])
		if (rt != "TABLE" && rt != "DATABASE") || len(parts) < 2 {
			return nil, badSpec(spec, "a tag policy is written tag-policy:TABLE|DATABASE:KEY=V1,V2")
		}
		p := &api.LFTagPolicyResource{ResourceType: rt}
		if name, ok := strings.CutPrefix(parts[1], "@"); ok && len(parts) == 2 {
			p.ExpressionName = name
			return &api.Resource{LFTagPolicy: p}, nil
		}
		expr, err := ParseTagPairs(spec, parts[1:])
		if err != nil {
			return nil, err
		}
		p.Expression = expr
		return &api.Resource{LFTagPolicy: p}, nil
	}
	return nil, badSpec(spec, "unknown resource kind "+strings.TrimSpace(kind))
}

// ResourceString renders a resource in the spec spelling (for listings).
func ResourceString(r *api.Resource) string {
	if r == nil {
		return "-"
	}
	switch {
	case r.Catalog != nil:
		return "catalog"
	case r.Database != nil:
		return "database:" + r.Database.Name
	case r.Table != nil:
		if r.Table.TableWildcard != nil {
			return "table:" + r.Table.DatabaseName + ".*"
		}
		return "table:" + r.Table.DatabaseName + "." + r.Table.Name
	case r.TableWithColumns != nil:
		t := r.TableWithColumns
		cols := strings.Join(t.ColumnNames, ",")
		if t.ColumnWildcard != nil {
			cols = "*"
			if len(t.ColumnWildcard.ExcludedColumnNames) > 0 {
				cols = "!" + strings.Join(t.ColumnWildcard.ExcludedColumnNames, ",")
			}
		}
		return "columns:" + t.DatabaseName + "." + t.Name + ":" + cols
	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		return "filter:" + f.DatabaseName + "." + f.TableName + ":" + f.Name
	case r.DataLocation != nil:
		return "location:" + r.DataLocation.ResourceArn
	case r.LFTag != nil:
		return "tag:" + r.LFTag.TagKey + "=" + strings.Join(r.LFTag.TagValues, ",")
	case r.LFTagPolicy != nil:
		p := r.LFTagPolicy
		if p.ExpressionName != "" {
			return "tag-policy:" + p.ResourceType + ":@" + p.ExpressionName
		}
		s := "tag-policy:" + p.ResourceType
		for _, t := range p.Expression {
			s += ":" + t.TagKey + "=" + strings.Join(t.TagValues, ",")
		}
		return s
	case r.LFTagExpression != nil:
		return "tag-expression:" + r.LFTagExpression.Name
	}
	return "-"
}

// PrincipalARN turns an admin's principal argument into an LF principal:
// a bare role name becomes the home account's role ARN; ARNs, account
// ids, IAM_ALLOWED_PRINCIPALS and other identifiers pass through for the
// API to validate.
func PrincipalARN(p, account string) string {
	if p == "" || strings.Contains(p, ":") || strings.EqualFold(p, api.IAMAllowedPrincipals) || strings.EqualFold(p, "IAMAllowedPrincipals") || isDigits(p) {
		return p
	}
	return "arn:aws:iam::" + account + ":role/" + p
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
