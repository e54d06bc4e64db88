import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ROUTES } from '#shared/http/router.js';

/** Slack's interactivity endpoint (form-encoded, Slack-signed, no bearer token), one of `API_ROUTES`. */
export const SLACK_INTERACTIONS_PATH = '/slack/interactions';

export interface ApiProps {
  /** The function serving each route of `API_ROUTES`, by path; every route must have one. */
  routeFunctions: Record<string, lambda.IFunction>;
  logRetention: logs.RetentionDays;
  /** Steady-state requests per second and burst, for the whole API. */
  throttle: { rateLimit: number; burstLimit: number };
}

/**
 * The HTTP API (API Gateway v2): the routes of docs/interfaces.md, taken from the same
 * `API_ROUTES` table the local server dispatches on (Slack's interactivity endpoint included);
 * stage-wide throttling and JSON access logs. Tokens are verified in the functions (jose), so
 * a 401 carries the `ERR_TOKEN_*` codes of docs/interfaces.md rather than API Gateway's own body.
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', { description: 'Airlock SQL gateway', createDefaultStage: false });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            responseLength: '$context.responseLength',
          }),
        ),
      },
    });

    const integrations = new Map<lambda.IFunction, HttpLambdaIntegration>();
    const integrationFor = (fn: lambda.IFunction): HttpLambdaIntegration => {
      let integration = integrations.get(fn);
      if (integration === undefined) {
        // Ids from the function's path in the tree: every AirlockFunction's inner id is 'Function'.
        integration = new HttpLambdaIntegration(`${fn.node.scope?.node.id ?? fn.node.id}Integration`, fn, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 });
        integrations.set(fn, integration);
      }
      return integration;
    };
    for (const route of API_ROUTES) {
      const fn = props.routeFunctions[route.path];
      if (fn === undefined) throw new Error(`no function serves ${route.method} ${route.path}`);
      this.httpApi.addRoutes({ path: route.path, methods: [route.method as apigw.HttpMethod], integration: integrationFor(fn) });
    }

    new CfnOutput(scope, 'ApiUrl', { value: this.httpApi.apiEndpoint, description: 'AIRLOCK_URL: the gateway base URL' });
    new CfnOutput(scope, 'SlackInteractivityUrl', { value: `${this.httpApi.apiEndpoint}${SLACK_INTERACTIONS_PATH}`, description: 'Paste into the Slack app: Interactivity & Shortcuts → Request URL' });
  }
}
