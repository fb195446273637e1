/**
 * CRVS imports of a date range (births, or deaths): created once per (kind, source, range, area)
 * while unfinished, then run page by page from the last finished page. Each batch of pages is one
 * search call; after it is applied, its pages are recorded as done, so a stopped import resumes
 * there and re-applies at most one batch (which the idempotent apply turns into "unchanged").
 */
import { Types } from 'mongoose';
import type { DciClient } from '../../adapters/dci/client';
import { badInput, notFound } from '../errors';
import { objectId, oneOf, text } from '../registry/input';
import { findPage } from '../registry/pagination';
import type { RegistryModels } from '../store/models';
import { openOnce } from '../store/openOnce';
import { CRVS_IMPORT_STATES, CrvsCounts, CrvsImportDoc } from '../store/models/crvsImport';
import { applyBirths } from './births';
import { applyDeaths } from './deaths';
import { fetchPages, MAX_PAGE_SIZE } from './search';

export interface ImportRequest {
  kind: CrvsImportDoc['kind'];
  dataSource: string;
  from: Date;
  to: Date;
  area?: string | null;
  pageSize?: number | null;
}

export interface ImportRun {
  models: RegistryModels;
  client: DciClient;
  /** Asked between batches; true stops the run where a restart will pick it up. */
  stopping?: () => boolean;
  onProgress?: (doc: CrvsImportDoc) => void;
  now?: () => Date;
}

export class ImportInterrupted extends Error {
  constructor() {
    super('the import was interrupted; it resumes from its last finished page');
    this.name = 'ImportInterrupted';
  }
}

/** Pages fetched per search call (one envelope holds them all). */
const PAGES_PER_BATCH = 10;
const ZERO: CrvsCounts = { created: 0, updated: 0, unchanged: 0, review: 0 };

export function totals(doc: Pick<CrvsImportDoc, 'pages'>): CrvsCounts {
  return Object.values(doc.pages ?? {}).reduce((sum, c) => ({ created: sum.created + c.created, updated: sum.updated + c.updated, unchanged: sum.unchanged + c.unchanged, review: sum.review + c.review }), { ...ZERO });
}

export const totalPages = (doc: Pick<CrvsImportDoc, 'totalCount' | 'pageSize'>) => (doc.totalCount === undefined ? undefined : Math.ceil(doc.totalCount / doc.pageSize));

/** The unfinished import of the same request, or a new one: one, however many ask at once. */
export async function openImport(models: RegistryModels, request: ImportRequest, now: Date): Promise<{ doc: CrvsImportDoc; resumed: boolean }> {
  if (Number.isNaN(request.from.getTime()) || Number.isNaN(request.to.getTime())) throw badInput('from', 'and to must be dates');
  if (request.from > request.to) throw badInput('from', 'is after to');
  const area = text('area', request.area, { max: 40 });
  const pageSize = request.pageSize ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw badInput('pageSize', `must be between 1 and ${MAX_PAGE_SIZE}`);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  // Not the page size: it is how the records are fetched, so an unfinished import goes on with its own.
  const key = `${request.kind}|${request.dataSource}|${day(request.from)}|${day(request.to)}|${area ?? '*'}`;
  return openOnce({
    claims: models.RunClaim,
    runs: models.CrvsImport,
    key,
    create: async (run) => {
      const doc = { _id: run, key, kind: request.kind, dataSource: request.dataSource, from: request.from, to: request.to, ...(area && { area }), pageSize, state: 'pending' as const, pagesDone: 0, pages: {}, startedAt: now, updatedAt: now };
      await models.CrvsImport.create(doc);
      return doc;
    },
  });
}

export async function findImport(models: RegistryModels, rawId: string): Promise<CrvsImportDoc | null> {
  return models.CrvsImport.findById(objectId('id', rawId)).lean();
}

/** One page of imports, the latest started first (operators look for the one they just started). */
export async function listImports(models: RegistryModels, args: { state?: string | null; first?: number | null; offset?: number | null }) {
  const query = args.state ? { state: oneOf('state', args.state, CRVS_IMPORT_STATES) } : {};
  return findPage<CrvsImportDoc, 'startedAt'>(models.CrvsImport, query, { first: args.first, offset: args.offset, sort: [{ field: 'startedAt', direction: 'desc' }] }, { startedAt: 'startedAt' });
}

/** Runs (or resumes) an import to its end; throws ImportInterrupted when asked to stop. */
export async function runImport(run: ImportRun, importId: Types.ObjectId): Promise<CrvsImportDoc> {
  const { models, client } = run;
  const now = run.now ?? (() => new Date());
  let doc = await models.CrvsImport.findById(importId).lean();
  if (!doc) throw notFound('import');
  if (doc.state === 'done') return doc;
  doc = (await models.CrvsImport.findByIdAndUpdate(importId, { $set: { state: 'running', updatedAt: now() } }, { new: true }).lean())!;
  const query = { event: doc.kind === 'births' ? ('LiveBirth' as const) : ('Death' as const), from: doc.from, to: doc.to, area: doc.area, pageSize: doc.pageSize };
  const apply = doc.kind === 'births' ? applyBirths : applyDeaths;
  for (;;) {
    const known = totalPages(doc);
    if (known !== undefined && doc.pagesDone >= known) break;
    if (run.stopping?.()) throw new ImportInterrupted();
    const count = known === undefined ? 1 : Math.min(PAGES_PER_BATCH, known - doc.pagesDone);
    const pages = await fetchPages(client, query, doc.pagesDone + 1, count);
    // The batch is applied as one: its look-ups cost the same for 500 records as for 100.
    const counts = await apply({ models, dataSource: doc.dataSource, via: 'search', now: now() }, pages.flatMap((p) => p.records));
    const set = { totalCount: pages[0].totalCount, pagesDone: pages[pages.length - 1].number, [`pages.${pages[0].number}`]: counts, updatedAt: now() };
    doc = (await models.CrvsImport.findByIdAndUpdate(importId, { $set: set }, { new: true }).lean())!;
    run.onProgress?.(doc);
  }
  return (await models.CrvsImport.findByIdAndUpdate(importId, { $set: { state: 'done', finishedAt: now(), updatedAt: now() }, $unset: { lastError: 1 } }, { new: true }).lean())!;
}

/** Records why a run ended early; `failed` only when it will not be retried. */
export async function markImport(models: RegistryModels, importId: Types.ObjectId, state: 'pending' | 'failed', reason: string, now: Date): Promise<void> {
  await models.CrvsImport.updateOne({ _id: importId }, { $set: { state, lastError: reason.slice(0, 500), updatedAt: now } });
}
