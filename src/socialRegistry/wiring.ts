/**
 * Start-up wiring of the social-registry client role: the answers of our async searches and the
 * registries' notifications, handed over by the CallbackHub once our receiver checked their token
 * and signature, are stored where any gateway instance reads them.
 */
import type { CallbackHub } from '../../adapters/dci/server/callbackHub';
import type { Logger } from '../log';
import type { RegistryModels } from '../store/models';
import { notifyListener, onSearchListener } from './transactions';

export function wireSocialRegistry(opts: { models: RegistryModels; hub: CallbackHub; log: Logger }): { stop(): void } {
  const stops = [opts.hub.onAction('on-search', onSearchListener(opts.models, opts.log)), opts.hub.onAction('notify', notifyListener(opts.models, opts.log))];
  return {
    stop() {
      for (const stop of stops) stop();
    },
  };
}
