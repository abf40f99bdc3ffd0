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
//     EffectiveTags (EffectiveTagsOfColumns when the caller holds the
//     table), EffectiveDatabaseTags, Match, ResolveExpression,
//     ValidateExpression, TagExists, ValuesExist;
//   - the clean-up the catalog needs: DeleteResourceTags / OnCatalogDelete
//     when a database or table is dropped, PruneColumnTags when columns
//     are;
//   - pure checks for permissions on tags (CoversValues,
//     ExpressionCoveredBy, EquivalentExpressions).
//
// Inheritance is an override, never an accumulation (VISION rule 3): the
// effective value of key K on a column is the column's own K, else the
// table's own K, else the database's K, else none; removing a lower
// assignment restores the inherited value.
//
// Where LF is silent, these choices hold (each fails closed or refuses):
//   - an empty expression matches nothing; a key absent from a resource
//     never matches, even with "*";
//   - "*" cannot be a tag value (it would be indistinguishable from "any
//     value" in expressions);
//   - AddLFTagsToResource refuses a key twice in one call and a pair with
//     other than one value (a per-tag failure); RemoveLFTagsFromResource
//     reports a tag not assigned (with one of the values given) on every
//     target as a failure and removes nothing for it;
//   - UpdateLFTag: adding an existing value is a no-op, deleting a
//     missing one is EntityNotFound, a tag keeps at least one value;
//   - saved expressions keep their name's case; deleting a tag key leaves
//     saved expressions that name it in place (they match nothing until
//     the key exists and is assigned again);
//   - SearchTablesByLFTags matches on table-level effective tags only.
//
// It does no authorization (the LF facade checks CREATE_LF_TAG, ASSOCIATE,
// DESCRIBE first) and knows nothing of grants: the grants subsystem
// (authz/lf) calls into it and registers hooks for tag and expression
// deletion. It reads the Data Catalog only to check that tagged resources
// exist. It must not import planner, exec, engine or authz/lf.
package lftag
