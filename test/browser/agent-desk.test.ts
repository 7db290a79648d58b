import type { Page } from 'playwright-core';
import { browserTestbed, screenshot } from '../support/browser';

/** The local agent desk (`/agent`) and the customer's page, side by side: one person trying both sides. */
const bed = browserTestbed();

async function open(path: string, viewport: { width: number; height: number }): Promise<Page> {
  const page = await (await bed.newContext({ viewport })).newPage();
  await page.goto(`${bed.server().server.url}${path}`);
  return page;
}

const inLog = (page: Page, text: string, timeout = 5000) => page.getByRole('log').getByText(text, { exact: true }).waitFor({ timeout });
const contactIdOf = (page: Page) => page.getByTestId('contact-id').textContent() as Promise<string>;

async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message').fill(text);
  await page.getByLabel('Message').press('Enter');
  await inLog(page, text);
}

async function join(agent: Page, contactId: string): Promise<void> {
  await agent.getByLabel('Contact ID').fill(contactId);
  await agent.getByRole('button', { name: 'Join chat' }).click();
  await agent.getByLabel('Message').waitFor();
}

test('an agent joins by ContactId, replies, transfers with and without a queue, and ends the chat', async () => {
  const customer = await open('/', { width: 390, height: 844 });
  await customer.getByLabel('Your name').fill('Linus');
  await customer.getByRole('button', { name: 'Start chat' }).click();
  await customer.getByLabel('Message').waitFor();
  await say(customer, 'Hi, can someone help with my bill?');
  const first = await contactIdOf(customer);

  const agent = await open('/agent', { width: 1024, height: 720 });
  await agent.getByLabel('Contact ID').fill('no-such-contact');
  await agent.getByRole('button', { name: 'Join chat' }).click();
  await agent.getByRole('alert').getByText('There is no chat with Contact ID no-such-contact.').waitFor();

  await agent.getByLabel('Your name').fill('Sam');
  await join(agent, first);
  await inLog(agent, 'Hi, can someone help with my bill?');
  // The customer sees the agent typing, pushed over the WebSocket, before the reply comes.
  await agent.getByLabel('Message').fill('Hello Linus, let me get you to billing.');
  await customer.getByRole('status').getByText('Sam is typing…').waitFor({ timeout: 1000 });
  await agent.getByLabel('Message').press('Enter');
  await inLog(agent, 'Hello Linus, let me get you to billing.');
  await inLog(customer, 'Hello Linus, let me get you to billing.', 2000);
  await inLog(customer, 'Sam joined the chat');
  await screenshot(agent, 'agent-01-joined-and-replied');

  await agent.getByLabel(/^Queue/).fill('billing');
  await agent.getByRole('button', { name: 'Transfer' }).click();
  await agent
    .getByRole('status')
    .getByText(/^Transferred to queue billing: the chat continues as contact /)
    .waitFor();
  const second = await agent.getByLabel('Contact ID').inputValue();
  expect(second).not.toBe(first);
  await inLog(customer, 'You have been transferred. Someone will be with you shortly.', 2000);
  await customer.waitForFunction((id) => document.querySelector('[data-testid="contact-id"]')?.textContent === id, second);
  await screenshot(agent, 'agent-02-transferred');

  await agent.getByLabel('Your name').fill('Bea from billing');
  await join(agent, second);
  // The new agent reads the chat from its start, before the transfer included.
  await inLog(agent, 'Hi, can someone help with my bill?');
  await inLog(agent, 'Hello Linus, let me get you to billing.');
  await say(agent, 'Billing here: your refund is on its way.');
  await inLog(customer, 'Billing here: your refund is on its way.', 2000);
  await say(customer, 'Great, thanks!');
  await inLog(agent, 'Great, thanks!', 2000);

  // Without a queue: a post-chat segment (a survey, say), still the same chat.
  await agent.getByRole('button', { name: 'Transfer' }).click();
  await agent
    .getByRole('status')
    .getByText(/^Transferred to a post-chat segment: the chat continues as contact /)
    .waitFor();
  const third = await agent.getByLabel('Contact ID').inputValue();
  await join(agent, third);
  await inLog(agent, 'Hi, can someone help with my bill?');
  await inLog(agent, 'Great, thanks!');
  await screenshot(customer, 'agent-03-customer-view-after-transfers');
  // A reload after the transfers shows the customer the whole chat, not just the newest segment.
  await customer.reload();
  await inLog(customer, 'Hi, can someone help with my bill?');
  await inLog(customer, 'Billing here: your refund is on its way.');

  await agent.getByRole('button', { name: 'End chat' }).click();
  await agent.getByRole('status').getByText('You ended the chat.').waitFor();
  await customer.getByRole('heading', { name: /This chat has ended/ }).waitFor({ timeout: 3000 });
  await inLog(customer, 'Chat ended');
  await screenshot(agent, 'agent-04-ended');
  await screenshot(customer, 'agent-05-customer-sees-end');
});
