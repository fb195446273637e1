/**
 * Every path of the DCI Social Registry API, under the configured base: the registry side (sync and
 * async search, subscribe, unsubscribe, txn status) and the receiver side (on-* callbacks, notify).
 */
import { randomUUID } from 'node:crypto';
import express, { NextFunction, Request, Response } from 'express';
import type { GraphqlExecutor } from '../../../src/graphql/inProcess';
import type { JobQueue } from '../../../src/jobs/queue';
import { requestDeadline } from '../../../src/requestDeadline';
import { DatabaseLiveness, isDatabaseUnreachable } from '../../../src/store/liveness';
import { ackBody, KeyRing, SearchRequest, TxnStatusRequest } from '../protocol';
import type { AsyncActions } from './asyncActions';
import type { CallbackHub } from './callbackHub';
import { checkInbound, DciRefusal, InboundDeps, InboundMessage, InboundObserver, InboundRoute, observeInbound, refuse } from './inbound';
import { underCallbackBase } from './partners';
import { sendSigned, signEnvelope } from './replies';
import { answerSearch, partnerPrincipal } from './search';
import { txnStatus } from './txnStatus';
import type { TransactionAction, TransactionStore } from './transactions';

export interface DciServerDeps extends InboundDeps {
  ourSenderId: string;
  keys: KeyRing;
  graphql: GraphqlExecutor;
  transactions: TransactionStore;
  jobs: JobQueue;
  actions: AsyncActions;
  hub: CallbackHub;
  maxPageSize: number;
  maxBodyBytes: number;
  inboundObserver?: InboundObserver;
  database: DatabaseLiveness;
}

export const CALLBACK_JOB = 'dci.callback';

const ASYNC_ROUTES: { path: string; action: TransactionAction; scope: InboundRoute['scope'] }[] = [
  { path: '/registry/search', action: 'search', scope: 'dci:search' },
  { path: '/registry/subscribe', action: 'subscribe', scope: 'dci:subscribe' },
  { path: '/registry/unsubscribe', action: 'unsubscribe', scope: 'dci:subscribe' },
  { path: '/registry/txn/status', action: 'txn-status', scope: 'dci:search' },
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

const dci = (res: Response) => res.locals.dci as InboundMessage;

/** The ERR acknowledgement for a database that does not answer, under the message's correlation id once it has one. */
function unavailable(res: Response): void {
  const correlationId = (res.locals.dci as InboundMessage | undefined)?.correlationId ?? randomUUID();
  refuse(res, new DciRefusal('err.service.unavailable', 'the registry database is not answering; retry later'), correlationId);
}

export function dciRouter(deps: DciServerDeps): express.Router {
  const router = express.Router();
  // The raw bytes are kept: some signing profiles sign exactly what was sent.
  const rawBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });
  const deadline = requestDeadline(deps.database, unavailable);
  // Observed before the body is read, so a message refused for its size is counted too.
  const inbound = (path: string, action: string, scope: InboundRoute['scope'], api: InboundRoute['api'] = 'social') => [
    ...(deps.inboundObserver ? [observeInbound({ path, action }, deps.inboundObserver)] : []),
    deadline,
    rawBody,
    checkInbound({ api, path, scope }, deps),
  ];
  const principalOf = (m: InboundMessage) => partnerPrincipal(m.partner, m.principal.subject, m.principal.issuer);

  router.post('/registry/sync/search', inbound('/registry/sync/search', 'search', 'dci:search'), async (_req: Request, res: Response) => {
    const m = dci(res);
    const request = m.envelope.message as SearchRequest;
    const total = request.search_request.length;
    if (m.replayRejection) {
      return sendSigned(res, await signEnvelope({ action: 'on-search', status: 'rjct', totalCount: total, completedCount: 0, reasonCode: m.replayRejection }, m.partner, deps.ourSenderId, deps.keys));
    }
    const message = await answerSearch(request, m.partner, principalOf(m), m.correlationId, deps);
    sendSigned(res, await signEnvelope({ action: 'on-search', status: 'succ', totalCount: total, message }, m.partner, deps.ourSenderId, deps.keys));
  });

  router.post('/registry/sync/txn/status', inbound('/registry/sync/txn/status', 'txn-status', 'dci:search'), async (_req: Request, res: Response) => {
    const m = dci(res);
    if (m.replayRejection) {
      return sendSigned(res, await signEnvelope({ action: 'txn-on-status', status: 'rjct', totalCount: 1, completedCount: 0, reasonCode: m.replayRejection }, m.partner, deps.ourSenderId, deps.keys));
    }
    const answer = await txnStatus(m.envelope.message as TxnStatusRequest, m.partner.senderId, m.correlationId, deps.transactions);
    sendSigned(res, await signEnvelope({ action: 'txn-on-status', totalCount: 1, ...answer }, m.partner, deps.ourSenderId, deps.keys));
  });

  for (const route of ASYNC_ROUTES) {
    router.post(route.path, inbound(route.path, route.action, route.scope), async (_req: Request, res: Response) => {
      const m = dci(res);
      if (m.replayRejection) return refuse(res, new DciRefusal('err.request.bad', `${m.replayRejection}: message refused`), m.correlationId);
      const senderUri = typeof m.envelope.header.sender_uri === 'string' ? m.envelope.header.sender_uri : undefined;
      if (!senderUri || !underCallbackBase(senderUri, m.partner.callbackBase)) {
        return refuse(res, new DciRefusal('err.sender_uri.invalid', 'header.sender_uri must lie under the callback base registered for this partner'), m.correlationId);
      }
      const message = m.envelope.message as { transaction_id: string };
      // Stored before the ACK: once the partner holds an ACK, the answer survives a restart.
      await deps.transactions.create({
        correlationId: m.correlationId,
        senderId: m.partner.senderId,
        transactionId: message.transaction_id,
        action: route.action,
        senderUri,
        request: m.envelope.message as Record<string, unknown>,
        referenceIds: deps.actions.referenceIds(route.action, m.envelope.message),
      });
      await deps.jobs.enqueue(CALLBACK_JOB, { correlationId: m.correlationId }, { key: `callback:${m.correlationId}` });
      deps.jobs.kick();
      res.status(202).json(ackBody(m.correlationId));
    });
  }

  for (const { path, action } of RECEIVER_ROUTES) {
    // Callbacks and notifications come from registries of every kind (a CRVS notifies deaths).
    router.post(path, inbound(path, action, 'dci:callback', RECEIVER_APIS), async (_req: Request, res: Response) => {
      const m = dci(res);
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
    });
  }

  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent || !isDatabaseUnreachable(error)) return next(error);
    deps.log.warn({ err: (error as Error).message }, 'DCI request failed: the database is not answering');
    unavailable(res);
  });

  return router;
}
