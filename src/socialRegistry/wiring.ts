/**
 * Start-up wiring of the social-registry client role: the answers of our async searches and the
 * registries' notifications, handed over by the CallbackHub once our receiver checked their token
 * and signature, are stored where any gateway instance reads them; and deleted once past their
 * retention, at start and hourly.
 */
import type { CallbackHub } from '../../adapters/dci/server/callbackHub';
import type { Logger } from '../log';
import type { RegistryModels } from '../store/models';
import { startPruning } from '../store/retention';
import { notifyListener, onSearchListener, pruneTransactions } from './transactions';

export function wireSocialRegistry(opts: { models: RegistryModels; hub: CallbackHub; log: Logger }): { stop(): Promise<void> } {
  const { models, log } = opts;
  const stops = [opts.hub.onAction('on-search', onSearchListener(models, log)), opts.hub.onAction('notify', notifyListener(models, log))];
  const pruning = startPruning('social registry transactions', (now) => pruneTransactions(models, now), log);
  return {
    async stop() {
      for (const stop of stops) stop();
      await pruning.stop();
    },
  };
}
