// Package storetest is the conformance suite every storage.Store
// implementation must pass (local, in-memory, and the S3 store to come):
// round trips, sorted recursive listing with Hive's hidden-file rule,
// atomic create/abort, and refusal of keys that would escape the root.
package storetest
