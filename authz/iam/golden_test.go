package iam

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/decisions.txt with the current decisions")

// TestDecisionsGolden runs testdata/decisions.txt: each case declares
// policies and one request and records the explained decision below
// "----". Run with -update to regenerate; review the diff.
//
// Case syntax:
//
//	=== name
//	policy identity|session|trust NAME
//	{JSON, may span lines, ends at the next directive}
//	request action=A resource=R caller=ARN [role=ARN] [ptag=K:V] [rtag=K:V] [key=K=V] [both]
//	----
//	expected Describe() output
func TestDecisionsGolden(t *testing.T) {
	const path = "testdata/decisions.txt"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, block := range strings.Split(string(raw), "=== ")[1:] {
		head, _, _ := strings.Cut(block, "----\n")
		name, body, _ := strings.Cut(head, "\n")
		got := runGoldenCase(t, name, body)
		out.WriteString("=== " + head + "----\n" + got + "\n\n")
		if !*update {
			_, want, _ := strings.Cut(block, "----\n")
			if strings.TrimSpace(want) != strings.TrimSpace(got) {
				t.Errorf("%s:\n got: %s\nwant: %s", name, got, strings.TrimSpace(want))
			}
		}
	}
	if *update {
		if err := os.WriteFile(path, []byte(strings.TrimRight(out.String(), "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func runGoldenCase(t *testing.T, name, body string) string {
	in := &Input{}
	var ctx *Context
	lines := strings.Split(body, "\n")
	for i := 0; i < len(lines); i++ {
		f := strings.Fields(lines[i])
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "policy":
			var doc strings.Builder
			for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "policy ") && !strings.HasPrefix(lines[i+1], "request ") {
				i++
				doc.WriteString(lines[i] + "\n")
			}
			kinds := map[string]PolicyKind{"identity": IdentityPolicy, "session": SessionPolicy, "trust": TrustPolicy}
			p, err := ParsePolicy(doc.String(), kinds[f[1]])
			if err != nil {
				return "parse error: " + err.Error()
			}
			p.Name = f[2]
			switch f[1] {
			case "identity":
				in.Identity = append(in.Identity, p)
			case "session":
				in.Session = append(in.Session, p)
			default:
				in.Resource = append(in.Resource, p)
			}
		case "request":
			kv := map[string][]string{}
			for _, a := range f[1:] {
				k, v, _ := strings.Cut(a, "=")
				kv[k] = append(kv[k], v)
			}
			first := func(k string) string {
				if len(kv[k]) > 0 {
					return kv[k][0]
				}
				return ""
			}
			ctx = NewContext(first("action"), first("resource"), t0)
			caller := Caller{ARN: first("caller")}
			if ref, err := ParsePrincipal(caller.ARN); err == nil {
				caller.Kind, caller.Account = ref.Kind, ref.Account
				if ref.Kind == KindAssumedRole {
					caller.RoleARN = RoleARN(ref.Account, "/", ref.Name)
				}
			} else if ServicePrincipalValid(caller.ARN) {
				caller = Caller{Kind: KindService, Service: caller.ARN}
			} else {
				t.Fatalf("%s: bad caller %q: %v", name, caller.ARN, err)
			}
			var ptags, rtags []Tag
			for _, s := range kv["ptag"] {
				k, v, _ := strings.Cut(s, ":")
				ptags = append(ptags, Tag{k, v})
			}
			for _, s := range kv["rtag"] {
				k, v, _ := strings.Cut(s, ":")
				rtags = append(rtags, Tag{k, v})
			}
			ctx.SetCaller(caller, ptags).SetRequestTags(rtags)
			for _, s := range kv["key"] {
				k, v, _ := strings.Cut(s, "=")
				ctx.Set(k, strings.Split(v, ",")...)
			}
			_, in.RequireBoth = kv["both"]
		default:
			t.Fatalf("%s: unknown directive %q", name, f[0])
		}
	}
	if ctx == nil {
		t.Fatalf("%s: no request", name)
	}
	return Explain(ctx, in).Describe()
}
