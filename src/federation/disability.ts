/**
 * The DR disability status (SPEC-NOTES 2.10, 4.5): `sync/disabled` says whether the person is a
 * registered (approved) person with disability, `sync/get-disability-details` gives the
 * DisabledPerson records, which also show pending or expired registrations. Both are asked in
 * parallel for everyone of a batch, `member_identifier in [...]`, one envelope per maxItemsPerEnvelope people.
 */
import type { DciClient } from '../../adapters/dci/client/client';
import type { SearchResponseItem } from '../../adapters/dci/protocol';
import { dayOf, instantOf, isRecord, listOf, Rec, recordsOf, textOf } from './dciRecords';
import { Answers, chunks, itemRejected, noIdentifier, PartnerFlow, unanswered } from './flow';
import { describeId, Subject } from './subjects';

export interface Impairment {
  type: string;
  level?: string;
  cause?: string;
}

export interface Disability {
  registered: boolean;
  /** disability_status of the latest registration: Approved, Pending, Expired. */
  status?: string;
  /** disability_status_level of the latest registration. */
  severity?: string;
  impairments: Impairment[];
  assessedAt?: Date;
}

const DISABLED_PATH = '/registry/sync/disabled';
const DETAILS_PATH = '/registry/sync/get-disability-details';
/** A disability assessment changes rarely; a day matches OpenSPP's metric cache. */
const TTL_MS = 24 * 60 * 60 * 1000;

interface DisabledResponse {
  disabled_response: { reference_id: string; status: string; disabled_status?: string }[];
}
interface DetailsResponse {
  search_response: SearchResponseItem[];
}

const latestFirst = (a: Rec, b: Rec) => {
  const at = (r: Rec) => instantOf(textOf(r, 'last_updated', 'registration_date'))?.getTime() ?? 0;
  return at(b) - at(a);
};

/** Our reading of a person's DisabledPerson records, with the sync/disabled verdict. */
export function disabilityOf(registered: boolean, records: Rec[]): Disability {
  const sorted = [...records].sort(latestFirst);
  const details = sorted.flatMap((r) => listOf(r.disability_details).filter(isRecord));
  const impairments = details.flatMap((d) => {
    const type = textOf(d, 'impairment_type');
    if (!type) return [];
    const level = textOf(d, 'impairment_level');
    const cause = textOf(d, 'impairment_cause');
    return [{ type, ...(level && { level }), ...(cause && { cause }) }];
  });
  // assessment_date is not a DisabledPerson field everywhere: the record's last update stands in for it.
  const assessed = [...details.map((d) => textOf(d, 'assessment_date')), ...sorted.map((r) => textOf(r, 'last_updated'))]
    .map((v) => instantOf(v) ?? dayOf(v))
    .find((d): d is Date => d !== undefined);
  const latest = sorted[0];
  const status = latest && textOf(latest, 'disability_status');
  const severity = latest && textOf(latest, 'disability_status_level');
  return { registered, ...(status && { status }), ...(severity && { severity }), impairments, ...(assessed && { assessedAt: assessed }) };
}

async function askChunk(client: DciClient, chunk: Subject[], answers: Answers<Disability>): Promise<void> {
  const criteria = { disabled_criteria: { query_type: 'expression', query: { 'personal_details.member_identifier': { in: chunk.map((s) => s.personId!.value) } } } };
  const [disabled, details] = await Promise.all([
    client.syncCall<DisabledResponse>(DISABLED_PATH, criteria),
    client.syncCall<DetailsResponse>(DETAILS_PATH, criteria),
  ]);
  // The requests carry no reference ids of ours: answers are referenced by the identifier asked about.
  const verdicts = new Map(disabled.message.disabled_response.map((r) => [r.reference_id, r]));
  const records = new Map(details.message.search_response.map((r) => [r.reference_id, r]));
  const name = client.source.name;
  for (const s of chunk) {
    const verdict = verdicts.get(s.personId!.value);
    const item = records.get(s.personId!.value);
    if (!verdict || !item) answers.set(s.id, unanswered(name));
    else if (verdict.status !== 'succ' || item.status !== 'succ') answers.set(s.id, itemRejected(name, item.status === 'succ' ? undefined : item.status_reason_code));
    else answers.set(s.id, disabilityOf(verdict.disabled_status === 'yes', recordsOf(item)));
  }
}

export const disabilityFlow: PartnerFlow<Disability> = {
  kind: 'disability',
  registry: 'dr',
  ttlMs: TTL_MS,
  question: (s) => (s.personId ? describeId(s.personId) : 'none'),
  holds: (d) => d.registered || d.status !== undefined || d.impairments.length > 0,

  async ask(client, subjects) {
    const answers: Answers<Disability> = new Map();
    for (const s of subjects) if (!s.personId) answers.set(s.id, noIdentifier('dr'));
    const asked = subjects.filter((s) => s.personId);
    await Promise.all(chunks(asked, client.source.maxItemsPerEnvelope).map((chunk) => askChunk(client, chunk, answers)));
    return answers;
  },
};
