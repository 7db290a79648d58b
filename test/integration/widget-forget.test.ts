import { DescribeContactCommand } from '@aws-sdk/client-connect';
import { CreateParticipantConnectionCommand, GetTranscriptCommand } from '@aws-sdk/client-connectparticipant';
import { leave, say } from '../support/chat';
import { FrameClient } from '../support/websocket';
import { startTestServer, type TestServer } from '../support/local-server';
import { tokenPayload, widgetCalls } from '../support/widget';

/**
 * `POST /widget/forget`: a browser on a shared device forgets its chat, and the service stops honouring
 * that line's resume tokens. Its own server: the widget routes' per-client throttle is shared by a file.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});
const { widget, forget, chat, connect } = widgetCalls(() => t);

describe('forgetting a chat (POST /widget/forget)', () => {
  test('kills every resume token of the line, older and newer, wherever it enters the line', async () => {
    const visit1 = await chat({ DisplayName: 'Shared PC' });
    await leave(t, await connect(visit1));
    const visit2 = await chat({ ResumeToken: visit1.ResumeToken });
    await leave(t, await connect(visit2));
    const bystander = await chat({ DisplayName: 'Someone else' });

    expect(await forget({ ResumeToken: visit1.ResumeToken })).toMatchObject({ status: 200, errorType: null }); // the older token forgets the newer chat too
    for (const token of [visit1.ResumeToken, visit2.ResumeToken]) {
      expect(await widget({ ResumeToken: token })).toMatchObject({ status: 403, errorType: 'AccessDeniedException' });
    }
    expect(await forget({ ResumeToken: visit2.ResumeToken })).toMatchObject({ status: 200, errorType: null }); // forgetting again is no error
    expect((await chat({ ResumeToken: bystander.ResumeToken })).ContactId).toBe(bystander.ContactId); // another line is untouched
    expect((await chat({ DisplayName: 'Shared PC' })).ContinuedFromContactId).toBeUndefined(); // a fresh start still works
  });

  test("kills the line's customer credentials from before, copies included, and ends a chat still going on", async () => {
    const past = await chat({ DisplayName: 'Shared PC' });
    const pastConnection = await connect(past);
    await leave(t, await connect(past));
    const current = await chat({ ResumeToken: past.ResumeToken });
    const connection = await connect(current);
    // What a copy of the browser's storage would hold: the participant token, a connection token, a WebSocket URL.
    const { Websocket } = await t.participant.send(
      new CreateParticipantConnectionCommand({ ParticipantToken: current.ParticipantToken, Type: ['WEBSOCKET'] }),
    );
    await say(t, connection, 'before forgetting');

    expect(await forget({ ResumeToken: current.ResumeToken })).toMatchObject({ status: 200 });
    const refused = async (call: Promise<unknown>) =>
      call.then(
        () => 'accepted',
        (error: { name: string }) => error.name,
      );
    expect(
      await refused(
        t.participant.send(new CreateParticipantConnectionCommand({ ParticipantToken: current.ParticipantToken, Type: ['CONNECTION_CREDENTIALS'] })),
      ),
    ).toBe('AccessDeniedException');
    for (const token of [connection.connectionToken, pastConnection.connectionToken]) {
      expect(await refused(t.participant.send(new GetTranscriptCommand({ ConnectionToken: token })))).toBe('AccessDeniedException');
    }
    expect(await refused(say(t, connection, 'after forgetting'))).toBe('AccessDeniedException');
    await expect(FrameClient.open(Websocket!.Url!)).rejects.toThrow('refused: 403');
    const ended = await t.connect.send(new DescribeContactCommand({ InstanceId: 'local', ContactId: current.ContactId }));
    expect(ended.Contact!.DisconnectTimestamp).toBeInstanceOf(Date);
    // The browser starts afresh, and that chat works.
    const fresh = await connect(await chat({ DisplayName: 'Shared PC' }));
    await say(t, fresh, 'a new start');
  });

  test('refuses a missing, malformed or forged token, and forgets nothing then', async () => {
    const kept = await chat({ DisplayName: 'Kept' });
    const [, keyId, signature] = kept.ResumeToken.split('.') as [string, string, string];
    const forged = `${Buffer.from(JSON.stringify({ ...tokenPayload(kept.ResumeToken), x: tokenPayload(kept.ResumeToken).x + 1 })).toString('base64url')}.${keyId}.${signature}`;
    expect(await forget({})).toMatchObject({ status: 400, errorType: 'ValidationException' });
    expect(await forget({ ResumeToken: 'not a token' })).toMatchObject({ status: 400, errorType: 'ValidationException' });
    expect(await forget({ ResumeToken: forged })).toMatchObject({ status: 403, errorType: 'AccessDeniedException' });
    expect((await chat({ ResumeToken: kept.ResumeToken })).ContactId).toBe(kept.ContactId);
  });
});
