// Package slt runs sqllogictest scripts (the SQLite corpus dialect described
// in ../shared/sqllogictest/FORMAT.md) against any SQL engine.
//
// It owns the script parser (Parse), value rendering per declared type letter
// (Render), result comparison (sort modes, MD5 hashing, label consistency),
// per-record scoring with failure classification, and the summary text that
// CI reads ("N passed, M failed" alone on the last line).
//
// The runner is deliberately independent of sluice's engine: it drives a
// database only through the small DB interface declared here (the consumer
// defines what it needs), and a fresh database per file comes from an Opener.
// It imports only planner/types (the Value an engine returns) and authz/lferr
// (to tell the engine's syntax errors apart from other failures); it must not
// import engine, planner, exec or storage internals, so that it can score any
// engine, including a fake one in its own tests.
package slt
