import type { Page } from 'playwright-core';
import { accessibilityViolations, browserTestbed, screenshot } from '../support/browser';

/** The agent desk (`/agent`): two agents signed in through the local provider's page, and a customer on hers. */
const bed = browserTestbed();

async function open(path: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await (await bed.newContext({ viewport })).newPage();
  await page.goto(`${bed.server().server.url}${path}`);
  return page;
}

const inLog = (scope: Page | ReturnType<Page['locator']>, text: string, timeout = 5000) =>
  scope.getByRole('log').getByText(text, { exact: true }).first().waitFor({ timeout });

async function signIn(username: string, queues: string): Promise<Page> {
  const desk = await open('/agent');
  await desk.getByRole('button', { name: 'Sign in' }).waitFor();
  expect(await accessibilityViolations(desk)).toEqual([]);
  await desk.getByRole('button', { name: 'Sign in' }).click();
  await desk.getByLabel('Username').fill(username);
  await desk.getByLabel('Queues').fill(queues);
  await desk.getByRole('button', { name: 'Sign in' }).click();
  await desk.getByRole('heading', { name: 'Waiting chats' }).waitFor();
  await desk.getByText(`Signed in as ${username}`).waitFor();
  return desk;
}

const waitingRow = (desk: Page, customer: string) =>
  desk.getByRole('list', { name: 'Waiting chats' }).getByRole('listitem').filter({ hasText: customer });
const chatPanel = (desk: Page, customer: string) => desk.getByRole('region', { name: customer });

