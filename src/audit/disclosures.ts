/**
 * The disclosure audit: who received a person's data, which fields, for what purpose, in which
 * message. The DCI adapter records through `disclosureRecorder` before a message leaves (idempotent
 * per message and person; messages recorded at the same time share an insert); operators read it
 * through GraphQL and export it with `dci-gateway audit export`. Records older than the retention
 * are deleted by `pruneDisclosures`.
 */
import { Types, type FilterQuery, type Model } from 'mongoose';
import type { DisclosureMessage, DisclosureRecorder, PersonDisclosure } from '../../adapters/dci/server/disclosureAudit';
import { badInput } from '../errors';
import { insertsTogether } from '../store/insertsTogether';
import { deleteOlderThan } from '../store/retention';
import { atWithin, newestFirst, oldestFirst, type NewestPage, type TimeRange } from './byTime';
import type { DisclosureDoc } from '../store/models/disclosure';

export interface DisclosureModels {
  Disclosure: Model<DisclosureDoc>;
}

/**
 * One document per person of the message. A person shown by two items of one message is one record
 * holding every field either showed (at the higher level), with the first item's purpose and reference.
 */
export function disclosureDocs(message: DisclosureMessage, people: readonly PersonDisclosure[]): DisclosureDoc[] {
  const byPerson = new Map<string, DisclosureDoc>();
  for (const person of people) {
    const known = byPerson.get(person.individualId);
    if (known) {
      for (const f of person.fields) {
        const same = known.fields.find((k) => k.field === f.field);
        if (!same) known.fields.push({ ...f });
        else if (f.level === 'given') same.level = 'given';
      }
      continue;
    }
    const purpose = { ...(person.purpose.consent && { consent: person.purpose.consent }), ...(person.purpose.authorize && { authorize: person.purpose.authorize }) };
    byPerson.set(person.individualId, {
      _id: `${message.messageId}:${person.individualId}`,
      partner: message.partner,
      individual: new Types.ObjectId(person.individualId),
      fields: person.fields.map((f) => ({ ...f })),
      ...(Object.keys(purpose).length > 0 && { purpose }),
      transactionId: message.transactionId,
      messageId: message.messageId,
      action: message.action,
      ...(person.referenceId !== undefined && { referenceId: person.referenceId }),
      at: message.at,
    });
  }
  return [...byPerson.values()];
}

/**
 * Concurrent messages' records go in one insert (`insertsTogether`). A message recorded again (a
 * retried callback) finds its records there: the duplicates it gets back are not a failure.
 */
export function disclosureRecorder(models: DisclosureModels): DisclosureRecorder {
  // The collection's own insert: the documents are built fully typed, and mongoose's hydrating 100 of them per message cost more than writing them.
  const insert = insertsTogether<DisclosureDoc>(models.Disclosure.collection);
  return {
    async record(message, people) {
      await insert(disclosureDocs(message, people));
    },
  };
}

export interface DisclosureFilter extends TimeRange {
  /** The partner's sender id. */
  partner?: string | null;
  individualId?: string | null;
  /** A purpose code, given as consent or as authorize. */
  purpose?: string | null;
  transactionId?: string | null;
}

export function disclosureQuery(filter: DisclosureFilter, field = 'filter'): FilterQuery<DisclosureDoc> {
  const query: FilterQuery<DisclosureDoc> = {};
  if (filter.partner != null) query.partner = filter.partner;
  if (filter.individualId != null) {
    if (!Types.ObjectId.isValid(filter.individualId) || !/^[0-9a-f]{24}$/i.test(filter.individualId)) throw badInput(`${field}.individualId`, 'is not an individual id');
    query.individual = new Types.ObjectId(filter.individualId);
  }
  if (filter.purpose != null) query.$or = [{ 'purpose.consent': filter.purpose }, { 'purpose.authorize': filter.purpose }];
  if (filter.transactionId != null) query.transactionId = filter.transactionId;
  return { ...query, ...atWithin(filter, field) };
}

/** A page of the newest disclosures matching the filter. */
export const listDisclosures = (models: DisclosureModels, filter: DisclosureFilter, page: NewestPage) => newestFirst(models.Disclosure, disclosureQuery(filter), page);

/** Every disclosure matching the filter, oldest first (the export). */
export const eachDisclosure = (models: DisclosureModels, filter: DisclosureFilter) => oldestFirst(models.Disclosure, disclosureQuery(filter));

/** A disclosure as operators see it (GraphQL, the export): ids as strings, no database internals. */
export function disclosureView(doc: DisclosureDoc) {
  return {
    id: doc._id,
    partner: doc.partner,
    individualId: `${doc.individual}`,
    fields: doc.fields.map(({ field, level }) => ({ field, level })),
    purpose: doc.purpose ? { consent: doc.purpose.consent ?? null, authorize: doc.purpose.authorize ?? null } : null,
    transactionId: doc.transactionId,
    messageId: doc.messageId,
    action: doc.action,
    referenceId: doc.referenceId ?? null,
    at: doc.at,
  };
}

/** Deletes the records older than the retention; returns how many. */
export function pruneDisclosures(models: DisclosureModels, now: Date, retentionDays: number): Promise<number> {
  return deleteOlderThan(models.Disclosure, 'at', now, retentionDays);
}
