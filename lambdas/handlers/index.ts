import type { AgentDeps } from '../agent-deps';
import type { AttachmentDeps } from '../attachment-deps';
import type { CustomerDeps } from '../customer-deps';
import type { ErasureDeps } from '../erasure-deps';
import type { Deps } from '../deps';
import type { Route } from '../http/api';
import type { WebsocketRoute } from '../http/websocket';
import { route as agentAccept } from './agent-accept';
import { route as agentChats } from './agent-chats';
import { route as agentConnection } from './agent-connection';
import { route as agentEnd } from './agent-end';
import { route as agentRejoin } from './agent-rejoin';
import { route as agentSignOut } from './agent-sign-out';
import { route as agentTransfer } from './agent-transfer';
import { route as agentWaiting } from './agent-waiting';
import { route as completeAttachmentUpload } from './complete-attachment-upload';
import { route as createParticipant } from './create-participant';
import { route as createParticipantConnection } from './create-participant-connection';
import { route as describeContact } from './describe-contact';
import { route as disconnectParticipant } from './disconnect-participant';
import { route as eraseLine } from './erase-line';
import { route as getAttachment } from './get-attachment';
import { route as getContactAttributes } from './get-contact-attributes';
import { route as getTranscript } from './get-transcript';
import { route as sendEvent } from './send-event';
import { route as sendMessage } from './send-message';
import { route as startAttachmentUpload } from './start-attachment-upload';
import { route as startChatContact } from './start-chat-contact';
import { route as stopContact } from './stop-contact';
import { route as transferContact } from './transfer-contact';
import { route as updateContactAttributes } from './update-contact-attributes';
import { route as updateParticipantRoleConfig } from './update-participant-role-config';
import { route as websocketConnect } from './websocket-connect';
import { route as websocketDisconnect } from './websocket-disconnect';
import { route as websocketMessage } from './websocket-message';
import { route as widgetChat } from './widget-chat';
import { route as widgetForget } from './widget-forget';
import { route as widgetHistory } from './widget-history';
import type { handler as sweep } from './sweep';

/** What the local server builds once for every handler: each composition root's additions together. */
export type LocalDeps = AttachmentDeps & CustomerDeps & ErasureDeps & AgentDeps;

/**
 * Every handler by its file name, for the local server (on AWS each file is its own function). The
 * names are types (`HandlerName`), so a route naming no handler fails the type check.
 */
export const HANDLERS = {
  'agent-accept': agentAccept,
  'agent-chats': agentChats,
  'agent-connection': agentConnection,
  'agent-end': agentEnd,
  'agent-rejoin': agentRejoin,
  'agent-sign-out': agentSignOut,
  'agent-transfer': agentTransfer,
  'agent-waiting': agentWaiting,
  'complete-attachment-upload': completeAttachmentUpload,
  'create-participant': createParticipant,
  'create-participant-connection': createParticipantConnection,
  'describe-contact': describeContact,
  'disconnect-participant': disconnectParticipant,
  'erase-line': eraseLine,
  'get-attachment': getAttachment,
  'get-contact-attributes': getContactAttributes,
  'get-transcript': getTranscript,
  'send-event': sendEvent,
  'send-message': sendMessage,
  'start-attachment-upload': startAttachmentUpload,
  'start-chat-contact': startChatContact,
  'stop-contact': stopContact,
  'transfer-contact': transferContact,
  'update-contact-attributes': updateContactAttributes,
  'update-participant-role-config': updateParticipantRoleConfig,
  'widget-chat': widgetChat,
  'widget-forget': widgetForget,
  'widget-history': widgetHistory,
} as const satisfies Record<string, Route<LocalDeps>>;

/** A REST route's handler (`RouteSpec.handler`). */
export type HandlerName = keyof typeof HANDLERS;

/** The WebSocket handlers by file name. */
export const WEBSOCKET_HANDLERS = {
  'websocket-connect': websocketConnect,
  'websocket-disconnect': websocketDisconnect,
  'websocket-message': websocketMessage,
} as const satisfies Record<string, WebsocketRoute<Deps>>;

/** A WebSocket route's handler (`WebsocketRouteSpec.handler`). */
export type WebsocketHandlerName = keyof typeof WEBSOCKET_HANDLERS;

/** A scheduled handler (`ScheduledSpec.handler`): a name only, as the local server runs the sweep on its own timer. */
export type ScheduledHandlerName = keyof { sweep: typeof sweep };
