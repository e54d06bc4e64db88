/** Masking configuration and output (docs/interfaces.md "Masking output"). Pure types. */

/** redact: whole value replaced; partial: keep at most the last 4 characters; pseudonym: keyed HMAC-SHA256 token. */
export type MaskRule = 'redact' | 'partial' | 'pseudonym';

export type DetectorName =
  | 'email'
  | 'phone'
  | 'ssn'
  | 'payment_card'
  | 'iban'
  | 'aws_access_key'
  | 'jwt'
  | 'bearer_token'
  | 'private_key'
  | 'secret'
  | 'person_name';

export interface ColumnRule {
  /**
   * Case-insensitive glob on a column name (`EMAIL`, `*_EMAIL`, `SSN`), or on a qualified
   * `TABLE.COLUMN` / `DB.SCHEMA.TABLE.COLUMN` (any prefix of the qualification may be omitted by `*`).
   */
  pattern: string;
  rule: MaskRule;
}

export interface MaskingConfig {
  columns: ColumnRule[];
  /** Content detectors run over every string cell (and strings nested in JSON); `off` disables one. */
  detectors: Record<DetectorName, MaskRule | 'off'>;
  /** HMAC key for pseudonyms (AIRLOCK_MASKING_KEY). */
  key: Uint8Array;
}

export interface MaskedColumnReport {
  /** output column name */
  column: string;
  /** 'redact' | 'partial' | 'pseudonym' for column rules; 'detector:<name>' for content detectors */
  rule: string;
  cells: number;
}
