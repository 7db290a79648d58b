import type { Page } from 'playwright-core';
import { agentJoins, browserTestbed, contactId, inLog, log, screenshot, send } from '../support/browser';

/**
 * The customer page with customer tokens (issue #15): signed in through the local demo sign-in (as a host
 * site's sign-in would hand the page its token), each browser a fresh context, against a local server
 * started with a customer-token secret.
 */
const SECRET = 'browser-test-customer-token-secret';
const bed = browserTestbed({ customerTokens: { secret: SECRET } });
const url = () => bed.server().server.url;

let customers = 0;
const newCustomerId = () => `browser-customer-${Date.now()}-${customers++}`;

/** A fresh browser (its own profile: nothing stored), phone-sized. */
const freshBrowser = async (): Promise<Page> => (await bed.newContext({ viewport: { width: 390, height: 844 } })).newPage();

/** The demo sign-in in a fresh browser: the chat page opens with the customer's token, welcoming them. */
async function signIn(name: string, customerId: string): Promise<Page> {
  const page = await freshBrowser();
  await page.goto(`${url()}/demo/sign-in`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Customer id').fill(customerId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: `Welcome, ${name}` }).waitFor();
  return page;
}

const earlier = (page: Page) => page.getByRole('log', { name: 'Earlier conversations' });
const earlierHeading = (page: Page) => page.getByRole('heading', { name: 'Earlier conversations', exact: true });
const remembered = (page: Page) => page.evaluate(() => localStorage.getItem('persistent-chat.remembered'));

test('the same customer on two fresh browsers has one line: a message from one shows in the other', async () => {
  const customer = newCustomerId();
  const laptop = await signIn('Ada', customer);
  // The token came in the fragment and is gone from the address; a new customer has nothing earlier.
  expect(new URL(laptop.url()).hash).toBe('');
  // "Start chat" once the page has read that this customer has no history ("Continue chat" until then).
  await laptop.getByRole('button', { name: 'Start chat' }).waitFor();
  expect(await laptop.getByRole('button', { name: 'Continue chat' }).isVisible()).toBe(false);
  expect(await earlierHeading(laptop).isVisible()).toBe(false);
  await laptop.getByRole('button', { name: 'Start chat' }).click();
  const chat = await contactId(laptop);
  await send(laptop, 'Hello from the laptop');

  const phone = await signIn('Ada', customer);
  await earlier(phone).getByText('Hello from the laptop', { exact: true }).waitFor();
  await screenshot(phone, 'identity-01-second-browser-welcome');
  await phone.getByRole('button', { name: 'Continue chat' }).click();
  expect(await contactId(phone)).toBe(chat);
  await inLog(phone, 'Hello from the laptop');
  await send(phone, 'And hello from the phone');
  await inLog(laptop, 'And hello from the phone');
  await screenshot(laptop, 'identity-02-laptop-sees-phone');

  // Signed in, the line is found by the host's token: no resume token is left in either browser.
  expect([await remembered(laptop), await remembered(phone)]).toEqual([null, null]);
});

test('after an ended chat, a returning customer sees "Earlier conversations", scrolls back through them, then continues', async () => {
  const customer = newCustomerId();
  const first = await signIn('Grace', customer);
  await first.getByRole('button', { name: 'Start chat' }).click();
  const ended = await contactId(first);
  await send(first, 'Where is my order 42?');
  const agent = await agentJoins(bed.server().connect, bed.server(), ended, 'Sam');
  // More than a page of the transcript (15 items), so the oldest are a "Load earlier messages" away.
  for (let n = 1; n <= 16; n++) await agent.say(`Update ${n} on order 42`);
  agent.close();
  await inLog(first, 'Update 16 on order 42');
  await first.getByRole('button', { name: 'End chat' }).click();
  await first.getByRole('heading', { name: /You ended the chat/ }).waitFor();

  const later = await signIn('Grace', customer);
  await earlierHeading(later).waitFor();
  await earlier(later).getByText('Update 16 on order 42', { exact: true }).waitFor();
  expect(await earlier(later).getByText('Where is my order 42?', { exact: true }).count()).toBe(0);
  expect(await later.getByTestId('contact-id').isVisible()).toBe(false); // nothing was started to show it
  const loadEarlier = later.getByRole('button', { name: 'Load earlier messages' });
  for (let clicks = 0; await loadEarlier.isVisible(); clicks++) {
    if (clicks > 10) throw new Error('"Load earlier messages" never goes away');
    await loadEarlier.click();
    await later.waitForFunction(() => !document.querySelector<HTMLButtonElement>('#earlier button.earlier')?.disabled);
  }
  await earlier(later).getByText('Where is my order 42?', { exact: true }).waitFor();
  expect(await earlier(later).getByRole('heading').allTextContents()).toEqual([expect.stringMatching(/^Earlier conversation · .*\d{4}$/)]);
  await screenshot(later, 'identity-03-earlier-conversations');

  await later.getByRole('button', { name: 'Continue chat' }).click();
  expect(await contactId(later)).not.toBe(ended);
  await send(later, 'Did it ship?');
  expect(await earlierHeading(later).isVisible()).toBe(false);
});

test('a signed-out page still works with resume tokens, and shows its earlier conversations too', async () => {
  const page = await freshBrowser();
  await page.goto(url());
  await page.getByRole('heading', { name: 'Hello! How can we help?' }).waitFor();
  expect(await earlierHeading(page).isVisible()).toBe(false);
  await page.getByLabel('Your name').fill('Lin');
  await page.getByRole('button', { name: 'Start chat' }).click();
  const first = await contactId(page);
  await send(page, 'Signed out, and still here');
  await page.getByRole('button', { name: 'End chat' }).click();
  await page.getByRole('heading', { name: /You ended the chat/ }).waitFor();
  expect(await remembered(page)).not.toBeNull();

  await page.reload();
  await page.getByRole('heading', { name: 'Welcome back, Lin' }).waitFor();
  await earlier(page).getByText('Signed out, and still here', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Continue chat' }).click();
  expect(await contactId(page)).not.toBe(first);
  await send(page, 'Back again');
  expect(await log(page).getByText('Back again', { exact: true }).count()).toBe(1);
});

test('the demo sign-in answers only its own page: a form posted from elsewhere is refused', async () => {
  const posted = await fetch(`${url()}/demo/sign-in`, {
    method: 'POST',
    headers: { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'name=Eve&customerId=ada',
    redirect: 'manual',
  });
  expect(posted.status).toBe(403);
  expect(posted.headers.get('location')).toBeNull();
});
