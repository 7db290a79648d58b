import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateParticipantCommand, type ConnectClient } from '@aws-sdk/client-connect';
import { CreateParticipantConnectionCommand, SendEventCommand, SendMessageCommand } from '@aws-sdk/client-connectparticipant';
import axe from 'axe-core';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { buildWeb } from '../../web/build';
import type { LocalServerOptions } from '../../local/server';
import { participantClient, startTestServer, type TestServer } from './local-server';

/** Debian's Chromium (`apt-get install chromium`), never a browser downloaded by a test tool. */
export const CHROMIUM = '/usr/bin/chromium';
/** The page's widget route starts chats in this instance (the local default). */
export const WIDGET_INSTANCE = 'local';
export const ARTIFACTS = join(__dirname, '..', 'artifacts', 'browser');

/**
 * The flags this machine needs: no sandbox (tests run as root), no GPU, and none of Chromium's own
 * background connections, which a closed network refuses. Playwright adds `--headless` itself when
 * asked, and starts every browser with a fresh temporary `--user-data-dir` of its own.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });

/** A local server on a free port serving freshly built pages, with the pages' build folder removed at stop. */
export async function startWebServer(options: Pick<LocalServerOptions, 'attachments' | 'websocket' | 'customerTokens'> = {}): Promise<TestServer> {
  const webDir = mkdtempSync(join(tmpdir(), 'persistent-chat-web-'));
  await buildWeb(join(__dirname, '..', '..', 'web'), webDir);
  const t = await startTestServer({ ...options, webDir });
  const stop = t.stop;
  t.stop = async () => {
    await stop();
    rmSync(webDir, { recursive: true, force: true });
  };
  return t;
}

/**
 * A browser test file's set-up: a local server with freshly built pages and Debian's Chromium, started
 * before the file's tests and stopped after them; the contexts (browser profiles) a test opens are closed
 * when that test ends.
 */
export function browserTestbed(options: Pick<LocalServerOptions, 'attachments' | 'websocket' | 'customerTokens'> = {}) {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  jest.setTimeout(60_000);
  beforeAll(async () => {
    [server, browser] = await Promise.all([startWebServer(options), launchChromium()]);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  return {
    server: (): TestServer => server!,
    async newContext(options: BrowserContextOptions): Promise<BrowserContext> {
      const context = await browser!.newContext(options);
      contexts.push(context);
      return context;
    },
  };
}

/** The customer page's conversation (the one log in view). */
export const log = (page: Page) => page.getByRole('log');
/** The ContactId in the page's small print, once a chat is open. */
export const contactId = async (page: Page) => {
  const shown = page.getByTestId('contact-id');
  await page.waitForFunction(() => document.querySelector('[data-testid="contact-id"]')?.textContent?.length);
  return (await shown.textContent())!;
};
export const inLog = (page: Page, text: string, timeout = 5000) => log(page).getByText(text, { exact: true }).waitFor({ timeout });

/** Types a message and sends it with Enter, as a person does; resolves once it shows in the log. */
export async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message').fill(text);
  await page.getByLabel('Message').press('Enter');
  await inLog(page, text);
}

/** The rules of WCAG 2.1 level AA (and of 2.0, which 2.1 includes), by axe-core's tags. */
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * What axe-core finds against WCAG 2.1 AA on the page as it shows now: one line per rule broken, with
 * the elements that break it, so a failing test names them. axe runs in the page, put there through the
 * browser's devtools protocol, which the page's Content-Security-Policy does not govern.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  const { violations } = await page.evaluate(
    (tags) => (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    WCAG_21_AA,
  );
  return violations.map(({ id, nodes }) => `${id}: ${nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

/** Saves what the page shows now as `test/artifacts/browser/<name>.png`, for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** An agent on the contact through the SDK, as an agent desktop would join: CreateParticipant, then a connection. */
export async function agentJoins(connect: ConnectClient, t: TestServer, contactId: string, name: string) {
  const participant = participantClient(t.server.url);
  const { ParticipantCredentials } = await connect.send(
    new CreateParticipantCommand({
      InstanceId: WIDGET_INSTANCE,
      ContactId: contactId,
      ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: name },
    }),
  );
  const { ConnectionCredentials } = await participant.send(
    new CreateParticipantConnectionCommand({ ParticipantToken: ParticipantCredentials!.ParticipantToken!, Type: ['CONNECTION_CREDENTIALS'] }),
  );
  const token = ConnectionCredentials!.ConnectionToken!;
  return {
    say: async (text: string) => {
      await participant.send(new SendMessageCommand({ ConnectionToken: token, ContentType: 'text/plain', Content: text }));
    },
    typing: async () => {
      await participant.send(new SendEventCommand({ ConnectionToken: token, ContentType: 'application/vnd.amazonaws.connect.event.typing' }));
    },
    close: () => participant.destroy(),
  };
}
