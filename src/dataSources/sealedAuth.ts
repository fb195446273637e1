/**
 * Outbound credentials (a data source's `auth`, a partner's `callbackAuth`) in their three forms:
 * checked input in clear, sealed for storage, opened again for the code that sends them; and the
 * view an administrator may see. Each secret is sealed for its own place, named by `contextOf`.
 */
import type { ClientAuth } from '../../adapters/dci/client/dataSource';
import type { OutboundAuthDoc } from '../store/models/outboundAuth';
import type { SecretBox } from './secretBox';

/** The additional data binding a sealed secret to its record and field. */
export type SealContext = (field: 'token' | 'clientSecret') => string;

/** No secret, sealed or not. */
export type PublicAuth = Omit<OutboundAuthDoc, 'sealedToken' | 'sealedClientSecret'>;

export function sealAuth(auth: ClientAuth, box: SecretBox, contextOf: SealContext): OutboundAuthDoc {
  switch (auth.type) {
    case 'none':
      return { type: 'none' };
    case 'bearer':
      return { type: 'bearer', sealedToken: box.seal(auth.token, contextOf('token')) };
    case 'oauth2': {
      const { clientSecret, ...rest } = auth;
      return { ...rest, sealedClientSecret: box.seal(clientSecret, contextOf('clientSecret')) };
    }
  }
}

export function openAuth(auth: OutboundAuthDoc, box: SecretBox, contextOf: SealContext): ClientAuth {
  switch (auth.type) {
    case 'none':
      return { type: 'none' };
    case 'bearer':
      return { type: 'bearer', token: box.open(auth.sealedToken!, contextOf('token')) };
    case 'oauth2':
      return {
        type: 'oauth2',
        tokenUrl: auth.tokenUrl!,
        clientId: auth.clientId!,
        clientSecret: box.open(auth.sealedClientSecret!, contextOf('clientSecret')),
        ...(auth.scope && { scope: auth.scope }),
        credentialLocation: auth.credentialLocation ?? 'body',
      };
  }
}

export function publicAuth(auth: OutboundAuthDoc): PublicAuth {
  const { sealedToken: _token, sealedClientSecret: _secret, ...visible } = auth;
  return visible;
}