test('two agents see a new chat, both press Accept, one gets it; it is transferred to the other, who reads the whole chat and ends it', async () => {
  const [ann, bob] = [await signIn('ann', 'support'), await signIn('bob', 'support, billing')];

  const customer = await open('/', { width: 390, height: 844 });
  await customer.getByLabel('Your name').fill('Linus');
  await customer.getByRole('button', { name: 'Start chat' }).click();
  await customer.getByLabel('Message').fill('Hi, can someone help with my bill?');
  await customer.getByLabel('Message').press('Enter');
  await inLog(customer, 'Hi, can someone help with my bill?');

  // Both desks list it within a second or so of the poll, with its queue and time waiting.
  for (const desk of [ann, bob]) await waitingRow(desk, 'Linus').getByText('queue support').waitFor({ timeout: 3000 });
  await screenshot(ann, 'desk-01-waiting');
  expect(await accessibilityViolations(ann)).toEqual([]);
  await Promise.all([ann, bob].map((desk) => waitingRow(desk, 'Linus').getByRole('button', { name: 'Accept' }).click()));
  const winners = await eventuallyOne([ann, bob], (desk) => chatPanel(desk, 'Linus').isVisible());
  const [winner, other] = winners === ann ? [ann, bob] : [bob, ann];
  const [winnerName, otherName] = winner === ann ? ['ann', 'bob'] : ['bob', 'ann'];
  await other
    .getByRole('status')
    .getByText(/Linus's chat (was taken by another agent|is no longer waiting)/)
    .waitFor({ timeout: 3000 });
  await waitingRow(other, 'Linus').waitFor({ state: 'detached', timeout: 3000 });
  expect(await chatPanel(other, 'Linus').count()).toBe(0);
  await screenshot(other, 'desk-02-taken-by-the-other');
  expect(await accessibilityViolations(other)).toEqual([]);

  const chat = chatPanel(winner, 'Linus');
  await inLog(chat, 'Hi, can someone help with my bill?');
  await chat.getByLabel('Message').fill('Hello Linus, let me look.');
  await customer.getByRole('status').getByText(`${winnerName} is typing…`).waitFor({ timeout: 3000 });
  await chat.getByLabel('Message').press('Enter');
  await inLog(customer, 'Hello Linus, let me look.', 3000);
  await screenshot(winner, 'desk-03-accepted-and-replied');
  expect(await accessibilityViolations(winner)).toEqual([]);

  // To the other agent: reserved for it.
  await chat.getByLabel('Transfer to').selectOption('agent');
  await chat.getByLabel('Queue or agent').fill(otherName);
  await chat.getByRole('button', { name: 'Transfer' }).click();
  await winner.getByRole('status').getByText(`Transferred Linus's chat to agent ${otherName}.`).waitFor();
  await waitingRow(other, 'Linus').getByText('reserved for you').waitFor({ timeout: 3000 });
  await waitingRow(other, 'Linus').getByRole('button', { name: 'Accept' }).click();
  const second = chatPanel(other, 'Linus');
  await inLog(second, 'Hi, can someone help with my bill?');
  await inLog(second, 'Hello Linus, let me look.');
  await second.getByRole('button', { name: 'End chat' }).click();
  await other.getByRole('status').getByText('You ended the chat with Linus.').waitFor();
  await customer.getByRole('heading', { name: /This chat has ended/ }).waitFor({ timeout: 3000 });
  await screenshot(other, 'desk-04-transferred-and-ended');
});

test('with its socket open the desk reads the waiting list when told, not every second; a new chat still shows at once', async () => {
  const cy = await signIn('cy', 'support');
  const reads: number[] = [];
  cy.on('request', (request) => {
    if (request.url().endsWith('/agent-api/waiting')) reads.push(Date.now());
  });
  // Time for the socket to open (its catch-up read included); without it the desk reads every second.
  await cy.waitForTimeout(2500);
  const quietFrom = reads.length;
  await cy.waitForTimeout(3000);
  expect(reads.length - quietFrom).toBe(0);

  const customer = await open('/', { width: 390, height: 844 });
  await customer.getByLabel('Your name').fill('Margaret');
  await customer.getByRole('button', { name: 'Start chat' }).click();
  const started = Date.now();
  await waitingRow(cy, 'Margaret').waitFor({ timeout: 2000 });
  expect(reads.filter((at) => at >= started).length).toBeGreaterThanOrEqual(1);
  expect(Date.now() - started).toBeLessThan(2000);
});

test('a returning customer is offered first to her last agent, who pages back through both earlier chats with "Load earlier messages"', async () => {
  const [dee, eve] = [await signIn('dee', 'support'), await signIn('eve', 'support')];
  const customer = await open('/', { width: 390, height: 844 });
  await customer.getByLabel('Your name').fill('Ada');
  await customer.getByRole('button', { name: 'Start chat' }).click();
  const visits = ['first', 'second', 'third'];
  for (const [n, visit] of visits.entries()) {
    if (n > 0) await customer.getByRole('button', { name: 'Continue chat' }).click();
    for (const line of ['Hello', `My ${visit} question`, 'Are you there?']) {
      await customer.getByLabel('Message').fill(line);
      await customer.getByLabel('Message').press('Enter');
      await inLog(customer, line);
    }
    const row = waitingRow(dee, 'Ada');
    if (n > 0) {
      // Continued: held for dee, who served the line last, and not shown to eve meanwhile.
      await row.getByText('reserved for you').waitFor({ timeout: 3000 });
      await eve.waitForTimeout(1500);
      expect(await waitingRow(eve, 'Ada').count()).toBe(0);
      if (n === 1) await screenshot(dee, 'desk-05-continued-chat-reserved-for-the-last-agent');
    }
    await row.getByRole('button', { name: 'Accept' }).click();
    const chat = chatPanel(dee, 'Ada');
    await inLog(chat, `My ${visit} question`);
    if (n === visits.length - 1) break;
    await chat.getByLabel('Message').fill(`Answer to the ${visit} question`);
    await chat.getByLabel('Message').press('Enter');
    await inLog(customer, `Answer to the ${visit} question`, 3000);
    await chat.getByRole('button', { name: 'End chat' }).click();
    await customer.getByRole('heading', { name: /This chat has ended/ }).waitFor({ timeout: 3000 });
  }

  // The accepted chat shows its own messages; the two earlier chats are a click (or more) away.
  const chat = chatPanel(dee, 'Ada');
  const earlier = chat.getByRole('button', { name: 'Load earlier messages' });
  await earlier.waitFor();
  expect(await chat.getByRole('log').getByText('My first question', { exact: true }).count()).toBe(0);
  let clicks = 0;
  while (await earlier.isVisible()) {
    await earlier.click();
    clicks++;
    await dee.waitForFunction(() => !document.querySelector<HTMLButtonElement>('.desk-chat button.earlier')?.disabled);
    if (clicks > 20) throw new Error('"Load earlier messages" never goes away');
  }
  expect(clicks).toBeGreaterThan(1);
  for (const text of ['My first question', 'Answer to the first question', 'My second question', 'Answer to the second question'])
    await inLog(chat, text);
  await screenshot(dee, 'desk-06-earlier-chats-loaded');
  expect(await accessibilityViolations(dee)).toEqual([]);
});

/** The one page for which `check` comes true, waiting for it; fails when both or neither do. */
async function eventuallyOne(pages: Page[], check: (page: Page) => Promise<boolean>): Promise<Page> {
  for (let tries = 0; tries < 100; tries++) {
    const results = await Promise.all(pages.map(check));
    if (results.filter(Boolean).length > 1) throw new Error('both agents got the chat');
    const index = results.indexOf(true);
    if (index >= 0) return pages[index]!;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no agent got the chat');
}
