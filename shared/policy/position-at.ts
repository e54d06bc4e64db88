import type { Position } from '#shared/sql/types.js';

/**
 * The line and column of a UTF-16 offset, counted like the classifier counts them
 * (1-based, lines end at LF; a CR before the LF stays on the line it ends).
 */
export function positionAt(text: string, offset: number): Position {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < clamped; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: clamped - lineStart + 1, offset: clamped };
}
