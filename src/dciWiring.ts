/**
 * Assembles the DCI side of the gateway: partner directory and keys, replay guard, stored
 * transactions and subscriptions, the durable jobs that deliver callbacks and notifications, and the
 * routes. Kept apart from gateway.ts so the HTTP start-up reads in one screen.
 */
import express from 'express';
import { onlyMethod } from './httpAnswers';
import { disclosureRecorder, pruneDisclosures } from './audit/disclosures';
import type { Config } from './config';
import type { TokenService } from './auth/tokens';
import type { GraphqlExecutor } from './graphql/inProcess';
import { dciSubscriptionStore, deliveryLedger, outboxFeed, receiptLedger } from './jobs/dciSubscriptions';
import { dciTransactionStore } from './jobs/dciTransactions';
import { dciUploadStore } from './jobs/dciUploads';
import { JobQueue } from './jobs/queue';
import type { Logger } from './log';
import type { GatewayMetrics } from './metrics';
import { SecretBox } from './dataSources/secretBox';
import { partnerDirectory } from './partners/directory';
import { partnerKeySource } from './partners/keyResolver';
import { SharedRateLimiter } from './partners/sharedRateLimiter';
import { warnUnsignedPartners } from './partners/service';
import type { DatabaseLiveness } from './store/liveness';
import type { RegistryModels } from './store/models';
import { listLocations } from './registry/locations';
import { requestDeadline } from './requestDeadline';
import { SIGNING_PROFILES } from './store/models/partner';
import { gatewayVersion } from './paths';
import { MongoReplayStore } from './store/models/replay';
import { Pruning, startPruning } from './store/retention';
import type mongoose from 'mongoose';
import { JWKS_MAX_AGE_SECONDS, KeyRing, ReplayGuard } from '../adapters/dci/protocol';
import { asyncActions, callbackJob } from '../adapters/dci/server/asyncActions';
import { CallbackHub } from '../adapters/dci/server/callbackHub';
import { NOTIFY_JOB, notifyJob, scanOutbox } from '../adapters/dci/server/notifier';
import { oauthTokenRouter } from '../adapters/dci/server/oauth';
import { locationHierarchy } from '../adapters/dci/server/locations';
import { buildOpenapiDocument } from '../adapters/dci/server/openapiDocument';
import { CALLBACK_JOB, dciRouter } from '../adapters/dci/server/routes';
import { subscriptionActions } from '../adapters/dci/server/subscriptions';
import { UPLOAD_JOB, uploadJob } from '../adapters/dci/server/uploads';

export const MAX_PAGE_SIZE = 100;
/** The core locations API's error shape (HttpErrorResponse). */
const locationsUnavailable = (res: express.Response) =>
  res.status(503).json({ errors: [{ code: 'err.service.unavailable', message: 'the registry database is not answering; retry later' }] });
const MAX_BODY_BYTES = 1024 * 1024;
const OUTBOX_SCAN_MS = 500;
const RETRY = { maxAttempts: 10, backoff: { baseMs: 1000, maxMs: 5 * 60_000, jitter: true } };
/**
 * Notifications keep their order per subscription, so a subscriber that is down holds its queue.
 * Their jobs never run out of attempts (one waiting for an earlier one must not be dropped unsent):
 * a notification itself gives up once it has failed for DCI_NOTIFY_GIVE_UP_HOURS (notifyJob).
 */
const NOTIFY_RETRY = { ...RETRY, maxAttempts: Number.MAX_SAFE_INTEGER };

export interface DciSide {
  keys: KeyRing;
  hub: CallbackHub;
  jobs: JobQueue;
  mount(app: express.Express): void;
  start(): void;
  stop(): Promise<void>;
}

