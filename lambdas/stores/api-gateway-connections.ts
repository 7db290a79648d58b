import {
  type ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionTransport } from '../domain/push';

/** The sockets on AWS: API Gateway's `@connections` management API of the WebSocket stage. */
export class ApiGatewayTransport implements ConnectionTransport {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  async post(connectionId: string, data: string): Promise<'sent' | 'gone'> {
    try {
      await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(data) }));
      return 'sent';
    } catch (error) {
      if (error instanceof GoneException) return 'gone';
      throw error;
    }
  }

  async close(connectionId: string): Promise<void> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (error) {
      if (!(error instanceof GoneException)) throw error;
    }
  }
}

/** The management endpoint of a WebSocket stage: its `wss://` URL spoken over HTTPS. */
export const managementEndpoint = (websocketUrl: string): string => websocketUrl.replace(/^wss:\/\//, 'https://').replace(/\/+$/, '');
