/**
 * Partner answers kept per individual and kind: read in one query for a whole batch, reused while
 * fresh (checkedAt + the flow's TTL) and while the question is unchanged, replaced by upsert.
 */
import type mongoose from 'mongoose';
import { Types } from 'mongoose';
import { onlyDuplicates } from '../store/duplicateKey';
import type { PartnerFactDoc } from '../store/models/partnerFact';
import type { Checked, PartnerFlow } from './flow';
import type { Subject } from './subjects';

type FactModel = mongoose.Model<PartnerFactDoc>;

/** The embedded FerretDB 1.24 stalls on one bulk of ~100 upserts that match stored facts: smaller bulks, one after another. */
const WRITES_PER_BULK = 50;

export async function freshFacts<V>(model: FactModel, flow: PartnerFlow<V>, subjects: Subject[], now: Date): Promise<Map<string, Checked<V>>> {
  const docs = await model.find({ kind: flow.kind, individual: { $in: subjects.map((s) => new Types.ObjectId(s.id)) } }).lean<PartnerFactDoc<V>[]>();
  const byIndividual = new Map(docs.map((d) => [`${d.individual}`, d]));
  const fresh = new Map<string, Checked<V>>();
  for (const s of subjects) {
    const doc = byIndividual.get(s.id);
    if (!doc || doc.question !== flow.question(s) || now.getTime() - doc.checkedAt.getTime() >= flow.ttlMs) continue;
    fresh.set(s.id, { ...doc.value, checkedAt: doc.checkedAt, dataSource: doc.dataSource });
  }
  return fresh;
}

/**
 * One upsert per answer on the (individual, kind) unique index, only over an older answer: when two
 * requests store at once, the insert of the slower one hits the index and the newer answer stays.
 */
export async function storeFacts<V>(model: FactModel, flow: PartnerFlow<V>, facts: { subject: Subject; checked: Checked<V> }[]): Promise<void> {
  const writes = facts.map(({ subject, checked: { checkedAt, dataSource, ...value } }) => ({
    updateOne: {
      filter: { individual: new Types.ObjectId(subject.id), kind: flow.kind, checkedAt: { $lt: checkedAt } },
      update: { $set: { question: flow.question(subject), dataSource, checkedAt, value } },
      upsert: true,
    },
  }));
  for (let i = 0; i < writes.length; i += WRITES_PER_BULK) {
    try {
      await model.bulkWrite(writes.slice(i, i + WRITES_PER_BULK), { ordered: false });
    } catch (error) {
      if (!onlyDuplicates(error)) throw error;
    }
  }
}
