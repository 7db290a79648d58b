import { accessDenied } from './errors';
import type { CustomerTokenVerifier } from './ports';
import { issueHistoryToken } from './history';
import type { KeyRing } from './keys';
import type { ContactStore } from './ports';
import { readResumeToken, type Widget, type WidgetChat } from './widget';
import { lineErasing } from './erasure';

export interface CustomersDeps {
  tokens: CustomerTokenVerifier;
  store: Pick<ContactStore, 'getCustomerLine' | 'getSession'>;
  widget: Pick<Widget, 'startForCustomer' | 'line'>;
  keys: KeyRing;
  instanceId: string;
  now: () => number;
}

/** Who asks for a customer's line: the host site's customer token, or a browser's resume token. */
export type LineCredential = { customerToken: string } | { resumeToken: string };

/**
 * The customer's own line, from the public widget routes: a customer token (http/customer-tokens.ts verifies it) opens
 * the line of that customer (instance and `sub`) from any browser or device; a resume token the line
 * it was issued on.
 */
export class Customers {
  constructor(private readonly deps: CustomersDeps) {}

  /** POST /widget/chat with a CustomerToken: rejoin, continue or start the customer's line. */
  async chat(customerToken: string, displayName: string | undefined): Promise<WidgetChat> {
    const claim = await this.deps.tokens.verify(customerToken);
    return this.deps.widget.startForCustomer(claim.customerId, displayName?.trim() || claim.name);
  }

  /**
   * POST /widget/history: a read-only credential (history.ts) for the line's transcript, named by its
   * newest chat; nothing is written. A customer with no chat gets one that reads an empty transcript.
   */
  async history(credential: LineCredential): Promise<{ ConnectionToken: string; Expiry: string }> {
    const { keys, instanceId } = this.deps;
    const now = this.deps.now();
    if ('customerToken' in credential) {
      const { customerId } = await this.deps.tokens.verify(credential.customerToken);
      const line = await this.deps.store.getCustomerLine(instanceId, customerId);
      if (line?.erasure) throw lineErasing();
      return issueHistoryToken(keys, instanceId, line && (await this.newest(line.latestInitialContactId)), now);
    }
    const claim = readResumeToken(keys, credential.resumeToken, instanceId, now);
    const newest = await this.newest(claim.initialContactId);
    // A browser that forgot the line (/widget/forget) revoked the resume tokens issued before then.
    const session = await this.deps.store.getSession(newest);
    if ((session?.resumeTokensRevokedBefore ?? 0) >= claim.issuedAt) throw accessDenied('The resume token is invalid or has expired');
    return issueHistoryToken(keys, instanceId, newest, now);
  }

  /** The newest chat of the line through `initialContactId` (a chat continued since is followed). */
  private async newest(initialContactId: string): Promise<string> {
    const chats = await this.deps.widget.line(initialContactId);
    return chats[chats.length - 1]!;
  }
}
