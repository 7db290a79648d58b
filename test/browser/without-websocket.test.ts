import type { Page } from 'playwright-core';
import { agentJoins, browserTestbed, screenshot } from '../support/browser';

/**
 * The customer's page against a service without a WebSocket API (the stack's `-c websocket=false`, the
 * local server's `websocket: false`): CreateParticipantConnection returns no WebSocket URL, and the page
 * polls, sending and receiving as usual, without asking for a URL again and again.
 */
const bed = browserTestbed({ websocket: false });
const t = () => bed.server();

const inLog = (page: Page, text: string, timeout = 5000) => page.getByRole('log').getByText(text, { exact: true }).waitFor({ timeout });

test('without a WebSocket API the page sends, and shows replies by polling', async () => {
  const page = await (await bed.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  const sockets: string[] = [];
  page.on('websocket', (socket) => sockets.push(socket.url()));
  const connectionCalls: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/participant/connection')) connectionCalls.push(request.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto(t().server.url);
  await page.getByLabel('Your name').fill('Ada');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="contact-id"]')?.textContent?.length);
  const contactId = (await page.getByTestId('contact-id').textContent())!;
  await page.getByLabel('Message').fill('Is anyone there?');
  await page.getByLabel('Message').press('Enter');
  await inLog(page, 'Is anyone there?');

  const agent = await agentJoins(t().connect, t(), contactId, 'Sam');
  await agent.say('Yes, Sam here.');
  await inLog(page, 'Yes, Sam here.', 3000); // the page polls every second
  await page.getByLabel('Message').fill('Great, thanks');
  await page.getByLabel('Message').press('Enter');
  await inLog(page, 'Great, thanks');
  await agent.say('You are welcome.');
  await inLog(page, 'You are welcome.', 3000);
  agent.close();
  await screenshot(page, 'without-websocket');

  expect(sockets).toEqual([]);
  expect(connectionCalls).toHaveLength(1);
  expect(errors).toEqual([]);
});
