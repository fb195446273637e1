/**
 * The web console end to end: a real gateway with a seeded registry and the CRVS sandbox (whose
 * import leaves items to review), the console built from its sources, and headless Chromium signing
 * in with gateway tokens. Screenshots of each page go to test-output/console/.
 */
import type { Browser } from 'playwright-core';
import { disclosureRecorder } from '../../src/audit/disclosures';
import { buildConsole } from '../../src/console/build';
import { everything, startCrvsWorld, waitFor, CrvsWorld } from '../crvs/world';
import { launchChromium, openSession, Session } from './browser';

/** What the tests read in the page (the test files are compiled without the DOM library). */
interface Window {
  sessionStorage: { length: number };
  localStorage: { length: number };
  document: { cookie: string };
}
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}

const ADMIN = ['registry:read', 'registry:write', 'registry:pii', 'partners:admin', 'audit:read'];
const READ_ONLY = ['registry:read'];

let w: CrvsWorld;
let browser: Browser;
const ok = (res: { body: { data?: any; errors?: unknown } }) => {
  if (res.body.errors || !res.body.data) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data;
};
const token = (scopes: string[]) => w.gateway.tokens.issue({ subject: 'console-operator', scopes: scopes as never, kind: 'user', ttlSeconds: 600 });

beforeAll(async () => {
  await buildConsole();
  browser = await launchChromium();
  w = await startCrvsWorld();
  const started = ok(await w.gql(`mutation ($from: Date!, $to: Date!) { startCrvsImport(from: $from, to: $to) { id } }`, everything())).startCrvsImport;
  await waitFor(async () => ok(await w.gql(`query ($id: ID!) { crvsImport(id: $id) { state } }`, { id: started.id })).crvsImport.state === 'done', 120_000);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await w?.stop();
});

