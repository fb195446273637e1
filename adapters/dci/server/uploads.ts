/**
 * Bulk identifier uploads (protocol/extensions/uploads.yaml): `{base}/registry/upload/search` stores a
 * partner's file of identifiers and answers it through paged on-search callbacks; `{base}/registry/upload/verify`
 * says found or not found for each identifier, in the HTTP response.
 *
 * The signed envelope travels as the multipart part `envelope` and passes every check of inbound.ts;
 * its message names the `file` part by SHA-256. The bearer token is checked before the body is read,
 * so no one without a token makes the gateway read 16 MiB. A refused upload stores nothing and gives
 * its message id back; an accepted one is stored (its pages, then its transaction, then its job)
 * before the ACK, so it is answered after a restart.
 */
import { randomUUID } from 'node:crypto';
import express, { NextFunction, Request, Response } from 'express';
import type { GraphqlExecutor } from '../../../src/graphql/inProcess';
import { bearerToken } from '../../../src/auth/tokens';
import { JobQueue, PermanentJobError } from '../../../src/jobs/queue';
import type { Logger } from '../../../src/log';
import { continueRequestScope } from '../../../src/requestScope';
import { MAX_IDENTIFIER_LOOKUPS } from '../../../src/registry/identifiers';
import { isDatabaseUnreachable } from '../../../src/store/liveness';
import { ackBody, AckErrorCode, KeyRing, SearchRequest, SearchResponse } from '../protocol';
import { deliver, DeliveryObserver } from './delivery';
import type { DisclosureRecorder, PersonDisclosure } from './disclosureAudit';
import { IdentifierFileRefusal, ListedIdentifier, readIdentifierFile, UPLOAD_REASONS, UploadReason } from './identifierFile';
import { acceptInbound, checkInbound, DciRefusal, InboundDeps, InboundMessage, InboundObserver, observeInbound, refuse } from './inbound';
import { type InboundPartner, type PartnerDirectory, underCallbackBase } from './partners';
import { translateSearch } from './query';
import { sendSigned, signEnvelope } from './replies';
import { answerSearch, partnerPrincipal, SearchDeps } from './search';
import type { StoredTransaction, TransactionStore } from './transactions';

export const UPLOAD_JOB = 'dci.upload';
export const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;
export const MAX_UPLOAD_SEARCH_IDENTIFIERS = 100_000;
export const MAX_UPLOAD_VERIFY_IDENTIFIERS = 10_000;
/** Identifiers per on-search callback. */
export const UPLOAD_PAGE_SIZE = 1000;
/** Uploads of one partner accepted and not yet answered in full (nor failed). */
export const PENDING_UPLOADS_PER_PARTNER = 2;
const PENDING_RETRY_AFTER_SECONDS = 60;
/** Verify lookups in flight at once. */
const VERIFY_CONCURRENCY = 4;

/** The message of an upload envelope (UploadRequest). */
export interface UploadRequest {
  transaction_id: string;
  file: { sha256: string; format: string; name?: string };
  reg_record_type?: string;
  consent?: Record<string, unknown>;
  authorize?: Record<string, unknown>;
}

/** A page as stored: its identifiers until delivered, and its answer once computed. */
export interface UploadPage {
  page: number;
  items?: ListedIdentifier[];
  answer?: { message: SearchResponse; disclosed: PersonDisclosure[] };
  messageId?: string;
  delivered: boolean;
}

