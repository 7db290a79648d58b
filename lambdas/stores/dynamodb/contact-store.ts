import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand, ScanCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type {
  AgentRecord,
  Attachment,
  ChatSession,
  Contact,
  ContactRef,
  Participant,
  ParticipantTimers,
  Receipt,
  TokenGrant,
  TranscriptItem,
} from '../../domain/model';
import {
  type AcceptWrite,
  type AddParticipantWrite,
  type AppendItemWrite,
  type AttachmentChecked,
  type ConflictReason,
  type ContactStore,
  type CustomerLine,
  type EndSessionWrite,
  type IdempotencyKey,
  type IdempotencyRecord,
  type ItemClockClaim,
  type ItemRange,
  type ParticipantLeftWrite,
  type QueuedContact,
  type QueueRef,
  type SourceClaim,
  type StartAttachmentWrite,
  type StartChatWrite,
  type TimersFiredWrite,
  type TransferWrite,
  WriteConflict,
} from '../../domain/ports';
import {
  ITEM_PREFIX,
  ITEMS_END,
  keys,
  QUEUE_INDEX,
  queueKeyOf,
  queuePartition,
  readPages,
  RECORD_SK,
  SWEEP_INDEX,
  type SweepKind,
  sweepShard,
  sweepShards,
  TTL_ATTRIBUTE,
  toRecord,
  withKey,
  writeAll,
  getRecord,
  type Step,
  transact,
} from './keys';

/** How a transcript item is kept: receipts as a flat map `<participantId>#<kind>` -> time, so one update sets one. */
interface StoredItem extends TranscriptItem {
  receipts?: Record<string, string>;
}

const notExists = 'attribute_not_exists(pk)';
const STATE = { '#state': 'state' };
/** Taking a record out of the sweep index: without its keys it is not in the sparse index. */
const UNSWEPT = [SWEEP_INDEX.partitionKey, SWEEP_INDEX.sortKey];

