/**
 * Per-request DataLoaders of partner data, created on first use and kept beside the request's
 * context: every individual of one GraphQL operation asking for the same partner data goes into
 * one lookup, hence one bulk read and as few partner envelopes as the partner allows.
 */
import DataLoader from 'dataloader';
import type { Context } from '../graphql/context';
import type { IndividualDoc } from '../store/models/individual';
import type { Checked, PartnerFlow } from './flow';
import { lookUp } from './lookup';

export type PartnerLoader<V> = DataLoader<IndividualDoc, Checked<V>, string>;

const perRequest = new WeakMap<Context, Map<string, PartnerLoader<unknown>>>();

/** `refresh` bypasses stored answers (and gets its own loader, so both may be asked in one operation). */
export function partnerLoader<V>(ctx: Context, flow: PartnerFlow<V>, opts: { refresh?: boolean } = {}): PartnerLoader<V> {
  let loaders = perRequest.get(ctx);
  if (!loaders) perRequest.set(ctx, (loaders = new Map()));
  const refresh = opts.refresh ?? false;
  const key = `${flow.kind}:${refresh}`;
  const existing = loaders.get(key) as PartnerLoader<V> | undefined;
  if (existing) return existing;
  // DataLoader rejects the load of a key whose batch result is an Error: the field error of that person alone.
  const loader: PartnerLoader<V> = new DataLoader<IndividualDoc, Checked<V>, string>((people) => lookUp(ctx, flow, people, { refresh }), { cacheKeyFn: (person) => `${person._id}` });
  loaders.set(key, loader as PartnerLoader<unknown>);
  return loader;
}
