/** Indicators over GraphQL: thin calls into src/indicators. */
import DataLoader from 'dataloader';
import { hasScope, requireScopes } from '../../auth/principal';
import { badInput, GatewayError } from '../../errors';
import { INDICATORS, IndicatorDefinition } from '../../indicators/catalogue';
import { allIndicators, parseIndicator, ResolvedIndicator, resolveIndicators } from '../../indicators/refs';
import { findRefresh, openRefresh } from '../../indicators/refresh';
import { indicatorFilterScopes } from '../../indicators/search';
import { serveIndicators, ServedIndicator } from '../../indicators/serving';
import { indicatorRuntimeOf } from '../../indicators/wiring';
import type { IndividualDoc } from '../../store/models/individual';
import type { Context } from '../context';
import type { IndividualFilter, IndividualResolvers, MutationResolvers, QueryResolvers, Resolvers } from '../generated/types';

/** Selecting people by an indicator reveals its values: the caller needs its reader scopes. One filter level; the caller walks and/or/not. */
export function guardIndicatorFilter(ctx: Context, filter: Pick<IndividualFilter, 'indicator'>): void {
  if (filter.indicator) requireScopes(ctx.principal, ...indicatorFilterScopes('filter.indicator', filter.indicator));
}

const MAX_FETCHES = 100;

/** Partners (reading through DCI) reach only the indicators declared partner-visible, whatever their scopes. */
const forPartners = (ctx: Context, d: IndicatorDefinition) => ctx.principal?.kind !== 'partner' || d.partnerVisible;
const mayRead = (ctx: Context, d: IndicatorDefinition) => forPartners(ctx, d) && d.scopes.every((scope) => ctx.principal && hasScope(ctx.principal, scope));

/** The named indicators, each checked against the caller's scopes; without names, all the caller may read. */
function readable(ctx: Context, names: string[] | null | undefined, field: string): ResolvedIndicator[] {
  if (!names) return allIndicators().filter((w) => mayRead(ctx, w.definition));
  const wanted = resolveIndicators(names.map((text) => parseIndicator(text, field)), field);
  for (const w of wanted) {
    if (!forPartners(ctx, w.definition)) throw new GatewayError('FORBIDDEN', `indicator ${w.label} is not available to partners`);
    if (!mayRead(ctx, w.definition)) requireScopes(ctx.principal, ...w.definition.scopes);
  }
  return wanted;
}

/** Per request and set of indicators: every individual of the operation served in one batch. */
const loaders = new WeakMap<Context, Map<string, DataLoader<IndividualDoc, ServedIndicator[], string>>>();
function indicatorLoader(ctx: Context, wanted: ResolvedIndicator[]) {
  let byKey = loaders.get(ctx);
  if (!byKey) loaders.set(ctx, (byKey = new Map()));
  const key = wanted.map((w) => w.slot).join(',');
  let loader = byKey.get(key);
  if (!loader) {
    const { revalidate } = indicatorRuntimeOf(ctx.models.IndicatorValues.db);
    loader = new DataLoader(
      async (people: readonly IndividualDoc[]) => {
        const served = await serveIndicators({ ...ctx, revalidate }, wanted, people.map((p) => p._id), ctx.now);
        return people.map((p) => served.get(`${p._id}`) ?? []);
      },
      { cacheKeyFn: (person) => `${person._id}` },
    );
    byKey.set(key, loader);
  }
  return loader;
}

const text = (value: unknown) => (value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : String(value));
const ofType = <T>(type: string) => (s: ServedIndicator) => (typeof s.stored.value === type ? (s.stored.value as T) : null);

export const indicatorResolvers = {
  types: {
    Indicator: {
      arguments: (d) => (d.args ? [...d.args] : null),
    },
    IndicatorValue: {
      name: (s) => s.indicator.definition.name,
      argument: (s) => s.indicator.argument ?? null,
      type: (s) => s.indicator.definition.type,
      value: (s) => {
        if (s.failure) throw s.failure;
        return text(s.stored.value);
      },
      booleanValue: ofType<boolean>('boolean'),
      numberValue: ofType<number>('number'),
      stringValue: ofType<string>('string'),
      dateValue: (s) => (s.stored.value instanceof Date ? s.stored.value : null),
      outcome: (s) => s.stored.outcome,
      error: (s) => s.stored.error ?? null,
      computedAt: (s) => s.stored.computedAt,
      expiresAt: (s) => s.stored.expiresAt,
      stale: (s) => s.stale,
      ageSeconds: (s, _, ctx) => Math.max(0, Math.floor((ctx.now.getTime() - s.stored.computedAt.getTime()) / 1000)),
      source: (s) => s.stored.source,
    },
    IndicatorRefresh: {
      id: (doc) => `${doc._id}`,
    },
    IndicatorFetch: {
      refreshId: (doc) => (doc.refresh ? `${doc.refresh}` : null),
    },
  } satisfies Resolvers,
  Individual: {
    indicatorFetches: (doc, args, ctx) => {
      requireScopes(ctx.principal, 'registry:read', 'registry:pii');
      if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_FETCHES) throw badInput('first', `must be a whole number from 1 to ${MAX_FETCHES}`);
      return ctx.models.IndicatorFetch.find({ individual: doc._id }).sort({ at: -1, _id: -1 }).limit(args.first).lean();
    },
    indicators: (doc, args, ctx) => {
      const wanted = readable(ctx, args.names, 'names');
      return wanted.length === 0 ? [] : indicatorLoader(ctx, wanted).load(doc);
    },
  } satisfies IndividualResolvers,
  Query: {
    indicatorCatalogue: () => [...INDICATORS],
    indicatorRefresh: (_, args, ctx) => findRefresh(ctx.models, args.id),
  } satisfies QueryResolvers,
  Mutation: {
    refreshIndicators: async (_, args, ctx) => {
      // An empty list is a mistake, not a refresh of nothing (on Individual.indicators it reads nothing, as the DCI adapter asks).
      if (args.names?.length === 0) throw badInput('names', 'name at least one indicator, or leave names out for all you may read');
      const wanted = readable(ctx, args.names, 'names');
      if (wanted.length === 0) throw new GatewayError('FORBIDDEN', 'no indicator is readable with these scopes');
      const { doc, resumed } = await openRefresh(ctx.models, { indicators: wanted.map((w) => w.label), area: args.filter?.area }, ctx.principal?.subject, ctx.now);
      await indicatorRuntimeOf(ctx.models.IndicatorRefresh.db).startRefresh(doc._id);
      ctx.log.info({ refreshId: `${doc._id}`, indicators: doc.indicators.length, area: doc.area, resumed, by: ctx.principal?.subject }, 'indicator refresh started');
      return doc;
    },
  } satisfies MutationResolvers,
};