describe('web console', () => {
  let admin: Session;

  async function signIn(session: Session, scopes: string[]) {
    await session.page.goto(`${w.gateway.url}/console/`);
    await session.page.getByLabel('Gateway token').fill(await token(scopes));
    await session.page.getByRole('button', { name: 'Sign in' }).click();
    await session.page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  beforeAll(async () => {
    admin = await openSession(browser);
    await signIn(admin, ADMIN);
  });

  afterEach(() => {
    // Every page stayed on loopback, ran without script errors and within its Content-Security-Policy.
    expect(admin.problems).toEqual([]);
  });

  it('serves static assets under a strict Content-Security-Policy, and no data without a token', async () => {
    const page = await fetch(`${w.gateway.url}/console/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe');
    expect(await page.text()).not.toMatch(/<script>|<script(?![^>]*\bsrc=)/);
    expect((await fetch(`${w.gateway.url}/console/console.js`)).status).toBe(200);
    const anonymous = await fetch(`${w.gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ registryStats { total } }"}' });
    expect(anonymous.status).toBe(401);
  });

  it('refuses a token the gateway did not issue, and keeps a good one in sessionStorage only', async () => {
    const stranger = await openSession(browser);
    try {
      await stranger.page.goto(`${w.gateway.url}/console/`);
      await stranger.page.getByLabel('Gateway token').fill('eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln');
      await stranger.page.getByRole('button', { name: 'Sign in' }).click();
      await stranger.page.getByRole('alert').filter({ hasText: 'The gateway refused this token: invalid or expired token (UNAUTHENTICATED)' }).waitFor();
      expect(await stranger.page.evaluate(() => (globalThis as unknown as Window).sessionStorage.length)).toBe(0);
      await stranger.screenshot('sign-in-refused');
    } finally {
      await stranger.close();
    }
    const stored = await admin.page.evaluate(() => {
      const window = globalThis as unknown as Window;
      return { session: Object.keys(window.sessionStorage), local: window.localStorage.length, cookies: window.document.cookie };
    });
    expect(stored).toEqual({ session: ['dci-gateway.token'], local: 0, cookies: '' });
  });

  it('shows the registry overview as charts with the registry counts', async () => {
    const stats = ok(await w.gql('{ registryStats { total byArea { key count } } }')).registryStats;
    await admin.page.goto(`${w.gateway.url}/console/#/overview`);
    await admin.page.getByTestId('total').filter({ hasText: String(stats.total) }).waitFor();
    const chart = admin.page.getByTestId('chart-area');
    await chart.locator('canvas').waitFor();
    // Chart.js drew on the canvas: some pixels are not blank.
    const painted = await chart.locator('canvas').evaluate((canvas: Canvas) => {
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) count++;
      return count;
    });
    expect(painted).toBeGreaterThan(1000);
    await chart.getByText('Figures').click();
    const figures = await chart.locator('tbody tr').allInnerTexts();
    expect(figures.map((row) => row.replace(/\s+/g, ' ').trim())).toEqual(stats.byArea.map((c: { key: string; count: number }) => `${c.key} ${c.count}`));
    await admin.screenshot('overview');
  });

  let person: { id: string; name: { given: string; family: string }; birthDate: string };

  it('finds registrants by name and opens one, with household, identifiers and partner data, and the household', async () => {
    const found = ok(await w.gql('{ individuals(first: 1, filter: { status: active, sex: female }) { edges { node { id name { given family } birthDate } } } }')).individuals.edges[0].node;
    person = found;
    await admin.page.goto(`${w.gateway.url}/console/#/people`);
    await admin.page.getByLabel('Name starts with').fill(person.name.family.slice(0, 4));
    await admin.page.getByRole('button', { name: 'Search' }).click();
    const link = admin.page.getByTestId('results').getByRole('link', { name: `${person.name.given} ${person.name.family}` });
    await link.first().waitFor();
    await admin.screenshot('search');

    // Twenty-one messages to a partner showed this person: the page lists 20 of them, the next page the last.
    const recorder = disclosureRecorder(w.gateway.models);
    for (let i = 0; i < 21; i++) {
      const message = { partner: 'spmis.example.org', messageId: `console-msg-${i}`, transactionId: `console-txn-${i}`, action: 'on-search', at: new Date(Date.now() - (21 - i) * 1000) };
      await recorder.record(message, [{ individualId: person.id, fields: [{ field: 'given_name', level: 'given' }, { field: 'birth_date', level: 'masked' }], purpose: { consent: 'CG-ELIG' } }]);
    }
    await admin.page.goto(`${w.gateway.url}/console/#/people/${person.id}`);
    await admin.page.getByTestId('person-name').filter({ hasText: `${person.name.given}` }).waitFor();
    expect(await admin.page.getByTestId('person-birth-date').innerText()).toBe(person.birthDate);
    expect(await admin.page.getByTestId('masked-note').count()).toBe(0);
    const household = admin.page.getByTestId('household').first();
    await household.waitFor();
    await admin.page.getByTestId('identifiers').getByText('UIN').first().waitFor();
    // The partner registries' sections settle, each with its answer or its own failure.
    await admin.page.getByTestId('partner-data').locator('.partner-item').first().waitFor();
    await admin.page.getByTestId('indicators').locator('table, [role="alert"]').first().waitFor();
    await admin.page.getByTestId('eligibility').locator('table, p').first().waitFor();
    const shared = admin.page.getByTestId('disclosures');
    await shared.locator('tbody tr').nth(19).waitFor();
    const rows = await shared.locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(20);
    expect(rows[0]).toContain('console-txn-20');
    expect(rows[0]).toContain('given_name, birth_date (masked)');
    expect(rows[0]).toContain('consent CG-ELIG');
    await admin.screenshot('person');
    await shared.getByRole('button', { name: 'Next page' }).click();
    await shared.getByRole('button', { name: 'First page' }).waitFor();
    expect(await shared.locator('tbody tr').allTextContents()).toEqual([expect.stringContaining('console-txn-0')]);

    // Its household, with every member past and present.
    const group = ok(await w.gql(`query ($id: ID!) { individual(id: $id) { groups { group { id name members(includeEnded: true) { id } } } } }`, { id: person.id })).individual.groups[0].group;
    await household.getByRole('link', { name: group.name }).click();
    await admin.page.getByTestId('group-name').filter({ hasText: group.name }).waitFor();
    expect(await admin.page.getByTestId('members').locator('tbody tr').count()).toBe(group.members.length);
    await admin.page.getByTestId('members').getByRole('link', { name: `${person.name.given} ${person.name.family}` }).waitFor();
    await admin.screenshot('household');

    await admin.page.goto(`${w.gateway.url}/console/#/households`);
    await admin.page.getByLabel('Name starts with').fill(group.name.slice(0, 4));
    await admin.page.getByRole('button', { name: 'Search' }).click();
    await admin.page.getByTestId('group-results').getByRole('link', { name: group.name }).first().waitFor();
  });

  it('masks personal data for a token without registry:pii, and does not offer a search by name', async () => {
    const reader = await openSession(browser);
    try {
      await signIn(reader, READ_ONLY);
      await reader.page.goto(`${w.gateway.url}/console/#/people/${person.id}`);
      const name = reader.page.getByTestId('person-name');
      await name.filter({ hasText: '***' }).waitFor();
      expect(await name.innerText()).not.toContain(person.name.given);
      expect(await reader.page.getByTestId('person-birth-date').innerText()).toBe('—');
      await reader.page.getByTestId('masked-note').waitFor();
      await reader.page.getByTestId('who').getByText('masked').waitFor();
      // Who received the person's data is for audit:read.
      await reader.page.getByTestId('eligibility').waitFor();
      expect(await reader.page.getByTestId('disclosures').count()).toBe(0);
      await reader.screenshot('person-masked');
      await reader.page.goto(`${w.gateway.url}/console/#/people`);
      expect(await reader.page.getByLabel('Name starts with').isDisabled()).toBe(true);
      // Partners are for partners:admin: not in this operator's navigation.
      expect(await reader.page.getByRole('link', { name: 'Partners and DCI traffic' }).count()).toBe(0);
      expect(reader.problems).toEqual([]);
    } finally {
      await reader.close();
    }
  });

  it('resolves a review item from the review queue', async () => {
    const REVIEW = `{ crvsReviewItems(status: open, first: 1) { totalCount edges { node { id } } } }`;
    const before = ok(await w.gql(REVIEW)).crvsReviewItems;
    expect(before.totalCount).toBeGreaterThan(0);
    const itemId = before.edges[0].node.id;
    await admin.page.goto(`${w.gateway.url}/console/#/crvs`);
    const item = admin.page.locator(`[data-testid="review-item"][data-id="${itemId}"]`);
    await item.waitFor();
    await admin.screenshot('crvs-review');
    await item.getByLabel('Resolution').fill('checked with the civil registry office');
    await item.getByRole('button', { name: 'Resolve' }).click();
    await item.waitFor({ state: 'detached' });
    // The item now first in the queue starts with an empty note (its form is its own, not the resolved one's).
    expect(await admin.page.getByTestId('review-item').first().getByLabel('Resolution').inputValue()).toBe('');
    const resolved = ok(await w.gql(`{ crvsReviewItems(status: resolved, first: 100) { edges { node { id resolution resolvedBy } } } }`)).crvsReviewItems.edges.map((e: any) => e.node);
    expect(resolved).toContainEqual({ id: itemId, resolution: 'checked with the civil registry office', resolvedBy: 'console-operator' });
    expect(ok(await w.gql(REVIEW)).crvsReviewItems.totalCount).toBe(before.totalCount - 1);
  });

  it('follows a CRVS import to its end', async () => {
    await admin.page.goto(`${w.gateway.url}/console/#/crvs`);
    const imports = admin.page.getByTestId('imports');
    await imports.getByLabel('From').fill(everything().from);
    await imports.getByRole('button', { name: 'Start import' }).click();
    await imports.getByTestId('import-state').filter({ hasText: 'done' }).waitFor({ timeout: 120_000 });
    // The list of the latest imports shows it first, ended, beside the earlier one.
    const rows = imports.getByTestId('import-list').locator('tbody tr');
    await rows.first().and(imports.locator('tr[aria-current="true"]')).filter({ hasText: 'done' }).waitFor();
    expect(await rows.count()).toBe(ok(await w.gql('{ crvsImports { totalCount } }')).crvsImports.totalCount);
    await admin.screenshot('crvs-import');
  });

  it('follows an indicator refresh run to its end', async () => {
    await admin.page.goto(`${w.gateway.url}/console/#/refresh`);
    await admin.page.getByLabel('Indicators').fill('age_years');
    await admin.page.getByRole('button', { name: 'Start refresh' }).click();
    await admin.page.getByTestId('refresh-state').filter({ hasText: 'done' }).waitFor({ timeout: 120_000 });
    const progress = admin.page.getByTestId('indicator-refresh').locator('progress');
    expect(await progress.getAttribute('value')).toBe(await progress.getAttribute('max'));
    await admin.screenshot('indicator-refresh');
  });

  it('lists partners and their DCI traffic with filters', async () => {
    const senderId = ok(await w.gql('{ partners { senderId } }', {}, ADMIN)).partners[0].senderId;
    await admin.page.goto(`${w.gateway.url}/console/#/partners`);
    await admin.page.getByTestId('partners').getByRole('link', { name: senderId }).click();
    await admin.page.waitForURL(/sender=/);
    // The page follows the URL on its hashchange event, after the URL has changed: wait for the filter to show the partner.
    const sender = admin.page.locator('select[name="sender"]');
    await waitFor(async () => (await sender.inputValue()) === senderId, 10_000).catch(() => undefined);
    expect(await sender.inputValue()).toBe(senderId);
    await admin.page.getByTestId('transactions').getByText(/\d+ transactions/).waitFor();
    await admin.page.getByTestId('subscriptions').getByText(/\d+ subscriptions/).waitFor();
    await admin.screenshot('partners');

    // Disabled from the page (its token requests and messages refused from then on), then enabled again.
    const row = admin.page.getByTestId('partners').locator(`tr[data-sender="${senderId}"]`);
    const status = async () => ok(await w.gql(`{ partner(senderId: "${senderId}") { status } }`, {}, ADMIN)).partner.status;
    await row.getByRole('button', { name: `Disable ${senderId}` }).click();
    await row.getByTestId('partner-status').filter({ hasText: 'disabled' }).waitFor();
    expect(await status()).toBe('disabled');
    await row.getByRole('button', { name: `Enable ${senderId}` }).click();
    await row.getByTestId('partner-status').filter({ hasText: 'active' }).waitFor();
    expect(await status()).toBe('active');

    // Both changes are in the configuration audit under the page (this partner's, as the URL names it), as this operator's.
    const audit = admin.page.getByTestId('config-changes');
    await audit.locator('tbody tr').nth(1).waitFor();
    const changes = await audit.locator('tbody tr').allTextContents();
    expect(changes).toHaveLength(2);
    for (const change of changes) expect(change).toMatch(new RegExp(`partner${senderId.replace(/[.]/g, '[.]')}updatedstatusconsole-operatorgraphqlapplied$`));

    // Twenty older changes of the same millisecond: the page shows twenty, and the next the two left, none twice.
    const earlier = new Date(Date.now() - 60_000);
    await w.gateway.models.ConfigChange.insertMany(
      Array.from({ length: 20 }, () => ({ target: 'partner', name: senderId, action: 'updated', fields: ['displayName'], by: 'earlier-operator', via: 'cli', outcome: 'applied', at: earlier })),
    );
    await admin.page.reload();
    await audit.locator('tbody tr').nth(19).waitFor();
    const first = await audit.locator('tbody tr').allTextContents();
    expect(first).toHaveLength(20);
    expect(first.filter((row) => row.includes('console-operator'))).toHaveLength(2);
    await audit.getByRole('button', { name: 'Next page' }).click();
    await audit.getByRole('button', { name: 'First page' }).waitFor();
    const next = await audit.locator('tbody tr').allTextContents();
    expect(next).toHaveLength(2);
    expect(next.every((row) => row.includes('earlier-operator'))).toBe(true);
    expect(await audit.getByRole('button', { name: 'Next page' }).count()).toBe(0);
  });

  it('lists the registries the gateway calls, and disables and enables one', async () => {
    const STATUS = '{ dataSource(name: "crvs-sandbox") { status } }';
    await admin.page.goto(`${w.gateway.url}/console/#/partners`);
    const row = admin.page.getByTestId('data-sources').locator('tr[data-name="crvs-sandbox"]');
    await row.getByTestId('data-source-status').filter({ hasText: 'active' }).waitFor();
    expect(await row.textContent()).toContain(w.sandbox.registries.crvs.baseUrl);
    // The import above called it through this gateway: its breaker is known, and closed.
    expect(await row.getByTestId('data-source-circuit').textContent()).toBe('closed');

    await row.getByRole('button', { name: 'Disable crvs-sandbox' }).click();
    await row.getByTestId('data-source-status').filter({ hasText: 'disabled' }).waitFor();
    expect(ok(await w.gql(STATUS, {}, ADMIN)).dataSource.status).toBe('disabled');
    await admin.screenshot('data-sources');

    await row.getByRole('button', { name: 'Enable crvs-sandbox' }).click();
    await row.getByTestId('data-source-status').filter({ hasText: 'active' }).waitFor();
    expect(ok(await w.gql(STATUS, {}, ADMIN)).dataSource.status).toBe('active');
  });
});

describe('GraphQL explorer', () => {
  it('loads from the gateway alone and runs a query with the token pasted in', async () => {
    const total = ok(await w.gql('{ registryStats { total } }')).registryStats.total;
    const session = await openSession(browser);
    try {
      const response = await session.page.goto(`${w.gateway.url}/graphql`);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await session.page.getByLabel('Token', { exact: true }).fill(await token(['registry:read']));
      await session.page.getByRole('button', { name: 'Use token' }).click();
      await session.page.getByTestId('explorer-signed-in').waitFor();
      await session.page.locator('.graphiql-execute-button').click();
      await session.page.locator('.graphiql-response').filter({ hasText: `"total": ${total}` }).waitFor();
      // The schema came through introspection (allowed outside production): its documentation is browsable.
      await session.page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
      await session.page.locator('.graphiql-doc-explorer').getByRole('link', { name: 'Query' }).click();
      await session.page.locator('.graphiql-doc-explorer').getByText('registryStats').first().waitFor();
      await session.screenshot('explorer');
      // Nothing left loopback (the route refuses and records it), no script error, no CSP violation.
      expect(session.problems).toEqual([]);
      // The token stayed out of GraphiQL's own storage.
      const persisted = await session.page.evaluate(() => JSON.stringify((globalThis as unknown as { localStorage: Record<string, string> }).localStorage));
      expect(persisted).not.toContain('Bearer');
    } finally {
      await session.close();
    }
  });

  it('leaves API requests to /graphql alone', async () => {
    const res = await fetch(`${w.gateway.url}/graphql?query=%7B__typename%7D`, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(res.headers.get('content-type')).toMatch(/json/);
    expect(res.status).toBe(401);
  });
});
