import { describe, expect, it } from 'vitest';
import { tableMismatches } from '#cli/doctor/aws-checks.js';
import { fail, formatCheck, ok, summarize, warn } from '#cli/doctor/doctor-check.js';
import { TABLE_SCHEMAS, createTableInputs, tableNames } from '#shared/adapters/aws/tables.js';

/** A DescribeTable answer for what CreateTable was given (as DynamoDB echoes it back). */
function described(kind: 'records' | 'requests' | 'checkpoints') {
  const input = createTableInputs(tableNames('airlock')).find((t) => t.TableName === `airlock-${kind}`)!;
  return { TableName: input.TableName, TableStatus: 'ACTIVE' as const, KeySchema: input.KeySchema, AttributeDefinitions: input.AttributeDefinitions, GlobalSecondaryIndexes: input.GlobalSecondaryIndexes?.map((g) => ({ ...g, IndexStatus: 'ACTIVE' as const })) };
}

describe('doctor: a described table against the schema both runtimes use', () => {
  it('the tables as created match', () => {
    for (const kind of ['records', 'requests', 'checkpoints'] as const) expect(tableMismatches(described(kind), TABLE_SCHEMAS[kind])).toEqual([]);
  });

  it('a table created by hand with other keys, a missing index, another projection, a wrong key type: each named', () => {
    const t = described('records');
    expect(tableMismatches({ ...t, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }, TABLE_SCHEMAS.records)).toEqual(['key schema is id:HASH, expected sessionId:HASH,seq:RANGE']);
    expect(tableMismatches({ ...t, GlobalSecondaryIndexes: [] }, TABLE_SCHEMAS.records)).toEqual(['index byDay is missing', 'index byRequest is missing']);
    expect(tableMismatches({ ...t, GlobalSecondaryIndexes: t.GlobalSecondaryIndexes!.filter((g) => g.IndexName !== 'byRequest') }, TABLE_SCHEMAS.records)).toEqual(['index byRequest is missing']);
    expect(tableMismatches({ ...t, GlobalSecondaryIndexes: t.GlobalSecondaryIndexes!.map((g) => ({ ...g, Projection: { ProjectionType: 'ALL' as const } })) }, TABLE_SCHEMAS.records)).toEqual(['index byDay projects ALL, expected KEYS_ONLY', 'index byRequest projects ALL, expected KEYS_ONLY']);
    expect(tableMismatches({ ...t, AttributeDefinitions: t.AttributeDefinitions!.map((a) => (a.AttributeName === 'seq' ? { ...a, AttributeType: 'S' as const } : a)) }, TABLE_SCHEMAS.records)).toEqual(['attribute seq is S, expected N']);
    // The requests schema on the records table: both the keys and the index differ.
    expect(tableMismatches(described('records'), TABLE_SCHEMAS.requests)).toHaveLength(2);
  });
});

describe('doctor: lines and exit code', () => {
  it('one line per check whatever the remote message carried; warnings do not fail the run', () => {
    expect(formatCheck(fail('table t', 'ResourceNotFoundException: Requested resource\nnot found', 'deploy it'))).toBe('FAIL table t: ResourceNotFoundException: Requested resource not found — deploy it');
    expect(formatCheck(ok('x', 'fine'))).toBe('ok   x: fine');
    expect(summarize([ok('a', ''), warn('b', '', 'f')])).toEqual({ line: 'doctor: 1 ok, 1 warning(s), 0 failed', code: 0 });
    expect(summarize([ok('a', ''), fail('c', '', 'f')]).code).toBe(1);
  });
});