export async function wireDci(opts: {
  config: Config;
  connection: mongoose.Connection;
  models: RegistryModels;
  tokens: TokenService;
  graphql: GraphqlExecutor;
  keys: KeyRing;
  hub: CallbackHub;
  metrics: Pick<GatewayMetrics, 'inboundMessages' | 'deliveries'>;
  database: DatabaseLiveness;
  log: Logger;
}): Promise<DciSide> {
  const { config, connection, models, tokens, graphql, keys, hub, metrics, database, log } = opts;
  const partners = partnerDirectory({
    models,
    box: SecretBox.open(config.dataDir),
    keysOf: partnerKeySource({ cacheTtlMs: 5 * 60_000, log }),
    limiter: new SharedRateLimiter(connection),
  });
  const replay = new ReplayGuard(new MongoReplayStore(connection));
  const transactions = dciTransactionStore(connection);
  const subscriptions = dciSubscriptionStore(connection);
  const jobs = new JobQueue(connection, log, { pollMs: 500, leaseMs: config.jobLeaseMs });
  const subscriptionHandlers = subscriptionActions(subscriptions, {
    maxPageSize: MAX_PAGE_SIZE,
    senderUriOf: async (correlationId) => (await transactions.get(correlationId))?.senderUri,
  });
  const receipts = receiptLedger(connection);
  const actions = asyncActions({ graphql, maxPageSize: MAX_PAGE_SIZE, transactions, subscriptions: subscriptionHandlers, receipts });
  const ourSenderId = config.dciSenderId;
  const disclosures = disclosureRecorder(models);
  jobs.define(CALLBACK_JOB, callbackJob({ ourSenderId, keys, partners, transactions, actions, disclosures, log, deliveries: metrics.deliveries }), RETRY);
  const notifier = { ourSenderId, keys, graphql, partners, subscriptions, outbox: outboxFeed(connection), ledger: deliveryLedger(connection), jobs, disclosures, log, deliveries: metrics.deliveries, giveUpAfterMs: config.notifyGiveUpMs };
  jobs.define(NOTIFY_JOB, notifyJob(notifier), NOTIFY_RETRY);
  const uploads = dciUploadStore(connection);
  jobs.define(UPLOAD_JOB, uploadJob({ ourSenderId, keys, graphql, maxPageSize: MAX_PAGE_SIZE, partners, transactions, uploads, jobs, disclosures, log, deliveries: metrics.deliveries }), RETRY);
  await warnUnsignedPartners(models, log);

  let pruning: Pruning | undefined;
  let scanning: NodeJS.Timeout | undefined;
  let scan: Promise<unknown> = Promise.resolve();
  let stopped = true;
  // The next scan is timed from the end of the last: a scan slower than the period (a large outbox
  // on the embedded engine, a database that does not answer) must not queue scans behind it.
  const scanLater = () => {
    scanning = setTimeout(() => {
      scan = scanOutbox(notifier)
        .catch((error: unknown) => log.error({ err: error }, 'outbox scan failed'))
        .finally(() => {
          if (!stopped) scanLater();
        });
    }, OUTBOX_SCAN_MS);
  };
  const openapi = buildOpenapiDocument({
    dciBasePath: config.dciBasePath,
    signingProfiles: SIGNING_PROFILES.filter((profile) => profile !== 'none'),
    maxBodyBytes: MAX_BODY_BYTES,
    version: gatewayVersion(),
  });
  return {
    keys,
    hub,
    jobs,
    mount(app) {
      app.get('/.well-known/jwks.json', (_req, res) => {
        res.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`).json(keys.jwks());
      });
      app.use(oauthTokenRouter({ models, tokens, database, log }));
      // Public like the JWKS (the core locations API): place names and codes, nothing about people.
      app.get('/.well-known/locations.json', requestDeadline(database, locationsUnavailable), async (_req, res) => {
        try {
          const places = (await listLocations(models)).map((l) => ({ code: l._id, name: l.name, type: l.type, parent: l.parent, updatedAt: l.updatedAt }));
          if (!res.headersSent) res.set('Cache-Control', 'public, max-age=300').json(locationHierarchy(places, new Date()));
        } catch (error) {
          log.warn({ err: (error as Error).message }, 'locations document not served');
          if (!res.headersSent) locationsUnavailable(res);
        }
      });
      // Public like the JWKS: it describes the API, holds no data, and integrators read it before they have credentials.
      app.get(`${config.dciBasePath}/openapi.json`, (_req, res) => {
        res.set('Cache-Control', 'public, max-age=300').json(openapi);
      });
      app.all(['/.well-known/jwks.json', '/.well-known/locations.json', `${config.dciBasePath}/openapi.json`], onlyMethod('GET'));
      app.use(
        config.dciBasePath,
        dciRouter({ tokens, partners, replay, log, ourSenderId, keys, graphql, transactions, uploads, jobs, actions, receipts, hub, disclosures, maxPageSize: MAX_PAGE_SIZE, maxBodyBytes: MAX_BODY_BYTES, inboundObserver: metrics.inboundMessages, database }),
      );
    },
    start() {
      jobs.start();
      // The outbox is read by a poller, never on the request path that wrote it.
      stopped = false;
      scanLater();
      pruning = startPruning('disclosure records', (now) => pruneDisclosures(models, now, config.disclosureRetentionDays), log);
    },
    async stop() {
      stopped = true;
      clearTimeout(scanning);
      await Promise.all([scan, pruning?.stop()]);
      await jobs.stop();
    },
  };
}
