// Package iam is sluice's model of AWS Identity and Access Management as far
// as the control plane needs it: ARNs, policy documents (parsed exactly as
// IAM accepts them), condition operators and keys, and the IAM decision
// (explicit deny > allow > implicit deny) over identity, session and
// resource-based (trust) policies, with a diagnostic naming the statements
// that decided. It also holds the principal model (accounts, roles, users,
// managed policies), the built-in AWS managed and Lake Formation persona
// policies, and the table of IAM actions each LF / Glue / STS API requires.
//
// The package is pure: no I/O, no goroutines, no package-level mutable
// state; time enters as an argument. Persistence is behind the Directory
// interface (MemDirectory is the in-memory implementation).
package iam
