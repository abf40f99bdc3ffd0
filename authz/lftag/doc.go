// Package lftag is sluice's LF tag-based access control data: LF-tag keys
// and values, their assignments to databases, tables and columns, the
// effective (inherited, overridden) tags of a resource, LF-tag expression
// matching, saved LF-tag expressions, and the Search*ByLFTags and
// GetResourceLFTags APIs (spec/lake-formation.md §5).
//
// It owns:
//   - the LF-tag APIs (CreateLFTag, UpdateLFTag, DeleteLFTag, GetLFTag,
//     ListLFTags, AddLFTagsToResource, RemoveLFTagsFromResource,
//     GetResourceLFTags, SearchTablesByLFTags, SearchDatabasesByLFTags and
//     the LF-tag expression CRUD), each one store transaction (Service),
//     or run inside a caller's transaction (Txn), with LF's validation,
//     limits and error codes; keys and values are lower-cased on write;
//   - the read side the grants resolver calls inside its own transaction:
//     EffectiveTags, EffectiveDatabaseTags, Match, ResolveExpression,
//     TagExists, ValuesExist; and DeleteResourceTags / OnCatalogDelete,
//     the catalog hook that drops the assignments of a dropped resource.
//
// Inheritance is an override, never an accumulation (VISION rule 3): the
// effective value of key K on a column is the column's own K, else the
// table's own K, else the database's K, else none; removing a lower
// assignment restores the inherited value.
//
// It does no authorization (the LF facade checks CREATE_LF_TAG, ASSOCIATE,
// DESCRIBE first) and knows nothing of grants: the grants subsystem
// (authz/lf) calls into it and registers hooks for tag and expression
// deletion. It reads the Data Catalog only to check that tagged resources
// exist. It must not import planner, exec, engine or authz/lf.
package lftag