/** The uploads' storage; src/jobs/dciUploads implements it. */
export interface UploadStore {
  /** Takes one of the partner's `limit` pending slots for the upload; false when all are taken. */
  claimSlot(senderId: string, correlationId: string, limit: number): Promise<boolean>;
  /** Stores the pages of an upload (before its transaction). */
  storePages(correlationId: string, pages: ListedIdentifier[][]): Promise<void>;
  /** Removes what was stored of an upload that was not accepted, its transaction and its slot. */
  discard(senderId: string, correlationId: string): Promise<void>;
  page(correlationId: string, page: number): Promise<UploadPage | undefined>;
  /** Stores a page's answer once; a second call keeps the first and returns it. */
  settlePage(correlationId: string, page: number, answer: NonNullable<UploadPage['answer']>, messageId: string): Promise<UploadPage>;
  /** Drops the page's identifiers and answer, and counts it delivered on its transaction. */
  pageDelivered(correlationId: string, page: number): Promise<void>;
  /** Every page delivered: the transaction succeeded, with its item counts; frees the slot. */
  complete(senderId: string, correlationId: string): Promise<void>;
  /** Delivery failed for good: drops what the pages still hold, frees the slot. */
  abandon(senderId: string, correlationId: string): Promise<void>;
}

export interface UploadDeps extends InboundDeps, SearchDeps {
  ourSenderId: string;
  keys: KeyRing;
  graphql: GraphqlExecutor;
  transactions: TransactionStore;
  uploads: UploadStore;
  jobs: JobQueue;
  disclosures: DisclosureRecorder;
  inboundObserver?: InboundObserver;
  pendingUploadsPerPartner?: number;
}

/** Each reason's ERR code and HTTP status; the acknowledgement's message starts with the reason. */
const REFUSAL_FOR: Record<UploadReason, { code: AckErrorCode; status?: number; retryAfterSeconds?: number }> = {
  [UPLOAD_REASONS.tooLarge]: { code: 'err.request.bad', status: 413 },
  [UPLOAD_REASONS.format]: { code: 'err.request.bad' },
  [UPLOAD_REASONS.count]: { code: 'err.request.bad' },
  [UPLOAD_REASONS.sha256]: { code: 'err.signature.invalid' },
  [UPLOAD_REASONS.pending]: { code: 'err.request.too_many_requests', retryAfterSeconds: PENDING_RETRY_AFTER_SECONDS },
};

export function uploadRefusal(reason: UploadReason, message: string, status?: number): DciRefusal {
  const { code, status: reasonStatus, retryAfterSeconds } = REFUSAL_FOR[reason];
  return new DciRefusal(code, `${reason}: ${message}`, status ?? reasonStatus, retryAfterSeconds);
}

// ---- transport: token first, then the multipart body, then the envelope's checks ----------------

function multipartOnly(req: Request, res: Response, next: NextFunction): void {
  if (req.is('multipart/form-data') === 'multipart/form-data') return next();
  refuse(res, uploadRefusal(UPLOAD_REASONS.format, 'the body must be multipart/form-data with the parts envelope and file', 415), randomUUID());
}

/** A cheap first look at the token; checkInbound checks it again with everything else. */
function tokenFirst(deps: InboundDeps) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req.headers.authorization);
    const principal = token ? await deps.tokens.verify(token).catch(() => undefined) : undefined;
    if (principal?.kind === 'partner') return next();
    refuse(res, new DciRefusal('err.request.unauthorized', token ? 'invalid or expired token' : 'a bearer token is required'), randomUUID());
  };
}

const uploadBody = express.raw({ type: () => true, limit: MAX_UPLOAD_BYTES });

function readBody(req: Request, res: Response, next: NextFunction): void {
  uploadBody(req, res, (error?: unknown) => {
    const status = (error as { status?: number } | undefined)?.status;
    if (status === 413) return refuse(res, uploadRefusal(UPLOAD_REASONS.tooLarge, `the body is over ${MAX_UPLOAD_BYTES} bytes`), randomUUID());
    next(error);
  });
}

