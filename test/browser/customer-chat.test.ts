import type { Page, WebSocketRoute } from 'playwright-core';
import { accessibilityViolations, agentJoins, browserTestbed, contactId, inLog, log, screenshot, send } from '../support/browser';

/** The customer's page in headless Chromium against the local server, with an agent on the SDK. */
const bed = browserTestbed();
const t = () => bed.server();

/** A phone-sized page (iPhone 12-14: 390 x 844 CSS pixels), in its own browser profile context. */
async function phone(): Promise<Page> {
  return (await bed.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true })).newPage();
}

/** A chat started through the widget route, as an earlier visit of this browser would have started it. */
const widgetChat = (name: string) =>
  fetch(`${t().server.url}/widget/chat`, { method: 'POST', body: JSON.stringify({ DisplayName: name }) }).then(
    (response) => response.json() as Promise<{ ResumeToken: string; ContactId: string }>,
  );

/** The page opened once, and the browser made to remember an earlier chat by this token (not yet shown). */
async function remember(page: Page, resumeToken: string, name: string): Promise<void> {
  await page.goto(t().server.url);
  await page.evaluate((remembered) => localStorage.setItem('persistent-chat.remembered', JSON.stringify(remembered)), { resumeToken, name });
}

test('start, talk, end, come back, continue, and page back to the first conversation', async () => {
  const page = await phone();
  await page.goto(t().server.url);
  await page.getByLabel('Your name').waitFor();
  await screenshot(page, '01-welcome');
  expect(await accessibilityViolations(page)).toEqual([]);

  await page.getByLabel('Your name').fill('Ada');
  await page.getByRole('button', { name: 'Start chat' }).click();
  const first = await contactId(page);
  await send(page, 'Hello, my parcel has not arrived');

  const agent = await agentJoins(t().connect, t(), first, 'Sam');
  const replies = [
    'Hi Ada, I am Sam.',
    'Sorry to hear that.',
    'Let me look that up.',
    'It left the depot yesterday.',
    'The courier had a flat tyre.',
    'It should arrive tomorrow.',
    'Here is the tracking link: example.com/track/42',
    'Anything else I can do?',
  ];
  for (const reply of replies) await agent.say(reply);
  const sent = Date.now();
  await inLog(page, replies.at(-1)!, 2000); // new messages from the other side show within 2 s
  const latency = Date.now() - sent;
  await inLog(page, 'Sam joined the chat');
  await send(page, 'No, that is all. Thanks!');
  agent.close();
  await screenshot(page, '02-agent-replied');
  expect(await accessibilityViolations(page)).toEqual([]);

  await page.getByRole('button', { name: 'End chat' }).click();
  await page.getByRole('heading', { name: /You ended the chat/ }).waitFor();
  await screenshot(page, '03-ended');
  expect(await accessibilityViolations(page)).toEqual([]);

  await page.reload();
  await page.getByRole('heading', { name: 'Welcome back, Ada' }).waitFor();
  expect(await page.getByRole('button', { name: 'Start chat' }).isVisible()).toBe(true);
  await screenshot(page, '04-reloaded-continue-offered');

  await page.getByRole('button', { name: 'Continue chat' }).click();
  const second = await contactId(page);
  expect(second).not.toBe(first);
  await send(page, 'Hello again, it arrived. Thank you!');
  // The newest page holds this chat and the end of the last one; the rest is one click (or more) away.
  const earlier = page.getByRole('button', { name: 'Load earlier messages' });
  await earlier.waitFor();
  expect(await log(page).getByText('Hello, my parcel has not arrived', { exact: true }).count()).toBe(0);
  await screenshot(page, '05-continued');
  expect(await accessibilityViolations(page)).toEqual([]);

  let clicks = 0;
  while (await earlier.isVisible()) {
    await earlier.click();
    clicks++;
    await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button.earlier')?.disabled);
    if (clicks > 20) throw new Error('"Load earlier messages" never goes away');
  }
  expect(clicks).toBeGreaterThan(0);
  await inLog(page, 'Hello, my parcel has not arrived');
  await inLog(page, 'Hi Ada, I am Sam.');
  const dividers = await log(page).getByRole('heading').allTextContents();
  expect(dividers).toHaveLength(2);
  expect(dividers[0]).toMatch(/^Earlier conversation · /);
  expect(dividers[1]).toMatch(/^This conversation · /);
  await page.getByText('Hello, my parcel has not arrived').scrollIntoViewIfNeeded();
  await screenshot(page, '06-first-conversation-loaded');
  expect(await accessibilityViolations(page)).toEqual([]);
  console.log(`agent reply shown after ${latency} ms; "Load earlier messages" clicked ${clicks} time(s)`);
});

