import { Validations, type Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag AwsSolutions findings this stack accepts, each on the exact constructs it
 * concerns and with the reason. test/infra/stack.test.ts fails on any finding not listed
 * here, and checks every wildcard resource left is one of `UNSCOPABLE_ACTIONS`.
 */
export const NAG_ACKNOWLEDGEMENTS = {
  'AwsSolutions-L1':
    'Node.js 22 is the runtime the gateway is built and tested for (docs/dependency-notes.md); moving to a newer runtime is a deliberate, tested upgrade, not an automatic one.',
  'AwsSolutions-APIG4':
    'Every /v1 route verifies the OIDC bearer token inside its function (jose: issuer, audience, expiry, algorithms) so a 401 carries the ERR_TOKEN_* codes of docs/interfaces.md; /v1/keys and /v1/health are public by design; /slack/interactions is authenticated by Slack\'s v0 HMAC signature, checked before anything else.',
  'AwsSolutions-SMG4':
    'The masking key is an HMAC key for pseudonyms: rotating it would silently change every pseudonym and break joins across past results, so it is rotated deliberately (README "Deploying to AWS"), never on a schedule.',
  'AwsSolutions-IAM5[Resource::*]':
    'X-Ray (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and Step Functions log delivery (logs:*LogDelivery, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and, with airlock:fixedEgress, the VPC network interfaces of the Snowflake-facing functions (ec2:*NetworkInterface*, DescribeSubnets, *PrivateIpAddresses) do not support resource-level permissions; no other action has a * resource (asserted in test/infra).',
} as const;

/**
 * What Lambda needs to place a function in a VPC (the fixed-egress option): the actions of AWS's
 * AWSLambdaVPCAccessExecutionRole, which CDK does not add to a role it is given. EC2 checks them
 * against `*` (DescribeNetworkInterfaces/DescribeSubnets have no resource level; Lambda creates the
 * interfaces before their ARNs exist).
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/** Actions IAM cannot scope to a resource: the only ones allowed a `*` resource in this stack. */
export const UNSCOPABLE_ACTIONS: ReadonlySet<string> = new Set([
  ...VPC_NETWORK_INTERFACE_ACTIONS,
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

function acknowledge(scope: IConstruct, id: keyof typeof NAG_ACKNOWLEDGEMENTS): void {
  Validations.of(scope).acknowledge({ id, reason: NAG_ACKNOWLEDGEMENTS[id] });
}

/** Applies each acknowledgement to the constructs it is about, and nowhere else. */
export function suppressKnownNagFindings(stack: Stack): void {
  for (const node of stack.node.findAll()) {
    if (node instanceof lambda.Function) acknowledge(node, 'AwsSolutions-L1');
    if (node instanceof apigw.HttpRoute) acknowledge(node, 'AwsSolutions-APIG4');
    if (node instanceof secretsmanager.Secret) acknowledge(node, 'AwsSolutions-SMG4');
    // Role default policies carry the X-Ray / log-delivery statements that tracing and SFN logging add.
    if (node instanceof iam.Policy || node instanceof iam.Role) acknowledge(node, 'AwsSolutions-IAM5[Resource::*]');
  }
}
