import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface FixedEgressProps {
  logRetention: logs.RetentionDays;
}

/**
 * A fixed egress IP for the functions that talk to Snowflake (`airlock:fixedEgress`), so a
 * Snowflake network policy can allow exactly one address: a VPC over two AZs with public subnets
 * holding one NAT gateway, whose Elastic IP is this construct's `eip`, and private subnets
 * (PRIVATE_WITH_EGRESS) for the functions, behind a security group with no inbound rule and
 * outbound HTTPS (Snowflake, AWS APIs) and HTTP (the Snowflake driver's OCSP checks) only.
 * DynamoDB goes through a free gateway endpoint instead of the NAT. VPC flow logs go to their
 * own log group. One NAT gateway means one IP and one AZ on the egress path (docs/deploy.md §3).
 */
export class FixedEgress extends Construct {
  readonly vpc: ec2.Vpc;
  readonly eip: ec2.CfnEIP;
  readonly securityGroup: ec2.SecurityGroup;
  readonly subnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

  constructor(scope: Construct, id: string, props: FixedEgressProps) {
    super(scope, id);
    this.eip = new ec2.CfnEIP(this, 'Ip', { domain: 'vpc', tags: [{ key: 'Name', value: 'airlock-snowflake-egress' }] });
    // The address Snowflake's network policy allows: kept if the stack is destroyed, like the evidence.
    this.eip.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: [this.eip.attrAllocationId] }),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    this.vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.REJECT });
    this.securityGroup = new ec2.SecurityGroup(this, 'SnowflakeClients', {
      vpc: this.vpc,
      description: 'Airlock functions that talk to Snowflake: no inbound; outbound HTTPS and OCSP over HTTP',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Snowflake and AWS APIs (HTTPS)');
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'OCSP certificate checks of the Snowflake driver');
  }
}
