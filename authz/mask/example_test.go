package mask_test

import (
	"fmt"

	"github.com/sluicedb/sluice/authz/mask"
	"github.com/sluicedb/sluice/planner/types"
)

// A mask that shows e-mail addresses to HR and hashes them for everyone
// else reduces, per principal, to no work at all or to one kernel.
func Example() {
	m, err := mask.Compile(`principal.tags.?dept.orValue("") == "hr" ? value : sha256(value)`,
		types.StringT, map[string]types.T{"email": types.StringT})
	if err != nil {
		panic(err)
	}
	for _, dept := range []string{"hr", "sales"} {
		r, err := m.Residual(mask.Principal{ARN: "arn:aws:iam::111122223333:role/" + dept, Tags: map[string]string{"dept": dept}})
		if err != nil {
			panic(err)
		}
		v, _ := r.Apply(types.NewString("abc"), nil)
		fmt.Println(dept, r.Class, r, v)
	}
	// Output:
	// hr identity identity abc
	// sales builtin sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
}
