import type { ObjectRef } from '#shared/sql/types.js';
import type { Policy } from './policy.js';

/**
 * An object name resolved to `DATABASE.SCHEMA.NAME`. A part that cannot be known is
 * `undefined`, and `unresolved` says why; callers must treat such a name as possibly anything.
 */
export interface ResolvedName {
  parts: [string | undefined, string | undefined, string | undefined];
  unresolved?: string;
}

/**
 * Resolves an ObjectRef against the policy's warehouse defaults, the way Snowflake resolves
 * it against the session's database and schema (which the gateway sets from configuration).
 * `parts` are already normalised by the classifier (unquoted upper-cased, quoted kept), so
 * nothing is re-cased here.
 *
 * @example
 * resolveObjectName({ name: 'CUSTOMERS', parts: ['CUSTOMERS'], kind: 'table', access: 'read' },
 *   { database: 'DEMO', schema: 'PUBLIC' });
 * // { parts: ['DEMO', 'PUBLIC', 'CUSTOMERS'] }
 */
export function resolveObjectName(ref: ObjectRef, warehouse: Policy['warehouse']): ResolvedName {
  if (ref.kind !== 'table') {
    // A stage can hold files unloaded from any table; other objects (functions, users…) have no table name to match.
    const what = ref.kind === 'stage' ? 'a stage' : 'a role, user, schema or other non-table object';
    return { parts: [undefined, undefined, undefined], unresolved: `${what} is not a table` };
  }
  const { database, schema } = warehouse;
  const [a, b, c] = ref.parts;
  switch (ref.parts.length) {
    case 3:
      return { parts: [a, b, c] };
    case 2:
      return database === undefined
        ? { parts: [undefined, a, b], unresolved: 'no default database configured (policy warehouse.database)' }
        : { parts: [database, a, b] };
    case 1:
      if (database !== undefined && schema !== undefined) return { parts: [database, schema, a] };
      return {
        parts: [database, schema, a],
        unresolved: `no default ${database === undefined ? 'database' : 'schema'} configured (policy warehouse)`,
      };
    default:
      return { parts: [undefined, undefined, undefined], unresolved: 'the name has no usable parts' };
  }
}

/** `DEMO.PUBLIC.CUSTOMERS`, with `?` for a part that could not be resolved. */
export function formatResolvedName(resolved: ResolvedName): string {
  return resolved.parts.map((p) => p ?? '?').join('.');
}
