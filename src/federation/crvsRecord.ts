/**
 * The person's civil registration at the CRVS (SPEC-NOTES 4.2): the births and deaths it holds
 * under the person's UIN or BRN, one search item per person, several items per envelope.
 */
import type { SearchItem } from '../../adapters/dci/client/client';
import { dayOf, identifiersOf, Rec, recordsOf, textOf } from './dciRecords';
import { Answers, itemRejected, noIdentifier, PartnerFlow, unanswered } from './flow';
import type { Subject } from './subjects';

export interface VitalEvent {
  type: 'birth' | 'death';
  /** The BRN of a birth, the DRN of a death. */
  registrationNumber?: string;
  /** The day of the birth or death. */
  date?: Date;
  registeredOn?: Date;
}

export interface CrvsRecord {
  events: VitalEvent[];
}

const REG_TYPE = 'ns:org:RegistryType:Civil';
const RECORD_TYPE = 'spdci-extensions-dci:Person';
/** Civil records are final once registered; a day bounds how late a new death is seen through this field. */
const TTL_MS = 24 * 60 * 60 * 1000;

/** A CRVS Person record is a death when it has a death date, else a birth. */
export function vitalEventOf(record: Rec): VitalEvent {
  const deathDate = textOf(record, 'death_date');
  const type = deathDate ? 'death' : 'birth';
  const registrationNumber = identifiersOf(record.identifier).find((i) => i.type === (type === 'death' ? 'DRN' : 'BRN'))?.value;
  const date = dayOf(deathDate ?? textOf(record, 'birth_date'));
  const registeredOn = dayOf(textOf(record, 'registration_date'));
  return { type, ...(registrationNumber && { registrationNumber }), ...(date && { date }), ...(registeredOn && { registeredOn }) };
}

const criterion = (type: string, value: string) => ({ attribute_name: type, operator: 'eq' as const, attribute_value: value });

function searchItem(s: Subject): SearchItem {
  const base = { reg_type: REG_TYPE, reg_record_type: RECORD_TYPE };
  if (s.uin && s.brn) {
    return { reference_id: s.id, search_criteria: { ...base, query_type: 'predicate', query: [{ seq_num: 1, expression1: criterion('UIN', s.uin), condition: 'or', expression2: criterion('BRN', s.brn) }] } };
  }
  const [type, value] = s.uin ? ['UIN', s.uin] : ['BRN', s.brn!];
  return { reference_id: s.id, search_criteria: { ...base, query_type: 'idtype-value', query: { type, value } } };
}

export const crvsRecordFlow: PartnerFlow<CrvsRecord> = {
  kind: 'crvsRecord',
  registry: 'crvs',
  ttlMs: TTL_MS,
  question: (s) => `UIN:${s.uin ?? ''}|BRN:${s.brn ?? ''}`,
  holds: (r) => r.events.length > 0,

  async ask(client, subjects) {
    const answers: Answers<CrvsRecord> = new Map();
    for (const s of subjects) if (!s.uin && !s.brn) answers.set(s.id, noIdentifier('crvs'));
    const asked = subjects.filter((s) => s.uin || s.brn);
    if (asked.length === 0) return answers;
    const items = new Map((await client.search(asked.map(searchItem))).map((item) => [item.reference_id, item]));
    for (const s of asked) {
      const item = items.get(s.id);
      if (!item) answers.set(s.id, unanswered(client.source.name));
      else if (item.status !== 'succ') answers.set(s.id, itemRejected(client.source.name, item.status_reason_code));
      else answers.set(s.id, { events: recordsOf(item).map(vitalEventOf) });
    }
    return answers;
  },
};
