import { createRequire } from 'node:module';
import { rememberBounded } from '#shared/bounded-cache.js';

/**
 * dynalite 4.0.0 parses every ConditionExpression / UpdateExpression with a generated PEG parser
 * that tries each of DynamoDB's ~570 reserved words at every identifier: `attribute_not_exists(sessionId)`
 * costs ~0.7 ms of CPU, paid on every record append (and a read appends two). Real DynamoDB has no
 * such cost; in the local runtime, where dynalite shares the process with the gateway, it was the
 * largest single CPU cost of a read (issue 17). This memoises the parse of expressions that carry
 * no ExpressionAttributeValues (their parse depends only on the text and the attribute names), so
 * the parser still validates each distinct expression once, and the condition is still evaluated
 * against the stored item on every write: only the text → syntax tree step is shared.
 *
 * The parse also marks which attribute names it used (dynalite refuses unused ones); a cached
 * hit replays those marks, so validation answers exactly as without the cache.
 */
type ParseContext = {
  attrNames?: Record<string, string> | null;
  attrVals?: Record<string, unknown> | null;
  unusedAttrNames?: Record<string, boolean>;
  isKeyCondition?: boolean;
};
type Parser = { parse: (text: string, options: { context: ParseContext }) => unknown; [CACHED]?: true };

const CACHED = Symbol('airlock.dynaliteExpressionCache');
const MAX_ENTRIES = 1000;

interface Entry {
  tree: unknown;
  usedNames: string[];
}

function cached(parser: Parser): void {
  if (parser[CACHED]) return;
  const parse = parser.parse.bind(parser);
  const memo = new Map<string, Entry>();
  parser.parse = (text, options) => {
    const context = options.context;
    if (context.attrVals != null) return parse(text, options);
    const key = `${context.isKeyCondition === true ? 'k' : 'c'}\u0000${text}\u0000${JSON.stringify(context.attrNames ?? null)}`;
    const hit = memo.get(key);
    if (hit !== undefined) {
      for (const name of hit.usedNames) delete context.unusedAttrNames?.[name];
      // A copy: dynalite may annotate the tree it is handed.
      return structuredClone(hit.tree);
    }
    const before = Object.keys(context.unusedAttrNames ?? {});
    // Syntax errors throw and are not cached: each bad expression is refused by the parser itself.
    const tree = parse(text, options);
    if (typeof tree === 'object' && tree !== null) {
      const left = context.unusedAttrNames ?? {};
      rememberBounded(memo, key, { tree: structuredClone(tree), usedNames: before.filter((n) => !(n in left)) }, MAX_ENTRIES);
    }
    return tree;
  };
  parser[CACHED] = true;
}

/**
 * Installs the cache on the parsers of the dynalite this package resolves (idempotent).
 *
 * @example
 * cacheDynaliteExpressions(); // before serving
 */
export function cacheDynaliteExpressions(): void {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  for (const name of ['./db/conditionParser', './db/updateParser']) cached(fromDynalite(name) as Parser);
}
