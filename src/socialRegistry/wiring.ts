/**
 * Start-up wiring of the social-registry client role: the answers of our async searches and the
 * registries' notifications, handed over by the CallbackHub once our receiver checked their token
 * and signature, are stored where any gateway instance reads them; and deleted once past their
 * retention, at start and hourly.
 */
import type { CallbackHub } from '../../adapters/dci/server/callbackHub';
import type { Logger } from '../log';
import type { RegistryModels } from '../store/models';
import { notifyListener, onSearchListener, pruneTransactions } from './transactions';

const PRUNE_MS = 60 * 60_000;

export function wireSocialRegistry(opts: { models: RegistryModels; hub: CallbackHub; log: Logger }): { stop(): Promise<void> } {
  const { models, log } = opts;
  const stops = [opts.hub.onAction('on-search', onSearchListener(models, log)), opts.hub.onAction('notify', notifyListener(models, log))];
  let pruned: Promise<unknown> = Promise.resolve();
  const prune = () => {
    pruned = pruneTransactions(models, new Date())
      .then((deleted) => deleted > 0 && log.info({ deleted }, 'social registry transactions past their retention deleted'))
      .catch((error: unknown) => log.warn({ err: (error as Error).message }, 'social registry transactions not pruned'));
  };
  prune();
  const pruning = setInterval(prune, PRUNE_MS);
  pruning.unref();
  return {
    async stop() {
      clearInterval(pruning);
      for (const stop of stops) stop();
      await pruned;
    },
  };
}
