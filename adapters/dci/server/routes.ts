/**
 * Every path of the DCI Social Registry API, under the configured base: the registry side (sync and
 * async search, subscribe, unsubscribe, txn status, and our notification receipts) and the receiver
 * side (on-* callbacks, notify).
 */
import { randomUUID } from 'node:crypto';
import express, { NextFunction, Request, Response } from 'express';
import type { GraphqlExecutor } from '../../../src/graphql/inProcess';
import type { JobQueue } from '../../../src/jobs/queue';
import { requestDeadline } from '../../../src/requestDeadline';
import { DatabaseLiveness, isDatabaseUnreachable } from '../../../src/store/liveness';
import { ackBody, KeyRing, ReceiptRequest, SearchRequest, TxnStatusRequest } from '../protocol';
import { searchAnswerLimit } from './answerSize';
import { itemLimit } from './itemLimit';
import type { AsyncActions } from './asyncActions';
import type { CallbackHub } from './callbackHub';
import type { DisclosureRecorder } from './disclosureAudit';
import { continueRequestScope } from '../../../src/requestScope';
import { acceptInbound, checkInbound, DciRefusal, InboundDeps, InboundMessage, InboundObserver, InboundRoute, observeInbound, readAlongsideReplay, refuse } from './inbound';
import { answerReceipt, type ReceiptLedger } from './receipts';
import { sendSigned, signEnvelope } from './replies';
import { answerSearch, partnerPrincipal } from './search';
import { txnStatus } from './txnStatus';
import type { TransactionAction, TransactionStore } from './transactions';
import { uploadRoutes, type UploadStore } from './uploads';

export interface DciServerDeps extends InboundDeps {
  ourSenderId: string;
  keys: KeyRing;
  graphql: GraphqlExecutor;
  transactions: TransactionStore;
  uploads: UploadStore;
  jobs: JobQueue;
  actions: AsyncActions;
  receipts: ReceiptLedger;
  hub: CallbackHub;
  disclosures: DisclosureRecorder;
  maxPageSize: number;
  maxBodyBytes: number;
  inboundObserver?: InboundObserver;
  database: DatabaseLiveness;
}

export const CALLBACK_JOB = 'dci.callback';

/** Each with the spec's receiver path its callback goes to when the request names no sender_uri. */
const ASYNC_ROUTES: { path: string; action: TransactionAction; scope: InboundRoute['scope']; callbackPath: string; limit?: InboundRoute['limit'] }[] = [
  { path: '/registry/search', action: 'search', scope: 'dci:search', callbackPath: '/registry/on-search' },
  { path: '/registry/subscribe', action: 'subscribe', scope: 'dci:subscribe', callbackPath: '/registry/on-subscribe', limit: itemLimit('subscribe_request') },
  { path: '/registry/unsubscribe', action: 'unsubscribe', scope: 'dci:subscribe', callbackPath: '/registry/on-unsubscribe', limit: itemLimit('subscription_codes') },
  { path: '/registry/txn/status', action: 'txn-status', scope: 'dci:search', callbackPath: '/registry/txn/on-status' },
  // Receipts and their on-receipt callback are our extension of the spec (protocol/extensions/receipts.yaml).
  { path: '/registry/receipt', action: 'receipt', scope: 'dci:subscribe', callbackPath: '/registry/on-receipt' },
];

const RECEIVER_APIS: InboundRoute['api'] = ['social', 'crvs', 'ibr', 'dr'];

/** Each with the one header action its request schema admits, as the routes above. */
const RECEIVER_ROUTES = [
  { path: '/registry/on-search', action: 'on-search' },
  { path: '/registry/on-subscribe', action: 'on-subscribe' },
  { path: '/registry/on-unsubscribe', action: 'on-unsubscribe' },
  { path: '/registry/txn/on-status', action: 'txn-on-status' },
  { path: '/registry/notify', action: 'notify' },
];

/** The ERR acknowledgement for a database that does not answer, under the message's correlation id once it has one. */
function unavailable(res: Response): void {
  const correlationId = (res.locals.dci as InboundMessage | undefined)?.correlationId ?? randomUUID();
  refuse(res, new DciRefusal('err.service.unavailable', 'the registry database is not answering; retry later'), correlationId);
}