export class DynamoContactStore implements ContactStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private get<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    return getRecord<T>(this.db, this.tableName, key);
  }

  getContact(contactId: string) {
    return this.get<Contact>(keys.contact(contactId));
  }

  getSession(initialContactId: string) {
    return this.get<ChatSession>(keys.session(initialContactId));
  }

  getGrant(tokenHash: string) {
    return this.get<TokenGrant>(keys.grant(tokenHash));
  }

  getIdempotencyRecord(key: IdempotencyKey) {
    return this.get<IdempotencyRecord>(keys.idempotency(key));
  }

  getCustomerLine(instanceId: string, customerId: string) {
    return this.get<CustomerLine>(keys.customerLine(instanceId, customerId));
  }

  async startChat(write: StartChatWrite): Promise<void> {
    const { session } = write;
    const steps: Step[] = [
      // The sweep looks at the chat by its `sweepAt` (its expiry, at first).
      this.put(
        { ...withKey(keys.session(session.initialContactId), session), ...sweepKeys('CHAT', session.initialContactId, session.sweepAt) },
        'already-exists',
      ),
      this.put({ ...withKey(keys.contact(write.contact.contactId), write.contact), ...queueKeyOf(write.contact) }, 'already-exists'),
      ...write.items.map((item) => this.putItem(write.contact.contactId, item)),
      ...this.grantSteps(write.grant),
      ...this.idempotencySteps(write.idempotency, session.initialContactId),
    ];
    if (write.customerLine) steps.push(this.customerLineStep(write.contact, write.customerLine.first));
    if (write.sourceClaim) steps.push(...this.sourceClaimSteps(write.sourceClaim));
    await transact(this.db, steps);
  }

  /** The line's SourceClaim (ports.ts) as conditions of the start's transaction: what makes the continuation rule atomic. */
  private sourceClaimSteps({ sourceContactId, sourceInitialContactId, claimedBy }: SourceClaim): Step[] {
    return [
      {
        item: {
          Update: {
            TableName: this.tableName,
            Key: keys.contact(sourceContactId),
            UpdateExpression: 'SET persistentChatSourceOf = :by',
            // A contact being erased seeds nothing: its line must not grow past the erasure.
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(persistentChatSourceOf) AND attribute_not_exists(erasure)',
            ExpressionAttributeValues: { ':by': claimedBy },
          },
        },
        conflict: 'source-already-used',
      },
      {
        item: {
          ConditionCheck: {
            TableName: this.tableName,
            Key: keys.session(sourceInitialContactId),
            ConditionExpression: '#state = :ended',
            ExpressionAttributeNames: STATE,
            ExpressionAttributeValues: { ':ended': 'ENDED' },
          },
        },
        conflict: 'source-session-active',
      },
    ];
  }

  async transfer({ from, to, toItems, clock, idempotency }: TransferWrite): Promise<void> {
    const next: ContactRef = { contactId: to.contactId, initialContactId: to.initialContactId, initiationTimestamp: to.initiationTimestamp };
    await transact(this.db, [
      this.claimClock(clock, from.contactId, { set: 'latestContactId = :to', values: { ':to': to.contactId } }),
      this.endContact(from.contactId, from.now, { next, participants: from.participants }),
      ...from.items.map((item) => this.putItem(from.contactId, item)),
      this.put({ ...withKey(keys.contact(to.contactId), to), ...queueKeyOf(to) }, 'already-exists'),
      ...toItems.map((item) => this.putItem(to.contactId, item)),
      ...this.idempotencySteps(idempotency, to.initialContactId),
    ]);
  }

  async endSession(write: EndSessionWrite): Promise<void> {
    const { contactId, clock, now } = write;
    await transact(this.db, [
      this.claimClock(clock, contactId, {
        set: '#state = :ended, endedAt = :now, customer = :customer',
        values: { ':ended': 'ENDED', ':now': now, ':customer': write.customer },
        // An ended chat has nothing left for the sweep; its last contact's archive has (endContact).
        remove: UNSWEPT,
      }),
      this.endContact(contactId, now, { reason: write.disconnectReason, participants: write.participants }),
      ...write.items.map((item) => this.putItem(contactId, item)),
    ]);
  }

  async addParticipant({ contactId, participant, items, grant, clock, sweepAt, idempotency, accept }: AddParticipantWrite): Promise<void> {
    const sets: string[] = [];
    const values: Record<string, unknown> = {};
    if (sweepAt !== undefined) {
      sets.push(`${SWEEP_INDEX.sortKey} = :sweepAt`);
      values[':sweepAt'] = sweepAt;
    }
    if (accept) {
      sets.push('lastAgentId = :agent');
      values[':agent'] = accept.agent.username;
    }
    await transact(this.db, [
      this.claimClock(clock, contactId, sets.length ? { set: sets.join(', '), values } : {}),
      accept
        ? this.acceptContact(contactId, participant, accept)
        : this.updateActiveContact(contactId, 'SET participants = list_append(participants, :participant)', { ':participant': [participant] }),
      ...items.map((item) => this.putItem(contactId, item)),
      ...this.grantSteps(grant),
      ...this.idempotencySteps(idempotency, clock.initialContactId),
      ...(accept ? [this.agentStep(accept)] : []),
    ]);
  }

  /**
   * The one winner of an accept: the contact leaves its queue only while it is still queued and not
   * reserved for another agent, so of agents accepting at once exactly one transaction goes through.
   */
  private acceptContact(contactId: string, participant: Participant, { agent, at }: AcceptWrite): Step {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.contact(contactId),
          UpdateExpression:
            'SET participants = list_append(participants, :participant), routingState = :accepted, agentId = :agent, agentParticipantId = :pid, acceptedByAgentTimestamp = :at, lastUpdateTimestamp = :at REMOVE #queue',
          ConditionExpression:
            '#state = :active AND routingState = :queued AND (attribute_not_exists(reservedFor) OR reservedFor = :agent OR reservedUntil <= :at)',
          ExpressionAttributeNames: { ...STATE, '#queue': QUEUE_INDEX.partitionKey },
          ExpressionAttributeValues: {
            ':participant': [participant],
            ':accepted': 'ACCEPTED',
            ':queued': 'QUEUED',
            ':active': 'ACTIVE',
            ':agent': agent.username,
            ':pid': participant.participantId,
            ':at': at,
          },
        },
      },
      conflict: 'already-accepted',
    };
  }

  /** The agent's record, as the accept leaves it: only if no other accept of the agent's changed it meanwhile. */
  private agentStep({ agent, seenVersion }: AcceptWrite): Step {
    return {
      item: {
        Put: {
          TableName: this.tableName,
          Item: withKey(keys.agent(agent.instanceId, agent.username), agent),
          ConditionExpression: seenVersion === undefined ? notExists : 'version = :seen',
          ...(seenVersion !== undefined && { ExpressionAttributeValues: { ':seen': seenVersion } }),
        },
      },
      conflict: 'agent-changed',
    };
  }

  async queuedContacts(queue: QueueRef, limit: number): Promise<QueuedContact[]> {
    const rows = await readPages(
      (startKey) =>
        this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: QUEUE_INDEX.name,
            KeyConditionExpression: '#queue = :queue',
            ExpressionAttributeNames: { '#queue': QUEUE_INDEX.partitionKey },
            ExpressionAttributeValues: { ':queue': queuePartition(queue) },
            Limit: limit,
            ExclusiveStartKey: startKey,
          }),
        ),
      limit,
    );
    return rows.slice(0, limit).map((row) => toRecord<QueuedContact>(row));
  }

  getAgent(instanceId: string, username: string) {
    return this.get<AgentRecord>(keys.agent(instanceId, username));
  }

  async agentSeen(instanceId: string, username: string, at: number | undefined): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.agent(instanceId, username),
        // A first sighting makes the record; its accepts come later.
        UpdateExpression:
          at === undefined
            ? 'REMOVE lastSeenAt'
            : 'SET lastSeenAt = :at, instanceId = if_not_exists(instanceId, :instance), username = if_not_exists(username, :username), contactIds = if_not_exists(contactIds, :none), version = if_not_exists(version, :zero)',
        ...(at !== undefined && {
          ExpressionAttributeValues: { ':at': at, ':instance': instanceId, ':username': username, ':none': [], ':zero': 0 },
        }),
      }),
    );
  }

  async putGrant(tokenHash: string, grant: TokenGrant): Promise<void> {
    await transact(this.db, this.grantSteps({ tokenHash, grant }));
  }

  async appendItem({ contactId, item, returned, activity, clock, idempotency, completes, connectionsVersion }: AppendItemWrite): Promise<void> {
    const values: Record<string, unknown> = activity ? { ':activity': activity } : {};
    if (connectionsVersion) values[':connections'] = connectionsVersion;
    await transact(this.db, [
      this.claimClock(clock, contactId, {
        ...(activity && { set: 'activity = :activity' }),
        values,
        ...(connectionsVersion !== undefined && {
          condition: connectionsVersion ? 'connectionsVersion = :connections' : 'attribute_not_exists(connectionsVersion)',
        }),
      }),
      ...(returned ? [this.putItem(contactId, returned)] : []),
      this.putItem(contactId, item),
      ...this.idempotencySteps(idempotency, clock.initialContactId),
      ...(completes ? [this.completeAttachment(completes.attachmentId, contactId, item.Id), this.countCheck(contactId, 1)] : []),
    ]);
  }

  getAttachment(attachmentId: string) {
    return this.get<Attachment>(keys.attachment(attachmentId));
  }

  async startAttachment({ attachment, expiresAt, contactId, maxPerContact, idempotency }: StartAttachmentWrite): Promise<void> {
    const key = keys.attachment(attachment.attachmentId);
    const item = { ...withKey(key, attachment), [TTL_ATTRIBUTE]: Math.ceil(expiresAt / 1000) };
    const counted: Step = {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.contact(contactId),
          UpdateExpression: 'ADD attachmentUploads :one',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(attachmentUploads) OR attachmentUploads < :max)',
          ExpressionAttributeValues: { ':one': 1, ':max': maxPerContact },
        },
      },
      conflict: 'attachment-quota',
    };
    // The idempotency record first: a retry that lost the race is told so, not that the quota is reached.
    await transact(this.db, [
      ...this.idempotencySteps(idempotency, attachment.initialContactId),
      counted,
      this.put(item, 'already-exists'),
      // Not expiring: a completed attachment is kept as long as its chat.
      this.ownedStep(attachment.initialContactId, key),
    ]);
  }

  async attachmentChecked({ attachmentId, contactId, itemId, contactStartedAt, status }: AttachmentChecked): Promise<boolean> {
    const record: Step = {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.attachment(attachmentId),
          UpdateExpression: 'SET #status = :status, contactStartedAt = :started',
          ConditionExpression: '#status = :checking',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':started': contactStartedAt, ':checking': 'IN_PROGRESS' },
        },
      },
      conflict: 'attachment-completed',
    };
    const onItem: Step = {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.item(contactId, itemId),
          UpdateExpression: 'SET Attachments[0].#status = :status',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'Status' },
          ExpressionAttributeValues: { ':status': status },
        },
      },
      conflict: 'contact-not-active',
    };
    try {
      await transact(this.db, [record, onItem, this.countCheck(contactId, -1, 'attribute_not_exists(transcriptKey)')]);
      return true;
    } catch (error) {
      // The contact's file was written anyway, after waiting its longest for this check (its item may still be in the table, for a while).
      if (!(error instanceof WriteConflict && error.reason === 'contact-not-active')) throw error;
      await transact(this.db, [record, this.countCheck(contactId, -1)]);
      return false;
    }
  }

  async abandonedUploads(before: number): Promise<Attachment[]> {
    const items = await readPages((startKey) =>
      this.db.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :attachment AND #status = :uploading AND startedAt < :before',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':attachment': 'ATTACHMENT', ':uploading': 'UPLOADING', ':before': before },
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    return items.map((item) => toRecord<Attachment>(item));
  }

  async forgetUpload(attachmentId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.attachment(attachmentId),
          ConditionExpression: '#status = :uploading',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':uploading': 'UPLOADING' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // completed meanwhile: kept
    }
  }

  /** The contact's count of attachments in check (its transcript file waits for them); `unless` refuses it as `contact-not-active`. */
  private countCheck(contactId: string, by: 1 | -1, unless?: string): Step {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.contact(contactId),
          UpdateExpression: 'ADD attachmentsInCheck :by',
          ConditionExpression: `attribute_exists(pk)${unless ? ` AND ${unless}` : ''}`,
          ExpressionAttributeValues: { ':by': by },
        },
      },
      conflict: unless ? 'contact-not-active' : 'already-exists',
    };
  }

  /** An upload becomes the attachment of this item, once: only while it is still uploading. */
  private completeAttachment(attachmentId: string, contactId: string, itemId: string): Step {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.attachment(attachmentId),
          UpdateExpression: 'SET #status = :checking, itemId = :item, contactId = :contact REMOVE #ttl',
          ConditionExpression: '#status = :uploading',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':checking': 'IN_PROGRESS', ':item': itemId, ':contact': contactId, ':uploading': 'UPLOADING' },
        },
      },
      conflict: 'attachment-completed',
    };
  }

  async participantLeft({ contactId, participants, item, clock }: ParticipantLeftWrite): Promise<void> {
    await transact(this.db, [
      this.claimClock(clock, contactId),
      this.updateActiveContact(contactId, 'SET participants = :participants', { ':participants': participants }),
      this.putItem(contactId, item),
    ]);
  }

  async addReceipt(contactId: string, messageId: string, kind: 'delivered' | 'read', receipt: Receipt): Promise<boolean> {
    const time = kind === 'delivered' ? receipt.DeliveredTimestamp : receipt.ReadTimestamp;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.item(contactId, messageId),
          // The first receipt of each kind counts; repeats do not move it.
          UpdateExpression: 'SET receipts.#receipt = if_not_exists(receipts.#receipt, :time)',
          ConditionExpression: 'attribute_exists(receipts)',
          ExpressionAttributeNames: { '#receipt': `${receipt.RecipientParticipantId}#${kind}` },
          ExpressionAttributeValues: { ':time': time },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async queryItems(contactId: string, range: ItemRange, limit: number): Promise<TranscriptItem[]> {
    return (await this.readPartition(contactId, range, limit, false)).items;
  }

  contactWithItems(contactId: string, range: ItemRange, limit: number): Promise<{ contact?: Contact; items: TranscriptItem[] }> {
    return this.readPartition(contactId, range, limit, true);
  }

  /**
   * One Query over the contact's partition, which holds its record (sk `CONTACT`), its items
   * (`ITEM#<id>`) and, for a chat's first contact, the session (`SESSION`): `CONTACT` < `ITEM#` <
   * `ITEM$` < `SESSION`, so the range from `CONTACT` to `ITEM$` is the record and the items.
   */
  private async readPartition(contactId: string, range: ItemRange, limit: number, withRecord: boolean) {
    const forward = range.direction === 'FORWARD';
    const bound = range.from && `${ITEM_PREFIX}${range.from.id}`;
    const low = forward ? bound : undefined;
    const high = forward ? undefined : bound;
    const first = withRecord ? RECORD_SK : ITEM_PREFIX;
    // BETWEEN is inclusive: an exclusive bound reads one row more and drops it.
    const extra = (bound && !range.from!.inclusive ? 1 : 0) + (withRecord ? 1 : 0);
    const rows = await readPages(
      (startKey) =>
        this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
            ExpressionAttributeValues: { ':pk': keys.contact(contactId).pk, ':low': low ?? first, ':high': high ?? ITEMS_END },
            ScanIndexForward: forward,
            Limit: limit + extra,
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      limit + extra,
    );
    let contact: Contact | undefined;
    const items: TranscriptItem[] = [];
    for (const row of rows) {
      if (row.sk === RECORD_SK) contact = toRecord<Contact>(row);
      else if (row.sk !== bound || range.from!.inclusive) items.push(fromStoredItem(toRecord<StoredItem>(row)));
    }
    return { contact, items: items.slice(0, limit) };
  }

  async markArchived(contactId: string, transcriptKey: string, at: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.contact(contactId),
        // Due for the sweep again from `at`: it deletes the items once the grace after it is over.
        UpdateExpression: 'SET transcriptKey = :key, archivedAt = :at, #shard = :shard, #at = :at',
        ConditionExpression: '#state = :ended',
        ExpressionAttributeNames: { ...STATE, '#shard': SWEEP_INDEX.partitionKey, '#at': SWEEP_INDEX.sortKey },
        ExpressionAttributeValues: { ':key': transcriptKey, ':at': at, ':shard': sweepShard('ARCHIVE', contactId), ':ended': 'ENDED' },
      }),
    );
  }

  async deleteItems(contactId: string, itemIds: string[]): Promise<void> {
    // Bounded: the contact stays in the sweep index until its items are gone, and the sweep tries again.
    const deletes = itemIds.map((id) => ({ DeleteRequest: { Key: keys.item(contactId, id) } }));
    await writeAll(this.db, this.tableName, deletes, `deleting the items of contact ${contactId}`);
  }

  async archiveFinished(contactId: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.contact(contactId),
        UpdateExpression: `REMOVE ${UNSWEPT.join(', ')}`,
        ConditionExpression: 'attribute_exists(transcriptKey)',
      }),
    );
  }

  async dueChats(before: number, limit: number): Promise<string[]> {
    return this.dueInIndex('CHAT', before, limit);
  }

  async unfinishedArchives(before: number, limit: number): Promise<string[]> {
    return this.dueInIndex('ARCHIVE', before, limit);
  }

  /** One Query per shard of the kind, in parallel, for records due by `before`; the soonest `limit` of them, as ids. */
  private async dueInIndex(kind: SweepKind, before: number, limit: number): Promise<string[]> {
    const perShard = await Promise.all(
      sweepShards(kind).map((shard) =>
        readPages(
          (startKey) =>
            this.db.send(
              new QueryCommand({
                TableName: this.tableName,
                IndexName: SWEEP_INDEX.name,
                KeyConditionExpression: '#shard = :shard AND #at <= :before',
                ExpressionAttributeNames: { '#shard': SWEEP_INDEX.partitionKey, '#at': SWEEP_INDEX.sortKey },
                ExpressionAttributeValues: { ':shard': shard, ':before': before },
                Limit: limit,
                ExclusiveStartKey: startKey,
              }),
            ),
          limit,
        ),
      ),
    );
    return perShard
      .flat()
      .sort((a, b) => (a[SWEEP_INDEX.sortKey] as number) - (b[SWEEP_INDEX.sortKey] as number))
      .slice(0, limit)
      .map((row) => (row.pk as string).slice(keys.contact('').pk.length));
  }

  async revokeResumeTokens(initialContactId: string, before: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.session(initialContactId),
        UpdateExpression: 'SET resumeTokensRevokedBefore = :before',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':before': before },
      }),
    );
  }

  async setTimers(initialContactId: string, timers: ParticipantTimers, now: number): Promise<void> {
    const updated = await this.updateSession(initialContactId, {
      // Due at once: the sweep works out when each timer runs out. Chats from before the sweep join its index here.
      UpdateExpression: 'SET timers = :timers, timersSetAt = :now, activity = if_not_exists(activity, :none), #shard = :shard, #at = :now',
      ConditionExpression: '#state = :active',
      ExpressionAttributeNames: { ...STATE, '#shard': SWEEP_INDEX.partitionKey, '#at': SWEEP_INDEX.sortKey },
      ExpressionAttributeValues: { ':timers': timers, ':now': now, ':none': {}, ':shard': sweepShard('CHAT', initialContactId), ':active': 'ACTIVE' },
    });
    if (!updated) throw new WriteConflict('contact-not-active');
  }

  async timersFired({ contactId, clock, items, activity, participants, sweepAt, timersSetAt }: TimersFiredWrite): Promise<void> {
    await transact(this.db, [
      this.claimClock(clock, contactId, {
        set: `activity = :activity, ${SWEEP_INDEX.sortKey} = :sweepAt`,
        values: { ':activity': activity, ':sweepAt': sweepAt, ':timersSetAt': timersSetAt ?? 0 },
        condition: 'timersSetAt = :timersSetAt',
      }),
      ...(participants ? [this.updateActiveContact(contactId, 'SET participants = :participants', { ':participants': participants })] : []),
      ...items.map((item) => this.putItem(contactId, item)),
    ]);
  }

  async rescheduleChat(session: Pick<ChatSession, 'initialContactId' | 'sweepAt' | 'lastItemAt' | 'timersSetAt'>, sweepAt: number): Promise<void> {
    // When the chat moved on meanwhile, nothing: it stays due, and is read again.
    await this.updateSession(session.initialContactId, {
      UpdateExpression: 'SET #at = :next',
      ConditionExpression: '#state = :active AND #at = :seen AND lastItemAt = :last AND timersSetAt = :timersSetAt',
      ExpressionAttributeNames: { ...STATE, '#at': SWEEP_INDEX.sortKey },
      ExpressionAttributeValues: {
        ':next': sweepAt,
        ':seen': session.sweepAt ?? 0,
        ':last': session.lastItemAt ?? 0,
        ':timersSetAt': session.timersSetAt ?? 0,
        ':active': 'ACTIVE',
      },
    });
  }

  async replaceAttributes(initialContactId: string, attributes: Record<string, string>, expectedVersion: number, now: number) {
    const updated = await this.updateSession(initialContactId, {
      UpdateExpression: 'SET attributes = :attributes, attributesVersion = :next, attributesUpdatedAt = :now',
      ConditionExpression: 'attributesVersion = :expected',
      ExpressionAttributeValues: { ':attributes': attributes, ':next': expectedVersion + 1, ':expected': expectedVersion, ':now': now },
    });
    if (!updated) throw new WriteConflict('stale');
  }

  /** A conditional update of a chat's session: false when its condition did not hold. */
  private async updateSession(initialContactId: string, update: Omit<UpdateCommandInput, 'TableName' | 'Key'>): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.tableName, Key: keys.session(initialContactId), ...update }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private put(item: object, conflict: ConflictReason): Step {
    return { item: { Put: { TableName: this.tableName, Item: item as Record<string, unknown>, ConditionExpression: notExists } }, conflict };
  }

  private putItem(contactId: string, item: TranscriptItem): Step {
    const stored: StoredItem = item.Type === 'MESSAGE' ? { ...item, receipts: {} } : item;
    return this.put(withKey(keys.item(contactId, item.Id), stored), 'already-exists');
  }

  /** A grant, and its note beside the chat's session (both expire with the grant). */
  private grantSteps({ tokenHash, grant }: { tokenHash: string; grant: TokenGrant }): Step[] {
    const key = keys.grant(tokenHash);
    const expires = Math.ceil(grant.expiresAt / 1000);
    return [this.put({ ...withKey(key, grant), [TTL_ATTRIBUTE]: expires }, 'already-exists'), this.ownedStep(grant.initialContactId, key, expires)];
  }

  /**
   * An idempotency record of a call on the chat `initialContactId`. One kept in the chat's partition
   * (a participant's call) is found there by erasure; one in a partition of its own gets a note beside
   * the chat's session.
   */
  private idempotencySteps(record: IdempotencyRecord | undefined, initialContactId: string): Step[] {
    if (!record) return [];
    if (record.initialContactId !== undefined && record.initialContactId !== initialContactId) {
      throw new Error(`idempotency record of chat ${record.initialContactId} written with chat ${initialContactId}`);
    }
    const key = keys.idempotency(record);
    const expires = Math.ceil(record.expiresAt / 1000);
    const put = this.put({ ...withKey(key, record), [TTL_ATTRIBUTE]: expires }, 'idempotency-token-used');
    return record.initialContactId === undefined ? [put, this.ownedStep(initialContactId, key, expires)] : [put];
  }

  /** Notes in the chat's partition that the record at `key` belongs to the chat (erasure finds it there); expiring with it, if it does. */
  private ownedStep(initialContactId: string, key: { pk: string; sk: string }, expires?: number): Step {
    const item = { ...keys.owned(initialContactId, key), owned: key, ...(expires !== undefined && { [TTL_ATTRIBUTE]: expires }) };
    return { item: { Put: { TableName: this.tableName, Item: item } }, conflict: 'already-exists' };
  }

  /**
   * The customer's line moves on to the chat just started: a first chat only while the customer has no
   * line, a later one only while the line is not being erased.
   */
  private customerLineStep(contact: Contact, first: boolean): Step {
    const key = keys.customerLine(contact.instanceId, contact.customerId!);
    if (first) {
      const line: CustomerLine = {
        instanceId: contact.instanceId,
        customerId: contact.customerId!,
        latestInitialContactId: contact.initialContactId,
      };
      return this.put(withKey(key, line), 'line-exists');
    }
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: key,
          // Written whole: a line kept from before the index existed joins it here.
          UpdateExpression: 'SET latestInitialContactId = :chat, instanceId = :instance, customerId = :customer',
          ConditionExpression: 'attribute_not_exists(erasure)',
          ExpressionAttributeValues: { ':chat': contact.initialContactId, ':instance': contact.instanceId, ':customer': contact.customerId },
        },
      },
      conflict: 'line-erasing',
    };
  }

  /**
   * Moves the chat's item clock (and makes any other change to the session), holding only while
   * `contactId` is the chat's active contact and no item newer than the write's first has been
   * accepted. It goes first in every transaction that adds items, so its refusal is the one reported.
   */
  private claimClock(
    clock: ItemClockClaim,
    contactId: string,
    change: { set?: string; values?: Record<string, unknown>; remove?: string[]; condition?: string } = {},
  ): Step {
    const { set, values = {}, remove, condition } = change;
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.session(clock.initialContactId),
          UpdateExpression: `SET lastItemAt = :last, contactItems = :items${set ? `, ${set}` : ''}${remove ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: `#state = :active AND latestContactId = :contact AND (attribute_not_exists(lastItemAt) OR lastItemAt < :first)${condition ? ` AND ${condition}` : ''}`,
          ExpressionAttributeNames: STATE,
          ExpressionAttributeValues: {
            ...values,
            ':active': 'ACTIVE',
            ':contact': contactId,
            ':first': clock.first,
            ':last': clock.last,
            ':items': clock.contactItems,
          },
        },
      },
      conflict: 'stale',
    };
  }

  private updateActiveContact(contactId: string, update: string, values: Record<string, unknown>, names: Record<string, string> = {}): Step {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.contact(contactId),
          UpdateExpression: update,
          ConditionExpression: '#state = :active',
          ExpressionAttributeNames: { ...STATE, ...names },
          ExpressionAttributeValues: { ...values, ':active': 'ACTIVE' },
        },
      },
      conflict: 'contact-not-active',
    };
  }

  /** Ends a contact; its archive is due from then on (in the sweep index until `archiveFinished`). */
  private endContact(contactId: string, now: number, how: { next?: ContactRef; reason?: string; participants: unknown[] }): Step {
    const sets = [
      '#state = :ended',
      'disconnectTimestamp = :now',
      'lastUpdateTimestamp = :now',
      'participants = :participants',
      '#shard = :shard',
      '#at = :now',
    ];
    const values: Record<string, unknown> = {
      ':ended': 'ENDED',
      ':now': now,
      ':participants': how.participants,
      ':shard': sweepShard('ARCHIVE', contactId),
    };
    if (how.next) {
      sets.push('nextContactId = :next', 'lineNext = :lineNext');
      values[':next'] = how.next.contactId;
      values[':lineNext'] = how.next;
    }
    if (how.reason) {
      sets.push('disconnectReason = :reason');
      values[':reason'] = how.reason;
    }
    // An ended contact waits in no queue.
    return this.updateActiveContact(contactId, `SET ${sets.join(', ')} REMOVE #queue`, values, {
      '#shard': SWEEP_INDEX.partitionKey,
      '#at': SWEEP_INDEX.sortKey,
      '#queue': QUEUE_INDEX.partitionKey,
    });
  }

  /** One atomic write; a failed condition becomes the WriteConflict of the first step that failed. */
}

/** A record's keys in the sweep index, due at `at`; none when it has no due time. */
const sweepKeys = (kind: SweepKind, id: string, at: number | undefined) =>
  at === undefined ? {} : { [SWEEP_INDEX.partitionKey]: sweepShard(kind, id), [SWEEP_INDEX.sortKey]: at };

/** Receipts back into Amazon Connect's MessageMetadata shape. */
function fromStoredItem({ receipts, ...item }: StoredItem): TranscriptItem {
  if (!receipts || !Object.keys(receipts).length) return item;
  const byRecipient = new Map<string, Receipt>();
  for (const [key, time] of Object.entries(receipts)) {
    const [recipient, kind] = key.split('#') as [string, string];
    const receipt = byRecipient.get(recipient) ?? { RecipientParticipantId: recipient };
    if (kind === 'delivered') receipt.DeliveredTimestamp = time;
    else receipt.ReadTimestamp = time;
    byRecipient.set(recipient, receipt);
  }
  return { ...item, MessageMetadata: { MessageId: item.Id, Receipts: [...byRecipient.values()] } };
}
