/** The outbound DCI client: one DciClient per data source (partner registry). */
export * from './dataSource';
export * from './client';
export * from './circuitBreaker';
export * from './tokenCache';
export * from './retryPolicy';
export type { ReceivedEnvelope, Signer } from './envelopes';
