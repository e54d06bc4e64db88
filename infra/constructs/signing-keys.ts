import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { indexArns } from '../function-access.js';

export interface SigningKeysProps {
  /** Alias prefix, so two stacks in one account keep separate keys. */
  prefix: string;
  /**
   * The records key's generation. Raising it creates a new key (new key id) for all new
   * records; the old one is RETAINed, and its ARN goes into `previousRecordsKeyArns` so it is
   * still published for verification.
   */
  recordsKeyVersion: number;
}

/**
 * The asymmetric KMS keys (ECC_NIST_P256, SIGN_VERIFY): one signs records and checkpoints, the
 * other export manifests. Both are RETAINed: a deleted key would leave old signatures
 * unverifiable by anyone who did not keep the public key. Asymmetric keys have no automatic
 * rotation; rotating means a new key (new key id) while the old one stays for verification
 * (README "Deploying to AWS" → key rotation).
 */
export class SigningKeys extends Construct {
  readonly records: kms.Key;
  readonly exports: kms.Key;

  constructor(scope: Construct, id: string, props: SigningKeysProps) {
    super(scope, id);
    const common = { keySpec: kms.KeySpec.ECC_NIST_P256, keyUsage: kms.KeyUsage.SIGN_VERIFY, removalPolicy: RemovalPolicy.RETAIN, enableKeyRotation: false } as const;
    const v = props.recordsKeyVersion;
    // Generation 1 keeps the original construct id and alias, so existing deployments do not move.
    this.records = new kms.Key(this, v === 1 ? 'RecordsKey' : `RecordsKeyV${v}`, {
      ...common,
      alias: v === 1 ? `alias/${props.prefix}-records` : `alias/${props.prefix}-records-v${v}`,
      description: `Airlock: signs session records and checkpoints (ECDSA_SHA_256, MessageType RAW), generation ${v}`,
    });
    this.exports = new kms.Key(this, 'ExportsKey', { ...common, alias: `alias/${props.prefix}-exports`, description: 'Airlock: signs compliance export manifests; usable only by the auditor role' });
  }
}

/**
 * Denies `kms:Sign` with `key` to every principal but `roles`, in the key policy itself, so an
 * IAM grant added later elsewhere in the account still cannot sign records.
 */
export function onlyTheseMaySign(key: kms.Key, sid: string, roles: iam.IRole[]): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Sign'],
      resources: ['*'],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': roles.map((r) => r.roleArn) } },
    }),
  );
}

export interface AuditorRoleProps {
  exportsKey: kms.Key;
  recordsKey: kms.IKey;
  records: dynamodb.ITable;
  requests: dynamodb.ITable;
  checkpoints: dynamodb.ITable;
  /** Invoked at each export, so the export's checkpoint is signed by the records key without the auditor holding it. */
  checkpointWriter: lambda.IFunction;
}

/**
 * The role compliance assumes for `airlock export` in AWS: read the tables, sign the manifest
 * with the export key (the only principal that may), read public keys, and trigger a
 * checkpoint. It cannot write records or sign with the records key.
 */
export class AuditorRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: AuditorRoleProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      description: 'Airlock compliance exports: read records, sign export manifests',
      // Only principals of this account that are themselves allowed sts:AssumeRole on it.
      assumedBy: new iam.AccountRootPrincipal(),
    });
    const tables = [props.records, props.requests, props.checkpoints];
    this.role.addToPolicy(
      new iam.PolicyStatement({
        // Scan: an export of every session without --from reads the whole records table.
        actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DescribeTable'],
        resources: [
          ...tables.map((t) => t.tableArn),
          ...indexArns(props.records, 'records'),
          ...indexArns(props.requests, 'requests'),
        ],
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Sign', 'kms:GetPublicKey'], resources: [props.exportsKey.keyArn] }));
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:GetPublicKey'], resources: [props.recordsKey.keyArn] }));
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.checkpointWriter.functionArn] }));
    // IAM alone would let any admin grant kms:Sign on the export key; the key policy denies it
    // to every principal but this role, so a manifest signature always means "an auditor exported".
    onlyTheseMaySign(props.exportsKey, 'OnlyTheAuditorRoleSigns', [this.role]);
  }
}