test('replies and typing are pushed over the WebSocket with no polling; a dropped socket falls back to polling and reconnects', async () => {
  const page = await phone();
  // Every WebSocket of the page goes through this route, so the test can cut one as a network would.
  const sockets: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/websocket/, (socket) => {
    sockets.push(socket);
    socket.connectToServer();
  });
  const subscribed = () =>
    page
      .waitForEvent('websocket')
      .then((socket) => socket.waitForEvent('framereceived', { predicate: (frame) => String(frame.payload).includes('"status":"success"') }));
  const transcriptReads: number[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/participant/transcript')) transcriptReads.push(Date.now());
  });

  await page.goto(t().server.url);
  await page.getByLabel('Your name').fill('Lin');
  const firstSocket = subscribed();
  await page.getByRole('button', { name: 'Start chat' }).click();
  const contact = await contactId(page);
  await firstSocket;
  const agent = await agentJoins(t().connect, t(), contact, 'Sam');
  await inLog(page, 'Sam joined the chat'); // after the catch-up read that follows the subscription

  const readsBefore = transcriptReads.length;
  await agent.typing();
  await page.getByRole('status').getByText('Sam is typing…').waitFor({ timeout: 1000 });
  const sent = Date.now();
  await agent.say('Pushed, not polled.');
  await inLog(page, 'Pushed, not polled.', 1000);
  const latency = Date.now() - sent;
  await page.waitForTimeout(1500); // a second poll, if one were running, would have gone out by now
  expect(transcriptReads.length).toBe(readsBefore);
  await screenshot(page, '11-pushed-reply-and-typing');

  // The socket drops: the page polls again, and opens a new socket with a new URL.
  const secondSocket = subscribed();
  const dropped = Date.now();
  await sockets[0]!.close();
  await agent.say('Sent while the socket was down.');
  await inLog(page, 'Sent while the socket was down.', 3000);
  await secondSocket;
  expect(transcriptReads.some((at) => at > dropped)).toBe(true);
  expect(sockets).toHaveLength(2);
  await agent.say('Pushed again.');
  await inLog(page, 'Pushed again.', 1000);
  agent.close();
  console.log(`pushed agent reply shown after ${latency} ms`);
});

test('a reload mid-chat rejoins the same contact, and so does a second tab', async () => {
  const page = await phone();
  await page.goto(t().server.url);
  // Keyboard only: Tab to the name, type it, Enter starts the chat and puts focus in the message box.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('name');
  await page.keyboard.type('Grace');
  await page.keyboard.press('Enter');
  const contact = await contactId(page);
  await page.waitForFunction(() => document.activeElement?.id === 'message');
  await page.keyboard.type('Typed without a mouse');
  await page.keyboard.press('Enter');
  await inLog(page, 'Typed without a mouse');
  await page.keyboard.press('Tab'); // to Send: its focus ring must show
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Send');
  await screenshot(page, '07-keyboard-focus');

  await page.reload();
  expect(await contactId(page)).toBe(contact);
  await inLog(page, 'Typed without a mouse');
  await send(page, 'Still here after a reload');
  await screenshot(page, '08-reloaded-mid-chat');

  // A second tab shares localStorage, not this tab's connection: it rejoins through the resume token.
  const tab = await page.context().newPage();
  await tab.goto(t().server.url);
  await tab.getByRole('button', { name: 'Continue chat' }).click();
  expect(await contactId(tab)).toBe(contact);
  await send(tab, 'Hello from a second tab');
  await inLog(page, 'Hello from a second tab', 2000);
  await screenshot(tab, '09-second-tab');
});

