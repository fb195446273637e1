/** Identifier uploads (adapters/dci/server/uploads.ts), on MongoDB: pages, pending slots, and their transaction's progress. */
import mongoose from 'mongoose';
import type { UploadPage, UploadStore } from '../../adapters/dci/server/uploads';
import { isDuplicateKey } from '../store/duplicateKey';
import { dciTransactionModel } from '../store/models/dciTransaction';
import { dciUploadPageModel, dciUploadSlotModel, DciUploadPageDoc } from '../store/models/dciUpload';

/** A slot whose upload never got its transaction is the trace of a request that died while storing; longer than any request lasts. */
const ORPHAN_SLOT_MS = 10 * 60_000;

const pageId = (correlationId: string, page: number) => `${correlationId}#${page}`;

function fromDoc(doc: DciUploadPageDoc): UploadPage {
  return {
    page: doc.page,
    ...(doc.itemsJson !== undefined && { items: JSON.parse(doc.itemsJson) }),
    ...(doc.answerJson !== undefined && { answer: JSON.parse(doc.answerJson), messageId: doc.messageId }),
    delivered: doc.deliveredAt !== undefined,
  };
}

export function dciUploadStore(connection: mongoose.Connection): UploadStore {
  const Page = dciUploadPageModel(connection);
  const Slot = dciUploadSlotModel(connection);
  const Txn = dciTransactionModel(connection);
  const release = (senderId: string, correlationId: string) => Slot.deleteMany({ senderId, correlationId }).then(() => undefined);

  /** Frees the slots whose upload is over (a gateway stopped before freeing it) or never got stored; whether any was freed. */
  async function freeStaleSlots(senderId: string, now: Date): Promise<boolean> {
    const slots = await Slot.find({ senderId }).lean();
    const txns = new Map((await Txn.find({ _id: { $in: slots.map((s) => s.correlationId) } }, { delivery: 1 }).lean()).map((t) => [t._id, t]));
    let freed = false;
    for (const slot of slots) {
      const txn = txns.get(slot.correlationId);
      const stale = txn ? txn.delivery.state !== 'pending' : now.getTime() - slot.at.getTime() > ORPHAN_SLOT_MS;
      if (stale && (await Slot.deleteOne({ _id: slot._id, correlationId: slot.correlationId })).deletedCount > 0) freed = true;
    }
    return freed;
  }

  return {
    async claimSlot(senderId, correlationId, limit) {
      const now = new Date();
      for (let round = 0; round < 2; round++) {
        for (let n = 0; n < limit; n++) {
          try {
            await Slot.create({ _id: `${senderId}#${n}`, senderId, correlationId, at: now });
            return true;
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
          }
        }
        if (round === 0 && !(await freeStaleSlots(senderId, now))) return false;
      }
      return false;
    },
    async storePages(correlationId, pages) {
      await Page.insertMany(pages.map((items, i) => ({ _id: pageId(correlationId, i + 1), correlationId, page: i + 1, itemsJson: JSON.stringify(items) })));
    },
    async discard(senderId, correlationId) {
      await Txn.deleteOne({ _id: correlationId, upload: { $exists: true } });
      await Page.deleteMany({ correlationId });
      await release(senderId, correlationId);
    },
    async page(correlationId, page) {
      const doc = await Page.findById(pageId(correlationId, page)).lean();
      return doc ? fromDoc(doc) : undefined;
    },
    async settlePage(correlationId, page, answer, messageId) {
      const statuses = answer.message.search_response.map((item) => item.status);
      await Page.updateOne(
        { _id: pageId(correlationId, page), answerJson: null, deliveredAt: null },
        { $set: { answerJson: JSON.stringify(answer), messageId, succeeded: statuses.filter((s) => s === 'succ').length, rejected: statuses.filter((s) => s === 'rjct').length } },
      );
      return fromDoc((await Page.findById(pageId(correlationId, page)).lean())!);
    },
    async pageDelivered(correlationId, page) {
      const now = new Date();
      await Page.updateOne({ _id: pageId(correlationId, page) }, { $set: { deliveredAt: now }, $unset: { itemsJson: 1, answerJson: 1 } });
      await Txn.updateOne({ _id: correlationId, 'upload.pagesDelivered': { $lt: page } }, { $set: { 'upload.pagesDelivered': page, updatedAt: now } });
    },
    async complete(senderId, correlationId) {
      const pages = await Page.find({ correlationId }, { succeeded: 1, rejected: 1 }).lean();
      const sum = (key: 'succeeded' | 'rejected') => pages.reduce((total, p) => total + (p[key] ?? 0), 0);
      await Txn.updateOne({ _id: correlationId }, { $set: { status: 'succ', itemCounts: { succeeded: sum('succeeded'), rejected: sum('rejected') }, updatedAt: new Date() } });
      await release(senderId, correlationId);
    },
    async abandon(senderId, correlationId) {
      await Page.updateMany({ correlationId }, { $unset: { itemsJson: 1, answerJson: 1 } });
      await release(senderId, correlationId);
    },
  };
}
