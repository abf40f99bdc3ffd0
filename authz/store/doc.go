// Package store is the persistence of sluice's control plane: the one bbolt
// database of a sluice home (HOME/catalog.db) and a small typed layer over it.
//
// It owns:
//   - opening the database with a file-lock timeout, so a second process
//     that opens the same home fails fast with ErrInUse instead of hanging;
//   - closure-scoped transactions (DB.Update, DB.View), one write
//     transaction per control-plane API call, so a call is applied whole or
//     not at all (bbolt gives atomicity and crash safety);
//   - the catalog version: a counter stored in the database and bumped by
//     every write transaction that changed something, readable inside any
//     transaction, so caches (decisions, compiled expressions, plans) key on
//     it and never need invalidation;
//   - JSON get / put / delete / list-by-prefix helpers on named buckets.
//
// Every subsystem of the control plane (Data Catalog, IAM, STS, LF grants,
// LF-tags, data cells filters) keeps its records in its own buckets of this
// database and joins the same transactions. Bucket names are owned by the
// subsystem that writes them; the bucket "sluice.meta" is reserved here.
//
// It must not import anything of sluice above authz/lferr: it knows nothing
// of Glue or Lake Formation shapes.
package store
