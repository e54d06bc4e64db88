/** Hand-built classifications, so policy tests do not depend on the classifier. */
import type { Principal } from '#shared/identity/principal.js';
import type { Classification, ObjectRef, Risk, StatementInfo } from '#shared/sql/types.js';

export function table(name: string, access: ObjectRef['access'] = 'read'): ObjectRef {
  // Test names are written normalised already: PROD.HR.Salaries means a quoted "Salaries".
  return { name, parts: name.split('.'), kind: 'table', access };
}

export function stage(name: string): ObjectRef {
  return { name, parts: [], kind: 'stage', access: 'read' };
}

export function statement(risk: Exclude<Risk, 'invalid'>, objects: ObjectRef[] = [], span = { start: 0, end: 10 }): StatementInfo {
  return { kind: risk === 'read' ? 'select' : 'other', risk, span, objects, columns: [] };
}

export function classification(risk: Risk, statements: StatementInfo[] = risk === 'invalid' ? [] : [statement(risk)]): Classification {
  return { risk, statements, reasons: [] };
}

export function principal(...groups: string[]): Principal {
  return { iss: 'https://airlock.local/dev', sub: 'agent', email: 'agent@example.com', groups };
}
