import { recoverInterrupted } from '#shared/use-cases/recover-interrupted.js';
import { awsWiring, lambdaLog } from '#shared/wiring/aws.js';

/**
 * Scheduled (infra/airlock-stack.ts): a Lambda that died between running a statement and
 * recording its outcome leaves its request `running`; every such request past its statement
 * timeout plus the margin becomes `outcome_unknown`. Reads and updates the requests table only.
 */
export async function handler(): Promise<{ checked: number; recovered: number }> {
  const { checked, recovered } = await recoverInterrupted(awsWiring(process.env).recoveryDeps(), 'stale');
  lambdaLog(recovered.length > 0 ? 'warn' : 'info', 'interrupted requests recovered', { checked, recovered });
  return { checked, recovered: recovered.length };
}
