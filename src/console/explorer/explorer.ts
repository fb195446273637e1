/**
 * GraphiQL, bundled with everything it loads (fonts included), over /graphql. The request carries the
 * token kept in this tab's sessionStorage (shared with the console), never GraphiQL's header editor,
 * which GraphiQL may persist in localStorage.
 */
import 'graphiql/style.css';
import './explorer.css';
import { GraphiQL, GraphiQLProps } from 'graphiql';
import { createElement as h, FormEvent, Fragment, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { forgetToken, readClaims, storedToken, storeToken } from '../web/session';

const DEFAULT_QUERY = `# With a token pasted above
# (npx dci-gateway token --scope registry:read):
{
  registryStats {
    total
    bySex { key count }
  }
}
`;

const fetcher: GraphiQLProps['fetcher'] = async (params) => {
  const token = storedToken();
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(params),
  });
  return res.json();
};

function TokenBar(props: { token: string | null; onChange(token: string | null): void }) {
  const [draft, setDraft] = useState('');
  const claims = props.token ? readClaims(props.token) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const token = draft.trim();
    if (!token) return;
    storeToken(token);
    setDraft('');
    props.onChange(token);
  };
  const signOut = () => {
    forgetToken();
    props.onChange(null);
  };
  return h(
    'form',
    { className: 'token-bar', onSubmit: submit },
    props.token
      ? [
          h('span', { key: 'who', 'data-testid': 'explorer-signed-in' }, `Token of ${claims?.subject || 'unknown'}: ${claims?.scopes.join(' ') || 'no scopes'}`),
          h('button', { key: 'out', type: 'button', onClick: signOut }, 'Forget token'),
        ]
      : [
          h('label', { key: 'label', htmlFor: 'explorer-token' }, 'Token'),
          h('input', { key: 'input', id: 'explorer-token', type: 'password', autoComplete: 'off', value: draft, onChange: (e: { target: HTMLInputElement }) => setDraft(e.target.value) }),
          h('button', { key: 'use', type: 'submit' }, 'Use token'),
        ],
    h('a', { href: '/console/' }, 'Console'),
  );
}

function Explorer() {
  const [token, setToken] = useState(storedToken);
  // A new token may see another schema (introspection needs one): GraphiQL starts over with it.
  return h(
    Fragment,
    null,
    h(TokenBar, { token, onChange: setToken }),
    h(GraphiQL, { key: token ?? 'none', fetcher, defaultQuery: DEFAULT_QUERY, shouldPersistHeaders: false, isHeadersEditorEnabled: false }),
  );
}

createRoot(document.getElementById('explorer') as HTMLElement).render(h(Explorer));