/** DCI bodies are JSON (charset parameters aside); anything else is refused before it is read. */
function jsonOnly(req: Request, res: Response, next: NextFunction): void {
  if (req.is('application/json') === 'application/json') return next();
  refuse(res, new DciRefusal('err.request.bad', 'the body must be application/json', 415), randomUUID());
}

/**
 * A body the parser could not take (over the size limit, an encoding it does not know, cut short)
 * gets an ERR acknowledgement with the parser's 4xx status, like every other refusal under the base.
 */
function unreadableBody(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  const status = (error as { status?: number }).status;
  if (res.headersSent || status === undefined || status < 400 || status >= 500) return next(error);
  const message = status === 413 ? 'the body is over the size limit' : 'the body could not be read';
  refuse(res, new DciRefusal('err.request.bad', message, status), randomUUID());
}

/**
 * The signed answer, once its disclosures are recorded: a disclosure the audit could not store is
 * not made. The audit's write and the signing run together; the answer waits for both.
 */
async function recordedAndSigned<T>(recording: Promise<void>, signing: Promise<T>): Promise<T> {
  const [, signed] = await Promise.all([recording, signing]);
  return signed;
}

export function dciRouter(deps: DciServerDeps): express.Router {
  const router = express.Router();
  // The raw bytes are kept: some signing profiles sign exactly what was sent.
  const rawBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });
  const deadline = requestDeadline(deps.database, unavailable);
  /** Every path a message is posted to, for the 405 a request with another method gets. */
  const posted = new Set<string>();
  // Observed before the body is read, so a message refused for its size or type is counted too.
  const inbound = (route: InboundRoute & { action: string }) => {
    posted.add(route.path);
    return [
      ...(deps.inboundObserver ? [observeInbound({ path: route.path, action: route.action }, deps.inboundObserver)] : []),
      deadline,
      jsonOnly,
      rawBody,
      continueRequestScope,
      checkInbound(route, deps),
    ];
  };
  const accept = (handler: (m: InboundMessage, res: Response) => Promise<void>) => acceptInbound(deps, handler);
  const principalOf = (m: InboundMessage) => partnerPrincipal(m.partner, m.principal.subject, m.principal.issuer);

  const searchLimit = searchAnswerLimit(deps.maxPageSize);
  const syncSearch = { api: 'social', path: '/registry/sync/search', action: 'search', scope: 'dci:search', replayAlongside: true, limit: searchLimit } as const;
  router.post(syncSearch.path, inbound(syncSearch), accept(async (m, res) => {
    const request = m.envelope.message as SearchRequest;
    const total = request.search_request.length;
    const searched = await readAlongsideReplay(m, () => answerSearch(request, m.partner, principalOf(m), m.correlationId, deps));
    if ('replayed' in searched) {
      return sendSigned(res, await signEnvelope({ action: 'on-search', status: 'rjct', totalCount: total, completedCount: 0, reasonCode: searched.replayed }, m.partner, deps.ourSenderId, deps.keys));
    }
    const { message, disclosed } = searched.read;
    const messageId = randomUUID();
    sendSigned(res, await recordedAndSigned(
      deps.disclosures.record({ partner: m.partner.senderId, messageId, transactionId: request.transaction_id, action: 'on-search', at: new Date() }, disclosed),
      signEnvelope({ action: 'on-search', status: 'succ', totalCount: total, message, messageId }, m.partner, deps.ourSenderId, deps.keys),
    ));
  }));

  const syncTxnStatus = { api: 'social', path: '/registry/sync/txn/status', action: 'txn-status', scope: 'dci:search', replayAlongside: true } as const;
  router.post(syncTxnStatus.path, inbound(syncTxnStatus), accept(async (m, res) => {
    const request = m.envelope.message as TxnStatusRequest;
    const looked = await readAlongsideReplay(m, () => txnStatus(request, m.partner.senderId, m.correlationId, deps.transactions));
    if ('replayed' in looked) {
      return sendSigned(res, await signEnvelope({ action: 'txn-on-status', status: 'rjct', totalCount: 1, completedCount: 0, reasonCode: looked.replayed }, m.partner, deps.ourSenderId, deps.keys));
    }
    const { disclosed, ...answer } = looked.read;
    const messageId = randomUUID();
    sendSigned(res, await recordedAndSigned(
      deps.disclosures.record({ partner: m.partner.senderId, messageId, transactionId: request.transaction_id, action: 'txn-on-status', at: new Date() }, disclosed),
      signEnvelope({ action: 'txn-on-status', totalCount: 1, ...answer, messageId }, m.partner, deps.ourSenderId, deps.keys),
    ));
  }));

  router.post('/registry/sync/receipt', inbound({ api: 'social', path: '/registry/sync/receipt', action: 'receipt', scope: 'dci:subscribe' }), accept(async (m, res) => {
    if (m.replayRejection) {
      return sendSigned(res, await signEnvelope({ action: 'on-receipt', status: 'rjct', totalCount: 1, completedCount: 0, reasonCode: m.replayRejection }, m.partner, deps.ourSenderId, deps.keys));
    }
    const message = await answerReceipt(m.envelope.message as ReceiptRequest, m.partner.senderId, m.correlationId, deps.receipts);
    sendSigned(res, await signEnvelope({ action: 'on-receipt', status: 'succ', totalCount: 1, message }, m.partner, deps.ourSenderId, deps.keys));
  }));

  for (const route of ASYNC_ROUTES) {
    router.post(route.path, inbound({ api: 'social', ...route, ...(route.action === 'search' && { limit: searchLimit }) }), accept(async (m, res) => {
      if (m.replayRejection) return refuse(res, new DciRefusal('err.request.bad', `${m.replayRejection}: message refused`), m.correlationId);
      const message = m.envelope.message as { transaction_id: string };
      // Stored before the ACK: once the partner holds an ACK, the answer survives a restart.
      await deps.transactions.create({
        correlationId: m.correlationId,
        senderId: m.partner.senderId,
        transactionId: message.transaction_id,
        action: route.action,
        senderUri: m.callbackUri!,
        request: m.envelope.message as Record<string, unknown>,
        referenceIds: deps.actions.referenceIds(route.action, m.envelope.message),
      });
      await deps.jobs.enqueue(CALLBACK_JOB, { correlationId: m.correlationId }, { key: `callback:${m.correlationId}` });
      deps.jobs.kick();
      res.status(202).json(ackBody(m.correlationId));
    }));
  }

  for (const { path, action } of RECEIVER_ROUTES) {
    // Callbacks and notifications come from registries of every kind (a CRVS notifies deaths).
    router.post(path, inbound({ api: RECEIVER_APIS, path, action, scope: 'dci:callback' }), accept(async (m, res) => {
      if (m.replayRejection) return refuse(res, new DciRefusal('err.request.bad', `${m.replayRejection}: message refused`), m.correlationId);
      const message = m.envelope.message as { transaction_id?: string } | undefined;
      const claimed = await deps.hub.dispatch({
        action: String(m.envelope.header.action),
        senderId: m.partner.senderId,
        transactionId: message?.transaction_id,
        header: m.envelope.header,
        message,
      });
      if (!claimed) deps.log.info({ path, senderId: m.partner.senderId }, 'callback received with no flow waiting for it');
      res.status(200).json(ackBody(m.correlationId));
    }));
  }

  // Bulk identifier uploads, our extension of the spec (protocol/extensions/uploads.yaml).
  uploadRoutes(router, deps, deadline);

  router.use((req: Request, res: Response) => {
    if (!posted.has(req.path)) return refuse(res, new DciRefusal('err.request.not_found', 'no DCI endpoint at this path'), randomUUID());
    res.set('Allow', 'POST');
    refuse(res, new DciRefusal('err.request.bad', 'DCI messages are sent with POST', 405), randomUUID());
  });

  router.use(unreadableBody);
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent || !isDatabaseUnreachable(error)) return next(error);
    deps.log.warn({ err: (error as Error).message }, 'DCI request failed: the database is not answering');
    unavailable(res);
  });

  return router;
}
