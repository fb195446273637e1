/**
 * The DCI side: messages partners send us, our calls to data sources, and our callbacks and
 * notifications to partners. Labels are route paths, actions, codes and data source names only.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSourceCircuit } from '../dataSources/wiring';
import type { DataSourceCallObserver } from '../../adapters/dci/client/client';
import type { DeliveryObserver } from '../../adapters/dci/server/delivery';
import type { InboundObserver } from '../../adapters/dci/server/inbound';

export function inboundMessageMetrics(registry: Registry): InboundObserver {
  const messages = new Counter({
    name: 'dci_gateway_dci_inbound_messages_total',
    help: 'DCI messages answered, by route path, action and outcome (accepted, the rjct.* or err.* code, or the HTTP status)',
    labelNames: ['path', 'action', 'outcome'] as const,
    registers: [registry],
  });
  return (message) => messages.inc(message);
}

export function dataSourceCallMetrics(registry: Registry): DataSourceCallObserver {
  const labelNames = ['data_source', 'operation', 'outcome', 'reason'] as const;
  const calls = new Counter({
    name: 'dci_gateway_dci_outbound_calls_total',
    help: 'Calls to data sources, by data source, partner API path, outcome (ok or the error code) and failure reason',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'dci_gateway_dci_outbound_call_duration_seconds',
    help: 'Duration of calls to data sources, retries and callback waits included',
    labelNames,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  return (call) => {
    const labels = { data_source: call.dataSource, operation: call.operation, outcome: call.outcome, reason: call.reason ?? '' };
    calls.inc(labels);
    duration.observe(labels, call.durationMs / 1000);
  };
}

export function deliveryMetrics(registry: Registry): DeliveryObserver {
  const deliveries = new Counter({
    name: 'dci_gateway_dci_deliveries_total',
    help: 'Callback and notification delivery attempts to partners, by kind and outcome (delivered, the HTTP status, timeout or failed)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  return (delivery) => deliveries.inc(delivery);
}

/** Each data source's circuit breaker in this instance, read on each scrape: 1 for its state, 0 for the others. */
export function circuitMetrics(registry: Registry, circuits: () => DataSourceCircuit[]): void {
  new Gauge({
    name: 'dci_gateway_dci_outbound_circuit',
    help: "Each data source's circuit breaker in this instance, by state (closed, open, half-open): 1 for its state; data sources not called since the start are left out",
    labelNames: ['data_source', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { dataSource, state } of circuits()) {
        for (const s of ['closed', 'open', 'half-open'] as const) this.set({ data_source: dataSource, state: s }, s === state ? 1 : 0);
      }
    },
  });
}
