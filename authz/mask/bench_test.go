package mask

import (
	"testing"

	"github.com/sluicedb/sluice/planner/types"
)

func BenchmarkRedact(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Redact("john.doe@example.com")
	}
}

func BenchmarkSHA256Hex(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = SHA256Hex("john.doe@example.com")
	}
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(`principal.tags.?dept.orValue("") == "hr" ? value : sha256(value)`, types.StringT, schema); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResidual(b *testing.B) {
	m, err := Compile(`principal.tags.?dept.orValue("") == "hr" ? value : sha256(value)`, types.StringT, schema)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Residual(eng); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyCEL(b *testing.B) {
	m, err := Compile(`region == "eu" ? sha256(value) : value`, types.StringT, schema)
	if err != nil {
		b.Fatal(err)
	}
	row := map[string]types.Value{"region": types.NewString("eu")}
	v := types.NewString("john.doe@example.com")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Apply(v, row, eng); err != nil {
			b.Fatal(err)
		}
	}
}
