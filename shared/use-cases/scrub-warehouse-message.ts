/**
 * Warehouse error messages can quote data ("Could not convert string 'Jane Doe' to INT32").
 * The agent needs the message to fix its SQL, but no unmasked value may reach a record or a
 * response, so every quoted fragment that is not already in the submitted SQL is replaced.
 * The content detectors then run over what is left (see execute()).
 */
export function scrubWarehouseMessage(message: string, sql: string): string {
  const capped = message.length > 2000 ? `${message.slice(0, 2000)}…` : message;
  return capped.replace(/'((?:[^'\\]|\\.|'')*)'|"((?:[^"\\]|\\.|"")*)"/g, (whole: string, single?: string, double?: string) => {
    const inner = single ?? double ?? '';
    if (inner === '' || sql.includes(inner)) return whole;
    return whole.startsWith("'") ? "'[REDACTED]'" : '"[REDACTED]"';
  });
}
