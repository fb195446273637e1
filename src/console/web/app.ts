/** Sign-in, the navigation, and the page the URL names. Pages the token cannot read are left out. */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { GraphQLFailure, onUnauthenticated, request } from './api';
import { Crvs } from './pages/crvs';
import { HouseholdPage, Households } from './pages/households';
import { Overview } from './pages/overview';
import { Partners } from './pages/partners';
import { People } from './pages/people';
import { PersonPage } from './pages/person';
import { Refresh } from './pages/refresh';
import { href, useRoute } from './router';
import { forgetToken, readClaims, storedToken, storeToken } from './session';
import type { View } from './ui';

function SignIn(props: { onSignedIn(token: string): void; reason: string | null }): View {
  const [token, setToken] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const candidate = token.trim();
    setError(null);
    storeToken(candidate);
    try {
      // Any valid token may ask for __typename: the gateway checks the token itself, not a scope.
      await request('{ __typename }');
      props.onSignedIn(candidate);
    } catch (failure) {
      forgetToken();
      setError(failure as Error);
    }
  };
  return html`<main class="sign-in">
    <h1>dci-gateway console</h1>
    <form onSubmit=${submit}>
      <label for="token">Gateway token</label>
      <textarea id="token" name="token" rows="5" required autocomplete="off" spellcheck="false" value=${token} onInput=${(e: Event) => setToken((e.target as HTMLTextAreaElement).value)}></textarea>
      <button type="submit">Sign in</button>
    </form>
    ${props.reason ? html`<p class="note">${props.reason}</p>` : null}
    ${error ? html`<p class="failure" role="alert">The gateway refused this token: ${error.message}${error instanceof GraphQLFailure && error.code ? ` (${error.code})` : ''}</p>` : null}
    <p class="muted">
      An operator on the gateway's machine issues one with${' '}
      <code>npx dci-gateway token --scope registry:read registry:pii registry:write partners:admin --ttl 28800</code>${' '}
      (leave out registry:pii to see the registry masked). It is kept in this tab only and forgotten when the tab closes.
    </p>
  </main>`;
}

export function App(): View {
  const [token, setToken] = useState(storedToken);
  const [reason, setReason] = useState<string | null>(null);
  const route = useRoute();
  // Signed in, a refused token signs the console out (the sign-in form reports its own refusals).
  useEffect(() => {
    if (!token) return;
    return onUnauthenticated(() => {
      forgetToken();
      setReason('The gateway no longer accepts that token (expired?): sign in again.');
      setToken(null);
    });
  }, [token]);
  if (!token) return html`<${SignIn} reason=${reason} onSignedIn=${(t: string) => (setReason(null), setToken(t))} />`;

  const claims = readClaims(token);
  const can = (scope: string) => claims?.scopes.includes(scope) ?? false;
  const signOut = () => {
    forgetToken();
    setToken(null);
  };
  const [page = 'overview', id] = route.segments;
  const nav = [
    ['overview', 'Overview', true],
    ['people', 'Individuals', true],
    ['households', 'Households', true],
    ['partners', 'Partners and DCI traffic', can('partners:admin')],
    ['crvs', 'CRVS', true],
    ['refresh', 'Indicator refresh', true],
  ] as const;
  const pii = can('registry:pii');
  const content = (() => {
    switch (page) {
      case 'people':
        return id ? html`<${PersonPage} id=${id} pii=${pii} canAudit=${can('audit:read')} />` : html`<${People} route=${route} pii=${pii} />`;
      case 'households':
        return id ? html`<${HouseholdPage} id=${id} pii=${pii} />` : html`<${Households} route=${route} pii=${pii} />`;
      case 'partners':
        return html`<${Partners} route=${route} canAudit=${can('audit:read')} />`;
      case 'crvs':
        return html`<${Crvs} route=${route} canWrite=${can('registry:write')} />`;
      case 'refresh':
        return html`<${Refresh} route=${route} canWrite=${can('registry:write')} />`;
      default:
        return html`<${Overview} />`;
    }
  })();
  return html`<header>
      <strong class="brand">dci-gateway</strong>
      <nav>
        ${nav.filter(([, , shown]) => shown).map(([path, label]) => html`<a href=${href(path)} aria-current=${page === path ? 'page' : undefined}>${label}</a>`)}
        <a href="/graphql">API explorer</a>
      </nav>
      <span class="who" data-testid="who">${claims?.subject ?? 'token'}${pii ? '' : html` <span class="badge">masked</span>`}</span>
      <button type="button" onClick=${signOut}>Sign out</button>
    </header>
    <main>${content}</main>`;
}