/** The `envelope` part becomes the body inbound.ts checks (its exact bytes, for profiles that sign them); the `file` part waits in res.locals. */
async function readParts(req: Request, res: Response, next: NextFunction): Promise<void> {
  const correlationId = randomUUID();
  let form: FormData;
  try {
    form = await new globalThis.Response(req.body as Buffer, { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
  } catch {
    return refuse(res, uploadRefusal(UPLOAD_REASONS.format, 'the multipart body could not be read'), correlationId);
  }
  const bytes = async (part: ReturnType<FormData['get']>) => (part === null ? undefined : typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(await part.arrayBuffer()));
  const envelope = await bytes(form.get('envelope'));
  const file = await bytes(form.get('file'));
  if (!envelope || !file) return refuse(res, uploadRefusal(UPLOAD_REASONS.format, 'the body must hold the parts envelope and file'), correlationId);
  req.body = envelope;
  res.locals.uploadFile = file;
  next();
}

/** The file the message names, or the refusal; a refusal after the replay guard gives the message id back. */
async function identifiersOf(m: InboundMessage, res: Response, maxCount: number, deps: Pick<InboundDeps, 'replay'>): Promise<ListedIdentifier[]> {
  const request = m.envelope.message as UploadRequest;
  try {
    return readIdentifierFile(res.locals.uploadFile as Buffer, request.file, maxCount);
  } catch (error) {
    if (!(error instanceof IdentifierFileRefusal)) throw error;
    await deps.replay.forget(m.envelope.header);
    throw uploadRefusal(error.reason, error.message);
  }
}

/** A route's refusals from its handler answered as at the checks, under the message's correlation id. */
function refusing(handler: (m: InboundMessage, res: Response) => Promise<void>) {
  return async (m: InboundMessage, res: Response) => {
    try {
      await handler(m, res);
    } catch (error) {
      if (!(error instanceof DciRefusal)) throw error;
      refuse(res, error, m.correlationId);
    }
  };
}

const pagesOf = (identifiers: ListedIdentifier[]) =>
  Array.from({ length: Math.ceil(identifiers.length / UPLOAD_PAGE_SIZE) }, (_, i) => identifiers.slice(i * UPLOAD_PAGE_SIZE, (i + 1) * UPLOAD_PAGE_SIZE));

export function uploadRoutes(router: express.Router, deps: UploadDeps, deadline: express.RequestHandler): void {
  const chain = (route: { path: string; action: string; callbackPath?: string }) => [
    ...(deps.inboundObserver ? [observeInbound({ path: route.path, action: route.action }, deps.inboundObserver)] : []),
    deadline,
    multipartOnly,
    tokenFirst(deps),
    readBody,
    readParts,
    continueRequestScope,
    checkInbound({ api: 'social', path: route.path, scope: 'dci:search', ...(route.callbackPath && { callbackPath: route.callbackPath }) }, deps),
  ];
  const limit = deps.pendingUploadsPerPartner ?? PENDING_UPLOADS_PER_PARTNER;

  router.post('/registry/upload/search', chain({ path: '/registry/upload/search', action: 'search', callbackPath: '/registry/on-search' }), acceptInbound(deps, refusing(async (m, res) => {
    if (m.replayRejection) throw new DciRefusal('err.request.bad', `${m.replayRejection}: message refused`);
    const identifiers = await identifiersOf(m, res, MAX_UPLOAD_SEARCH_IDENTIFIERS, deps);
    const senderId = m.partner.senderId;
    if (!(await deps.uploads.claimSlot(senderId, m.correlationId, limit))) {
      await deps.replay.forget(m.envelope.header);
      throw uploadRefusal(UPLOAD_REASONS.pending, `this partner already has ${limit} uploads being answered; retry once one is`);
    }
    const pages = pagesOf(identifiers);
    try {
      await deps.uploads.storePages(m.correlationId, pages);
      await deps.transactions.create({
        correlationId: m.correlationId,
        senderId,
        transactionId: (m.envelope.message as UploadRequest).transaction_id,
        action: 'search',
        senderUri: m.callbackUri!,
        request: m.envelope.message as Record<string, unknown>,
        referenceIds: [],
        upload: { identifiers: identifiers.length, pageSize: UPLOAD_PAGE_SIZE, pages: pages.length, pagesDelivered: 0 },
      });
      const first = firstPageJob(m.correlationId);
      await deps.jobs.enqueue(UPLOAD_JOB, first.payload, { key: first.key });
    } catch (error) {
      await deps.uploads.discard(senderId, m.correlationId).catch((discardError: unknown) => deps.log.warn({ err: (discardError as Error).message }, 'upload not discarded after a failed store'));
      throw error;
    }
    deps.jobs.kick();
    deps.log.info({ senderId, identifiers: identifiers.length, pages: pages.length }, 'upload stored');
    res.status(202).json(ackBody(m.correlationId));
  })));

  router.post('/registry/upload/verify', chain({ path: '/registry/upload/verify', action: 'verify' }), acceptInbound(deps, refusing(async (m, res) => {
    const sign = (out: Parameters<typeof signEnvelope>[0]) => signEnvelope(out, m.partner, deps.ourSenderId, deps.keys);
    if (m.replayRejection) return sendSigned(res, await sign({ action: 'on-verify', status: 'rjct', totalCount: 0, completedCount: 0, reasonCode: m.replayRejection }));
    const identifiers = await identifiersOf(m, res, MAX_UPLOAD_VERIFY_IDENTIFIERS, deps);
    const request = m.envelope.message as UploadRequest;
    const principal = partnerPrincipal(m.partner, m.principal.subject, m.principal.issuer);
    const verified = await verifyIdentifiers(identifiers, request, m.partner, principal, deps);
    const message = { transaction_id: request.transaction_id, correlation_id: m.correlationId, verify_response: verified };
    sendSigned(res, await sign({ action: 'on-verify', status: 'succ', totalCount: identifiers.length, completedCount: identifiers.length, message }));
  })));
}

// ---- search: the paged answer ------------------------------------------------------------------

/** The search items of a page: each identifier an idtype-value search, under the upload's record type and purposes. */
function pageRequest(request: UploadRequest, items: ListedIdentifier[], firstRow: number): SearchRequest {
  const timestamp = new Date().toISOString();
  const shared = {
    ...(request.reg_record_type !== undefined && { reg_record_type: request.reg_record_type }),
    ...(request.consent !== undefined && { consent: request.consent }),
    ...(request.authorize !== undefined && { authorize: request.authorize }),
  };
  return {
    transaction_id: request.transaction_id,
    search_request: items.map(([type, value], i) => ({
      reference_id: String(firstRow + i),
      timestamp,
      search_criteria: { query_type: 'idtype-value', query: { type, value }, ...shared } as SearchRequest['search_request'][number]['search_criteria'],
    })),
  };
}

export interface UploadJobDeps extends SearchDeps {
  ourSenderId: string;
  keys: KeyRing;
  partners: PartnerDirectory;
  transactions: TransactionStore;
  uploads: UploadStore;
  jobs: JobQueue;
  disclosures: DisclosureRecorder;
  log: Logger;
  timeoutMs?: number;
  deliveries?: DeliveryObserver;
}

export interface UploadJobPayload {
  correlationId: string;
  page: number;
}

const pageJobKey = (correlationId: string, page: number) => `upload:${correlationId}:${page}`;

/** The job that answers an upload's first page, which queues the next, and so on. */
export const firstPageJob = (correlationId: string) => ({ payload: { correlationId, page: 1 } satisfies UploadJobPayload, key: pageJobKey(correlationId, 1) });

/**
 * Answers one page of an upload and delivers it, then queues the next page: pages go out in order,
 * each with the job queue's retries of its own, and the next page is answered while this one is
 * delivered. Each page's answer is stored before its first delivery attempt, so a retry sends the
 * same message with the same message id. A page that cannot be delivered fails the upload.
 */
export function uploadJob(deps: UploadJobDeps) {
  return async ({ correlationId, page }: UploadJobPayload, ctx: { attempt: number; final: boolean }) => {
    const txn = await deps.transactions.get(correlationId);
    if (!txn?.upload) throw new PermanentJobError('upload not found');
    if (txn.delivery.state !== 'pending') return;
    const { upload } = txn;
    try {
      // Already delivered when a runner stopped before queuing the next page: only that is left to do.
      if (page > upload.pagesDelivered) await answerAndDeliverPage(deps, txn, page);
    } catch (error) {
      const final = ctx.final || error instanceof PermanentJobError;
      const message = (error as Error).message;
      await deps.transactions.recordAttempt(correlationId, { delivered: false, error: message, final });
      if (final) await deps.uploads.abandon(txn.senderId, correlationId);
      deps.log.warn({ senderId: txn.senderId, correlationId, page, attempt: ctx.attempt, final, error: message }, 'upload page delivery failed');
      throw error;
    }
    if (page < upload.pages) {
      await deps.jobs.enqueue(UPLOAD_JOB, { correlationId, page: page + 1 } satisfies UploadJobPayload, { key: pageJobKey(correlationId, page + 1) });
      deps.jobs.kick();
      return;
    }
    await deps.transactions.recordAttempt(correlationId, { delivered: true });
    await deps.uploads.complete(txn.senderId, correlationId);
    deps.log.info({ senderId: txn.senderId, correlationId, pages: upload.pages, ms: Date.now() - txn.createdAt.getTime() }, 'upload answered');
  };
}

async function answerAndDeliverPage(deps: UploadJobDeps, txn: StoredTransaction, page: number): Promise<void> {
  const upload = txn.upload!;
  const partner = await deps.partners.active(txn.senderId);
  if (!partner) throw new PermanentJobError('partner disabled or removed');
  if (!underCallbackBase(txn.senderUri, partner.callbackBase)) throw new PermanentJobError('sender_uri is no longer under the partner callback base');
  const request = txn.request as unknown as UploadRequest;
  const principal = partnerPrincipal(partner, `upload:${txn.correlationId}`, deps.ourSenderId);

  const prepare = async (n: number): Promise<UploadPage> => {
    const stored = await deps.uploads.page(txn.correlationId, n);
    if (!stored) throw new PermanentJobError(`upload page ${n} not found`);
    if (stored.answer || stored.delivered) return stored;
    const answer = await answerSearch(pageRequest(request, stored.items!, (n - 1) * upload.pageSize + 1), partner, principal, txn.correlationId, deps);
    return deps.uploads.settlePage(txn.correlationId, n, answer, randomUUID());
  };

  const current = await prepare(page);
  const next = page < upload.pages ? prepare(page + 1) : undefined;
  try {
    // Delivered already when a runner stopped before counting it on the transaction.
    if (!current.delivered) await deliverPage(deps, txn, partner, current);
    await deps.uploads.pageDelivered(txn.correlationId, page);
  } finally {
    // The attempt ends with nothing of it still writing (an abandoned upload keeps no answer); the
    // next page's job answers it again if this failed.
    await next?.catch(() => undefined);
  }
}

async function deliverPage(deps: UploadJobDeps, txn: StoredTransaction, partner: InboundPartner, page: UploadPage): Promise<void> {
  const upload = txn.upload!;
  const { message, disclosed } = page.answer!;
  // Recorded before the page leaves, under the message id every attempt sends.
  await deps.disclosures.record({ partner: partner.senderId, messageId: page.messageId!, transactionId: txn.transactionId, action: 'on-search', at: new Date() }, disclosed);
  const signed = await signEnvelope(
    {
      action: 'on-search',
      status: 'succ',
      totalCount: upload.identifiers,
      completedCount: Math.min(page.page * upload.pageSize, upload.identifiers),
      message,
      messageId: page.messageId,
    },
    partner,
    deps.ourSenderId,
    deps.keys,
  );
  await deliver('callback', txn.senderUri, signed, partner.callbackCredentials, deps.timeoutMs ?? 30_000, deps.deliveries);
}

// ---- verify: found or not found ----------------------------------------------------------------

/** Presence only: the holder's kind, nothing about it. */
const IDENTIFIER_PRESENCE = `
query DciIdentifierPresence($identifiers: [IdentifierMatch!]!) {
  registrantsByIdentifiers(identifiers: $identifiers) { __typename }
}`;

interface VerifiedItem {
  reference_id: string;
  status: 'succ' | 'rjct';
  found?: boolean;
  status_reason_code?: string;
  status_reason_message?: string;
}

/**
 * Each identifier is translated as the idtype-value search it would be (so the partner's allowlist
 * and purposes apply, and a type it may not search on is rejected on its own item), then looked up
 * MAX_IDENTIFIER_LOOKUPS at a time.
 */
async function verifyIdentifiers(identifiers: ListedIdentifier[], request: UploadRequest, partner: InboundPartner, principal: ReturnType<typeof partnerPrincipal>, deps: UploadDeps): Promise<VerifiedItem[]> {
  const now = new Date();
  const allowedAttributes = new Set(partner.queryAttributes);
  const { search_request: items } = pageRequest({ ...request, reg_record_type: undefined }, identifiers, 1);
  const answers: VerifiedItem[] = [];
  const lookups: { at: number; identifier: { type: string; value: string } }[] = [];
  items.forEach((item, at) => {
    const plan = translateSearch(item.search_criteria, { allowedAttributes, disclosure: partner.disclosure, purposes: partner.purposes, maxPageSize: deps.maxPageSize, now });
    if (!plan.ok) answers[at] = { reference_id: item.reference_id, status: 'rjct', status_reason_code: plan.reason, status_reason_message: plan.message };
    else lookups.push({ at, identifier: plan.variables.filter.identifier as { type: string; value: string } });
  });
  const batches = Array.from({ length: Math.ceil(lookups.length / MAX_IDENTIFIER_LOOKUPS) }, (_, i) => lookups.slice(i * MAX_IDENTIFIER_LOOKUPS, (i + 1) * MAX_IDENTIFIER_LOOKUPS));
  const present = async (batch: typeof lookups): Promise<boolean[] | { badInput: string }> => {
    const result = await deps.graphql(IDENTIFIER_PRESENCE, { identifiers: batch.map((l) => l.identifier) }, principal);
    const unreachable = result.errors?.find((e) => isDatabaseUnreachable(e.originalError));
    if (unreachable) throw unreachable.originalError;
    const badInput = result.errors?.find((e) => e.extensions?.code === 'BAD_USER_INPUT');
    if (badInput) return { badInput: badInput.message };
    if (result.errors?.length) throw new Error(`identifier presence lookup failed: ${result.errors[0].message}`);
    return (result.data as { registrantsByIdentifiers: unknown[] }).registrantsByIdentifiers.map((holder) => holder !== null);
  };
  let nextBatch = 0;
  const worker = async () => {
    while (nextBatch < batches.length) {
      const batch = batches[nextBatch++];
      const found = await present(batch);
      // A value the registry refuses (too long, say) fails its batch: each is then asked alone, so only it is rejected.
      const outcomes = Array.isArray(found)
        ? found
        : await Promise.all(batch.map(async (one) => {
            const alone = await present([one]);
            return Array.isArray(alone) ? alone[0] : alone;
          }));
      batch.forEach(({ at }, i) => {
        const outcome = outcomes[i];
        const reference_id = items[at].reference_id;
        answers[at] = typeof outcome === 'boolean'
          ? { reference_id, status: 'succ', found: outcome }
          : { reference_id, status: 'rjct', status_reason_code: 'rjct.filter.invalid', status_reason_message: outcome.badInput };
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(VERIFY_CONCURRENCY, batches.length) }, worker));
  return answers;
}
