import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AgentSignIn } from './agent-sign-in';
import { ChatApi } from './chat-api';
import { ChatData } from './chat-data';
import { ChatSweep } from './chat-sweep';
import { ApiGatewayLoggingRole } from './api-gateway-logging-role';
import { ChatWebsocket } from './chat-websocket';
import type { Settings } from './settings';
import { Site } from './site';

export interface PersistentChatStackProps extends StackProps {
  settings: Settings;
}

/** The whole service: its data (table, transcript bucket, signing key), its API and (unless `websocket` is off) its WebSocket API. */
export class PersistentChatStack extends Stack {
  constructor(scope: Construct, id: string, props: PersistentChatStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const data = new ChatData(this, 'Data', settings);
    const websocket = settings.websocket ? new ChatWebsocket(this, 'Websocket', { ...settings, data }) : undefined;
    // The sign-in's own origins, where the desk exchanges its code and reads the issuer's keys.
    const signInOrigins = [`https://cognito-idp.${this.region}.amazonaws.com`, `https://*.auth.${this.region}.amazoncognito.com`];
    const site = settings.site
      ? new Site(this, 'Site', {
          ...settings,
          connectTo: [
            `https://${data.bucket.bucketRegionalDomainName}`,
            ...signInOrigins,
            // The APIs by their hosts: their stages are made after this.
            `https://*.execute-api.${this.region}.${this.urlSuffix}`,
            `wss://*.execute-api.${this.region}.${this.urlSuffix}`,
          ],
          imagesFrom: [`https://${data.bucket.bucketRegionalDomainName}`],
        })
      : undefined;
    const signIn = new AgentSignIn(this, 'AgentSignIn', {
      ...settings,
      agentDeskUrls: [...settings.agentDeskUrls, ...(site ? [`${site.url}/agent`] : [])],
      agentQueues: [...new Set([settings.defaultQueueId, settings.widgetQueueId])],
    });
    const { api } = new ChatApi(this, 'Api', { ...settings, data, push: websocket, agentPool: signIn.userPool });
    site?.deploy({
      api: api.url,
      authority: `https://cognito-idp.${this.region}.amazonaws.com/${signIn.userPool.userPoolId}`,
      clientId: signIn.clientId,
    });
    new ChatSweep(this, 'Sweep', { ...settings, data, push: websocket });
    if (settings.apiGatewayCloudWatchRole) {
      // Both stages write access logs: they must come after the region's logging role is set.
      const { account } = new ApiGatewayLoggingRole(this, 'ApiGatewayLogging');
      api.deploymentStage.node.addDependency(account);
      websocket?.stage.node.addDependency(account);
    }

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL: the SDK clients take it as `endpoint`' });
    if (websocket)
      new CfnOutput(this, 'WebsocketUrl', {
        value: websocket.url,
        description: 'What CreateParticipantConnection hands out (with a credential of its own)',
      });
    new CfnOutput(this, 'UserPoolId', { value: signIn.userPool.userPoolId, description: "The agents' user pool (groups: queues)" });
    new CfnOutput(this, 'UserPoolClientId', { value: signIn.clientId, description: "The agent desk's app client" });
    if (data.customerTokenSecret)
      new CfnOutput(this, 'CustomerTokenSecretArn', {
        value: data.customerTokenSecret.secretArn,
        description: 'The HS256 secret the host site signs customer tokens with (read it with GetSecretValue)',
      });
    if (site) new CfnOutput(this, 'SiteUrl', { value: site.url, description: 'The customer page; the agent desk is at /agent' });
    new CfnOutput(this, 'TranscriptBucketName', { value: data.bucket.bucketName, description: 'Where transcripts are kept' });
  }
}
