import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLED_POLICY_FILE } from '#shared/wiring/bundled-policy.js';
import type { FunctionBundle } from '../bundle-functions.js';
import { VPC_NETWORK_INTERFACE_ACTIONS } from '../nag-suppressions.js';

export interface AirlockFunctionProps {
  bundle: FunctionBundle;
  /** Shared, non-secret configuration (OIDC_*, SLACK_CHANNEL…); access-bearing variables come from `function-access.ts`. */
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  /** Placement in a VPC (the fixed-egress option), for functions that talk to Snowflake. */
  network?: { vpc: ec2.IVpc; subnets: ec2.SubnetSelection; securityGroup: ec2.ISecurityGroup };
}

/**
 * One Lambda function from a prebuilt esbuild bundle: Node 22 on ARM64, X-Ray, its own log
 * group with a retention, and the validated policy at `AIRLOCK_POLICY`. Its role starts with
 * no data access at all; `function-access.ts` adds each variable together with its grant.
 */
export class AirlockFunction extends Construct {
  readonly fn: lambda.Function;

  constructor(scope: Construct, id: string, props: AirlockFunctionProps) {
    super(scope, id);
    const { spec, dir } = props.bundle;
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    // Its own role instead of AWSLambdaBasicExecutionRole (logs on every group): write to this log group only.
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: `Airlock ${spec.name} function` });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    // In a VPC, Lambda creates the function's network interfaces with its role: granted before the function exists.
    if (props.network !== undefined) role.addToPolicy(new iam.PolicyStatement({ actions: [...VPC_NETWORK_INTERFACE_ACTIONS], resources: ['*'] }));
    this.fn = new lambda.Function(this, 'Function', {
      description: `Airlock: ${spec.description}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(dir),
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      ...(props.network === undefined ? {} : { vpc: props.network.vpc, vpcSubnets: props.network.subnets, securityGroups: [props.network.securityGroup] }),
      environment: {
        ...props.environment,
        // The policy was validated at synth time and travels inside the bundle.
        AIRLOCK_POLICY: `/var/task/${BUNDLED_POLICY_FILE}`,
        // Without the wasm/native minicore snowflake-sdk falls back to pure JS (docs/dependency-notes.md).
        ...(spec.executesQueries ? { SNOWFLAKE_DISABLE_MINICORE: '1' } : {}),
      },
    });
  }
}
