import type { Warehouse } from '../ports/warehouse.js';
import { rebuildWarehouseMessage } from './rebuild-warehouse-message.js';

/**
 * Warehouse error messages can quote data ("Could not convert string 'Jane Doe' to INT32",
 * `error(name)` → "Invalid Input Error: Jane Doe"). The agent needs the message to fix its SQL,
 * but no unmasked value may reach a record or a response, so an engine message (ERR_WAREHOUSE)
 * is rebuilt from an allow-list (rebuild-warehouse-message.ts): error class and code, then only
 * words of the warehouse's fixed error vocabulary (or, for compile-time errors, of the SQL).
 * The other warehouse codes (timeouts, login, unavailable, result too large, ambiguous text)
 * carry Airlock's own fixed texts. The content detectors then run over what is left (see execute()).
 */
export function scrubWarehouseMessage(code: string, message: string, sql: string, warehouse: Warehouse['name']): string {
  if (code !== 'ERR_WAREHOUSE') return message.length > 2000 ? `${message.slice(0, 2000)}…` : message;
  return rebuildWarehouseMessage(message, sql, warehouse);
}
