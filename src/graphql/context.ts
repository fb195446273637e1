import type { Principal } from '../auth/principal';
import type { Logger } from '../log';
import type { RegistryModels } from '../store/models';
import { createLoaders, Loaders } from './loaders';

/** What every resolver sees: who is calling, the registry, and this request's loaders. */
export interface Context {
  principal: Principal | undefined;
  models: RegistryModels;
  loaders: Loaders;
  log: Logger;
  /** One clock reading per request, so a request sees one consistent "today". */
  now: Date;
}

export function createContext(models: RegistryModels, principal: Principal | undefined, log: Logger): Context {
  return { principal, models, loaders: createLoaders(models), log, now: new Date() };
}