test('a forged resume token is refused, shown in plain words, and forgotten', async () => {
  // A real token for a real chat, with the contact it names swapped: the signature no longer matches.
  const real = await widgetChat('Victim');
  const [body, keyId, signature] = real.ResumeToken.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { c: string };
  payload.c = 'someone-elses-contact';
  const forged = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${keyId}.${signature}`;

  const page = await phone();
  await remember(page, forged, 'Mallory');
  await page.reload();
  await page.getByRole('button', { name: 'Continue chat' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  expect(await alert.textContent()).toMatch(/couldn't continue your earlier chat/);
  expect(await page.getByTestId('contact-id').isVisible()).toBe(false);
  expect(await page.getByRole('button', { name: 'Continue chat' }).isVisible()).toBe(false);
  expect(await page.evaluate(() => localStorage.getItem('persistent-chat.remembered'))).toBeNull();
  await screenshot(page, '10-forged-token-refused');
  expect(await accessibilityViolations(page)).toEqual([]);
});

test('a link naming another API is ignored: the resume token goes only to this service', async () => {
  const real = await widgetChat('Ada');
  const page = await phone();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await remember(page, real.ResumeToken, 'Ada');
  await page.goto(`${t().server.url}/?api=${encodeURIComponent('http://127.0.0.1:9/v1')}`);
  await page.getByRole('button', { name: 'Continue chat' }).click();
  expect(await contactId(page)).toBe(real.ContactId);
  const origin = new URL(t().server.url).origin;
  expect(requested.filter((url) => !url.startsWith(origin) && !url.startsWith(origin.replace(/^http/, 'ws')))).toEqual([]);
  expect(requested.some((url) => url.startsWith(`${origin}/widget/chat`))).toBe(true);
});

test('on a shared device the earlier chat can be forgotten: no more "Continue chat", nothing kept, the token dead', async () => {
  const real = await widgetChat('Ada');
  const page = await phone();
  await remember(page, real.ResumeToken, 'Ada');
  await page.reload();
  await page.getByRole('heading', { name: 'Welcome back, Ada' }).waitFor();
  const forgotten = page.waitForResponse((response) => response.url().endsWith('/widget/forget'));
  await page.getByRole('button', { name: /Forget the earlier chat/ }).click();
  expect((await forgotten).status()).toBe(200);
  // The service no longer honours the token either: a copy of it opens nothing.
  const reuse = await fetch(`${t().server.url}/widget/chat`, { method: 'POST', body: JSON.stringify({ ResumeToken: real.ResumeToken }) });
  expect(reuse.status).toBe(403);
  await page.getByRole('heading', { name: 'Hello! How can we help?' }).waitFor();
  expect(await page.getByRole('button', { name: 'Continue chat' }).isVisible()).toBe(false);
  expect(await page.getByRole('button', { name: /Forget the earlier chat/ }).isVisible()).toBe(false);
  expect(await page.getByLabel('Your name').inputValue()).toBe('');
  expect(await page.evaluate(() => localStorage.getItem('persistent-chat.remembered'))).toBeNull();
  await page.reload();
  await page.getByRole('heading', { name: 'Hello! How can we help?' }).waitFor();
  await screenshot(page, '12-forgotten');
});

test('without a customer-token secret there is no demo sign-in page', async () => {
  const answer = await fetch(`${t().server.url}/demo/sign-in`);
  expect(answer.status).toBe(404);
});
