/**
 * The gateway's Prometheus metrics. One registry per gateway instance, never prom-client's global
 * one: tests run several gateways in one process. Each part of the gateway gets only the observer it
 * reports to; labels are fixed vocabularies (route groups, DCI paths and codes, data source names),
 * never ids, tokens or personal data.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { DataSourceCallObserver } from '../../adapters/dci/client/client';
import type { DeliveryObserver } from '../../adapters/dci/server/delivery';
import type { InboundObserver } from '../../adapters/dci/server/inbound';
import type { Context } from '../graphql/context';
import type { Logger } from '../log';
import { circuitMetrics, dataSourceCallMetrics, deliveryMetrics, inboundMessageMetrics } from './dci';
import type { DataSourceCircuit } from '../dataSources/wiring';
import { graphqlMetrics } from './graphql';
import { httpMetrics } from './http';
import { JobCounts, jobMetrics } from './jobs';

export interface GatewayMetrics {
  registry: Registry;
  /** Express middleware, mounted before every route. */
  httpRequests: RequestHandler;
  graphqlOperations: ApolloServerPlugin<Context>;
  inboundMessages: InboundObserver;
  dataSourceCalls: DataSourceCallObserver;
  deliveries: DeliveryObserver;
  /** Reports the queue's jobs by kind and state on every scrape. */
  watchJobs(queue: JobCounts): void;
  /** Reports the data sources' circuit breakers on every scrape. */
  watchCircuits(circuits: () => DataSourceCircuit[]): void;
}

export function createMetrics(opts: { dciBasePath: string; log: Logger }): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dci_gateway_' });
  return {
    registry,
    httpRequests: httpMetrics(registry, opts.dciBasePath),
    graphqlOperations: graphqlMetrics(registry),
    inboundMessages: inboundMessageMetrics(registry),
    dataSourceCalls: dataSourceCallMetrics(registry),
    deliveries: deliveryMetrics(registry),
    watchJobs: (queue) => jobMetrics(registry, queue, opts.log),
    watchCircuits: (circuits) => circuitMetrics(registry, circuits),
  };
}
