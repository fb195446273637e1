/**
 * The explorer's switch: on in development, off in production unless GRAPHQL_EXPLORER=true. With it
 * off, a browser's GET of /graphql reaches the API (which wants a token) and the explorer's assets are
 * not served. (The explorer itself is tested in Chromium in console.test.ts.)
 */
import { ConfigError, loadConfig } from '../../src/config';
import { useTestGateway } from '../support/gateway';

describe('GraphQL explorer switch', () => {
  it('defaults to on outside production and to off in production, and takes true or false only', () => {
    expect(loadConfig({}).graphqlExplorer).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).graphqlExplorer).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).graphqlExplorer).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_EXPLORER: 'true' }).graphqlExplorer).toBe(true);
    expect(loadConfig({ GRAPHQL_EXPLORER: 'false' }).graphqlExplorer).toBe(false);
    expect(() => loadConfig({ GRAPHQL_EXPLORER: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ GRAPHQL_EXPLORER: 'yes' })).toThrow('GRAPHQL_EXPLORER must be true or false, got "yes"');
  });

  describe('in production', () => {
    const gw = useTestGateway({ NODE_ENV: 'production' });

    it('answers a browser at /graphql as the API, not with an explorer or a CDN landing page', async () => {
      const res = await fetch(`${gw.url}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
      expect(res.headers.get('content-type')).not.toMatch(/html/);
      expect(await res.text()).not.toMatch(/<script|cdn\.|apollographql/i);
      expect((await fetch(`${gw.url}/explorer/explorer.js`)).status).toBe(404);
    });
  });
});
