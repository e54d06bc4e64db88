import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../infra/function-catalog.js';
import { readConfig } from '../../infra/config.js';
import { UNSCOPABLE_ACTIONS, VPC_NETWORK_INTERFACE_ACTIONS } from '../../infra/nag-suppressions.js';
import { sharedSynth } from './shared-synth.js';
import { CDK_JSON_CONTEXT, policyStatements, synthStack, type Synthesized } from './synth-stack.js';

type Resources = Synthesized['json']['Resources'];
const ofType = (r: Resources, type: string) => Object.entries(r).filter(([, x]) => x.Type === type);
/** The functions that talk to Snowflake: the ones that bundle snowflake-sdk (function-catalog.ts). */
const SNOWFLAKE_FACING = FUNCTIONS.filter((f) => f.executesQueries).map((f) => f.name);

let on: Synthesized;
let nag: { findings: string[]; success: boolean };

beforeAll(async () => {
  on = await synthStack({ 'airlock:fixedEgress': true });
  const report = new AwsSolutionsChecks().validateScope(on.app);
  nag = { findings: report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`), success: report.success };
}, 120_000);

describe('airlock:fixedEgress', () => {
  it('is off by default, on for true or "true" (a -c value is a string), and refuses anything else', () => {
    const base = { ...CDK_JSON_CONTEXT };
    const get = (extra: Record<string, unknown>) => (k: string) => ({ ...base, ...extra })[k];
    expect(readConfig(get({})).fixedEgress).toBe(false);
    expect(readConfig(get({ 'airlock:fixedEgress': 'true' })).fixedEgress).toBe(true);
    expect(readConfig(get({ 'airlock:fixedEgress': 'false' })).fixedEgress).toBe(false);
    expect(() => readConfig(get({ 'airlock:fixedEgress': 'yes' }))).toThrow(/airlock:fixedEgress/);
  });

  it('without it (the default synth): no VPC, NAT gateway or Elastic IP, no function in a VPC, no egress output', () => {
    const r = sharedSynth().json.Resources;
    for (const t of ['AWS::EC2::VPC', 'AWS::EC2::NatGateway', 'AWS::EC2::EIP', 'AWS::EC2::SecurityGroup']) expect(ofType(r, t), t).toEqual([]);
    for (const [id, fn] of ofType(r, 'AWS::Lambda::Function')) expect(fn.Properties?.['VpcConfig'], id).toBeUndefined();
    expect(JSON.stringify(sharedSynth().json)).not.toContain('SnowflakeEgressIp');
  });

  it('with it: one VPC, one NAT gateway in a public subnet using the one Elastic IP, which is a stack output', () => {
    const r = on.json.Resources;
    expect(ofType(r, 'AWS::EC2::VPC')).toHaveLength(1);
    const nats = ofType(r, 'AWS::EC2::NatGateway');
    const eips = ofType(r, 'AWS::EC2::EIP');
    expect(nats).toHaveLength(1);
    expect(eips).toHaveLength(1);
    const [eipId, eip] = eips[0]!;
    expect(eip.Properties?.['Domain']).toBe('vpc');
    expect(eip.DeletionPolicy).toBe('Retain');
    expect(nats[0]![1].Properties?.['AllocationId']).toEqual({ 'Fn::GetAtt': [eipId, 'AllocationId'] });
    const natSubnet = (nats[0]![1].Properties?.['SubnetId'] as { Ref: string }).Ref;
    expect(r[natSubnet]!.Properties?.['MapPublicIpOnLaunch']).toBe(true);
    const outputs = (on.template.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    expect(outputs['SnowflakeEgressIp']!.Value).toEqual({ 'Fn::GetAtt': [eipId, 'PublicIp'] });
  });

  it('exactly the Snowflake-facing functions run in the private subnets (default route to the NAT) with the Snowflake security group; the others stay outside', () => {
    const r = on.json.Resources;
    const [natId] = ofType(r, 'AWS::EC2::NatGateway')[0]!;
    // Private subnets: those whose route table sends 0.0.0.0/0 to the NAT gateway.
    const natTables = ofType(r, 'AWS::EC2::Route')
      .filter(([, x]) => x.Properties?.['DestinationCidrBlock'] === '0.0.0.0/0' && JSON.stringify(x.Properties?.['NatGatewayId']) === JSON.stringify({ Ref: natId }))
      .map(([, x]) => (x.Properties?.['RouteTableId'] as { Ref: string }).Ref);
    const privateSubnets = ofType(r, 'AWS::EC2::SubnetRouteTableAssociation')
      .filter(([, x]) => natTables.includes((x.Properties?.['RouteTableId'] as { Ref: string }).Ref))
      .map(([, x]) => (x.Properties?.['SubnetId'] as { Ref: string }).Ref)
      .sort();
    expect(privateSubnets).toHaveLength(2);
    const sgs = ofType(r, 'AWS::EC2::SecurityGroup');
    expect(sgs).toHaveLength(1);
    const [sgId, sg] = sgs[0]!;
    expect(sg.Properties?.['SecurityGroupIngress']).toBeUndefined();
    expect((sg.Properties?.['SecurityGroupEgress'] as Array<Record<string, unknown>>).map((e) => [e['IpProtocol'], e['FromPort'], e['ToPort'], e['CidrIp']])).toEqual([
      ['tcp', 443, 443, '0.0.0.0/0'],
      ['tcp', 80, 80, '0.0.0.0/0'],
    ]);
    const inVpc: string[] = [];
    for (const spec of FUNCTIONS) {
      const fn = r[on.idOf(on.stack.functions[spec.name])]!;
      const vpc = fn.Properties?.['VpcConfig'] as { SubnetIds: Array<{ Ref: string }>; SecurityGroupIds: unknown[] } | undefined;
      if (vpc === undefined) continue;
      inVpc.push(spec.name);
      expect(vpc.SubnetIds.map((s) => s.Ref).sort(), spec.name).toEqual(privateSubnets);
      expect(vpc.SecurityGroupIds, spec.name).toEqual([{ 'Fn::GetAtt': [sgId, 'GroupId'] }]);
      // Lambda creates the ENIs with the function's role before the function exists: the role's policy (with
      // the network-interface actions, which CDK does not add to a role it is given) must be attached first.
      const role = on.idOf(on.stack.functions[spec.name].role!);
      const eni = policyStatements(on.json).filter((st) => st.roles.includes(role) && st.actions.some((a) => a.startsWith('ec2:')));
      expect(eni.map((st) => [st.effect, [...st.actions].sort(), st.resources]), spec.name).toEqual([['Allow', [...VPC_NETWORK_INTERFACE_ACTIONS].sort(), ['*']]]);
      const policy = Object.entries(r).find(([, x]) => x.Type === 'AWS::IAM::Policy' && (x.Properties?.['Roles'] as Array<{ Ref: string }>).some((ref) => ref.Ref === role))![0];
      expect((fn as { DependsOn?: string[] }).DependsOn ?? [], spec.name).toContain(policy);
    }
    expect(inVpc.sort()).toEqual([...SNOWFLAKE_FACING].sort());
    // No other role may touch network interfaces; every wildcard resource left is an unscopable action.
    const others = FUNCTIONS.filter((f) => !f.executesQueries).map((f) => on.idOf(on.stack.functions[f.name].role!));
    expect(policyStatements(on.json).filter((st) => st.roles.some((x) => others.includes(x)) && st.actions.some((a) => a.startsWith('ec2:')))).toEqual([]);
    const wild = policyStatements(on.json).filter((st) => st.resources.includes('*')).flatMap((st) => st.actions);
    expect(wild.filter((a) => !UNSCOPABLE_ACTIONS.has(a))).toEqual([]);
    expect(SNOWFLAKE_FACING.length).toBeGreaterThanOrEqual(2);
  });

  it('DynamoDB stays off the NAT (a gateway endpoint), the VPC logs rejected flows, and cdk-nag finds nothing unacknowledged', () => {
    const r = on.json.Resources;
    const endpoints = ofType(r, 'AWS::EC2::VPCEndpoint');
    expect(endpoints.map(([, e]) => [e.Properties?.['VpcEndpointType'], JSON.stringify(e.Properties?.['ServiceName'])])).toEqual([['Gateway', expect.stringContaining('.dynamodb')]]);
    expect(ofType(r, 'AWS::EC2::FlowLog').map(([, f]) => f.Properties?.['TrafficType'])).toEqual(['REJECT']);
    expect(nag.findings).toEqual([]);
    expect(nag.success).toBe(true);
  });
});
