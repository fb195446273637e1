/** What each partner flow (IBR enrolment, DR disability, CRVS record) tells the shared cached, batched lookup. */
import type { DciClient } from '../../adapters/dci/client/client';
import type { RegistryKind } from '../../adapters/dci/client/dataSource';
import { GatewayError } from '../errors';
import type { PartnerFactKind } from '../store/models/partnerFact';
import type { Subject } from './subjects';

/** Per subject id: the partner's answer, or why there is none for that person. */
export type Answers<V> = Map<string, V | GatewayError>;

export interface PartnerFlow<V> {
  kind: PartnerFactKind;
  registry: RegistryKind;
  /** How long an answer is reused, from its checkedAt. */
  ttlMs: number;
  /** What the partner is asked with: a stored answer to another question is a miss. */
  question(subject: Subject): string;
  /** Asks the partner about every subject in as few envelopes as it allows; an error thrown fails them all. */
  ask(client: DciClient, subjects: Subject[]): Promise<Answers<V>>;
  /** Whether the answer says the partner holds anything about the person (the fetch audit's `ok`, else `not_found`). */
  holds(answer: V): boolean;
}

/** An answer as served: the value, when and where it was obtained. */
export type Checked<V> = V & { checkedAt: Date; dataSource: string };

/** The partner said nothing about this person (no item with its reference). */
export const unanswered = (dataSource: string) =>
  new GatewayError('UNAVAILABLE', `data source ${dataSource}: the registry did not answer for this person`, { dataSource, reason: 'NO_ANSWER' });

/** The partner refused the item about this person (an `rjct` item). */
export const itemRejected = (dataSource: string, partnerCode: string | undefined) =>
  new GatewayError('UNAVAILABLE', `data source ${dataSource}: the registry could not answer for this person`, { dataSource, reason: 'ITEM_REJECTED', ...(partnerCode && { partnerCode }) });

/** The partner could not be asked about this person at all: they are unknown to it rather than failed. */
export const isUnaskable = (error: GatewayError) => error.details.reason === 'NO_IDENTIFIER';

/** Nothing to ask the partner with. */
export const noIdentifier = (registry: RegistryKind) =>
  new GatewayError('UNAVAILABLE', `the individual holds no identifier the ${registry} registry knows people by`, { reason: 'NO_IDENTIFIER' });

/** `values` cut into envelopes of at most `size` (the data source's maxItemsPerEnvelope). */
export function chunks<T>(values: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(values.length / size) }, (_, i) => values.slice(i * size, (i + 1) * size));
}
