/**
 * One finding of `airlock doctor`: what was checked, and in words what is wrong and how to fix
 * it. `ok` passes, `warn` is printed but does not fail the run, `fail` makes the exit code 1.
 * Details never carry a secret value (the checks name fields and secrets, never their contents).
 */
export interface DoctorCheck {
  status: 'ok' | 'warn' | 'fail';
  /** Short subject: "KMS key alias/airlock-records", "table airlock-requests". */
  name: string;
  /** What was found, in words. */
  detail: string;
  /** For warn/fail: what to do about it. */
  fix?: string;
}

export const ok = (name: string, detail: string): DoctorCheck => ({ status: 'ok', name, detail });
export const warn = (name: string, detail: string, fix: string): DoctorCheck => ({ status: 'warn', name, detail, fix });
export const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ status: 'fail', name, detail, fix });

const LABEL = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

/** One line per check: `ok   name: detail`, `FAIL name: detail — fix`. */
export function formatCheck(c: DoctorCheck): string {
  const line = `${LABEL[c.status]} ${c.name}: ${c.detail}${c.fix === undefined ? '' : ` — ${c.fix}`}`;
  // One line, whatever a remote error message carried.
  return line.replace(/[\r\n]+/g, ' ');
}

/** The closing line and the exit code: 1 when anything failed (warnings do not fail the run). */
export function summarize(checks: DoctorCheck[]): { line: string; code: 0 | 1 } {
  const n = (s: DoctorCheck['status']) => checks.filter((c) => c.status === s).length;
  const failed = n('fail');
  return { line: `doctor: ${n('ok')} ok, ${n('warn')} warning(s), ${failed} failed`, code: failed === 0 ? 0 : 1 };
}

/** The message of an error, without its stack, for a check's detail. */
export function reason(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && !e.message.startsWith(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
