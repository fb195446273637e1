/**
 * The IBR enrolment check (SPEC-NOTES 2.9, 4.4): is this person already a beneficiary, and of which
 * programmes? Everyone of a batch is asked `sync/enrolled` at once (`person_identifier in [...]`,
 * one envelope per maxItemsPerEnvelope people), then the programmes of those enrolled come from one
 * batched `sync/search`. A registry that refuses `sync/enrolled` is asked by search alone; a person
 * without an identifier is searched by name and birth date, which can never be more than a possible match,
 * and one the registry will not search that way is unknown to it (NO_IDENTIFIER), as DR and CRVS answer.
 */
import type { DciClient, SearchItem } from '../../adapters/dci/client/client';
import type { SearchResponseItem } from '../../adapters/dci/protocol';
import { GatewayError } from '../errors';
import { dayOf, isRecord, listOf, Rec, recordsOf, textOf } from './dciRecords';
import { Answers, chunks, itemRejected, noIdentifier, PartnerFlow, unanswered } from './flow';
import { describeId, Subject } from './subjects';

export type EnrollmentResult = 'NO_MATCH' | 'POSSIBLE_MATCH' | 'CONFIRMED_MATCH';

export interface Programme {
  name: string;
  identifier?: string;
  status?: string;
  enrolledOn?: Date;
}

export interface Enrollment {
  result: EnrollmentResult;
  programmes: Programme[];
}

const ENROLLED_PATH = '/registry/sync/enrolled';
/** Enrolments change faster than disability or civil records (OpenSPP caches IBR answers an hour too). */
const TTL_MS = 60 * 60 * 1000;

/** Beneficiary `enrollment_status` codes (SPEC-NOTES 4.4); registries also send the words. */
const ENROLLMENT_STATUSES: Record<string, string> = { '1': 'Active', '2': 'Deceased', '3': 'Graduated', '4': 'Suspended' };

interface EnrolledResponse {
  enrolled_response: { reference_id: string; status: string; enrolled_status?: string }[];
}

/** Programmes of one Beneficiary record, or of the older flat "IBR Person" that names one programme itself. */
export function programmesOf(record: Rec): Programme[] {
  const rawStatus = textOf(record, 'enrollment_status', 'enrolment_status');
  const status = rawStatus && (ENROLLMENT_STATUSES[rawStatus] ?? rawStatus);
  const enrolledOn = dayOf(textOf(record, 'enrollment_date', 'enrolment_date'));
  const listed = listOf(record.programme_identifier ?? record.programmes).filter(isRecord);
  const named = listed.length > 0 ? listed.map((p) => [p, textOf(p, 'programme_name', 'program_name', 'name')] as const) : [[record, textOf(record, 'programme_name', 'program_name')] as const];
  return named.flatMap(([p, name]) => {
    if (!name) return [];
    const identifier = textOf(p, 'programme_identifier', 'program_identifier', 'programme_id');
    return [{ name, ...(identifier && { identifier }), ...(status && { status }), ...(enrolledOn && { enrolledOn }) }];
  });
}

/** What a search item says: any record matches; matching by name and birth date is never more than possible. */
export function enrollmentOfSearch(item: Pick<SearchResponseItem, 'data'>, byDemographics: boolean): Enrollment {
  const records = recordsOf(item);
  if (records.length === 0) return { result: 'NO_MATCH', programmes: [] };
  return { result: byDemographics ? 'POSSIBLE_MATCH' : 'CONFIRMED_MATCH', programmes: records.flatMap(programmesOf) };
}

/** An item's reasons that refuse the query's form rather than fail for the person (SPEC-NOTES 5.3). */
const SEARCH_REFUSED: ReadonlySet<string> = new Set(['rjct.search_criteria.invalid', 'rjct.filter.invalid']);

/** The registry does not offer `sync/enrolled` or will not take our query: search instead. */
function operationRefused(error: unknown): boolean {
  if (!(error instanceof GatewayError)) return false;
  return error.code === 'BAD_USER_INPUT' || [404, 405, 501].includes(error.details.httpStatus as number);
}

/** yes/no per subject id; subjects left out are to be searched (refused operation or no answer item). */
async function enrolledStatuses(client: DciClient, subjects: Subject[]): Promise<Map<string, 'yes' | 'no'>> {
  const statuses = new Map<string, 'yes' | 'no'>();
  await Promise.all(
    chunks(subjects, client.source.maxItemsPerEnvelope).map(async (chunk) => {
      const query = { person_identifier: { in: chunk.map((s) => s.personId!.value) } };
      let reply;
      try {
        reply = await client.syncCall<EnrolledResponse>(ENROLLED_PATH, { enrolled_criteria: { query_type: 'expression', response_entity: 'Member', query } });
      } catch (error) {
        if (operationRefused(error)) return;
        throw error;
      }
      // The request has no reference ids of ours: answers are referenced by the identifier asked about.
      const answers = new Map(reply.message.enrolled_response.filter((r) => r.status === 'succ').map((r) => [r.reference_id, r.enrolled_status]));
      for (const s of chunk) {
        const status = answers.get(s.personId!.value);
        if (status === 'yes' || status === 'no') statuses.set(s.id, status);
      }
    }),
  );
  return statuses;
}

const byIdentifier = (s: Subject): SearchItem => ({
  reference_id: s.id,
  search_criteria: { query_type: 'idtype-value', query: { type: s.personId!.type, value: s.personId!.value } },
});

const byDemographics = (s: Subject): SearchItem => ({
  reference_id: s.id,
  search_criteria: {
    query_type: 'predicate',
    query: [
      { seq_num: 1, expression1: { attribute_name: 'given_name', operator: 'eq', attribute_value: s.name.given }, condition: 'and', expression2: { attribute_name: 'surname', operator: 'eq', attribute_value: s.name.family } },
      ...(s.birthDate ? [{ seq_num: 2, expression1: { attribute_name: 'birth_date', operator: 'eq' as const, attribute_value: s.birthDate.toISOString().slice(0, 10) } }] : []),
    ],
  },
});

export const enrollmentFlow: PartnerFlow<Enrollment> = {
  kind: 'enrollment',
  registry: 'ibr',
  ttlMs: TTL_MS,
  question: (s) => (s.personId ? describeId(s.personId) : `demographics@v${s.version}`),
  holds: (e) => e.result !== 'NO_MATCH',

  async ask(client, subjects) {
    const name = client.source.name;
    const answers: Answers<Enrollment> = new Map();
    const identified = subjects.filter((s) => s.personId);
    const statuses = identified.length > 0 ? await enrolledStatuses(client, identified) : new Map<string, 'yes' | 'no'>();
    for (const s of identified) if (statuses.get(s.id) === 'no') answers.set(s.id, { result: 'NO_MATCH', programmes: [] });

    const searched = subjects.filter((s) => !answers.has(s.id));
    if (searched.length === 0) return answers;
    const items = await client.search(searched.map((s) => (s.personId ? byIdentifier(s) : byDemographics(s))));
    const byReference = new Map(items.map((item) => [item.reference_id, item]));
    for (const s of searched) {
      const item = byReference.get(s.id);
      const confirmed = statuses.get(s.id) === 'yes';
      if (item?.status === 'succ') {
        const found = enrollmentOfSearch(item, !s.personId);
        // sync/enrolled already said yes: the search only lists the programmes.
        answers.set(s.id, confirmed ? { result: 'CONFIRMED_MATCH', programmes: found.programmes } : found);
      } else if (confirmed) {
        answers.set(s.id, { result: 'CONFIRMED_MATCH', programmes: [] });
      } else if (item && !s.personId && SEARCH_REFUSED.has(item.status_reason_code ?? '')) {
        // A registry that will not search by name and birth date cannot be asked about a person without an identifier.
        answers.set(s.id, noIdentifier('ibr'));
      } else {
        answers.set(s.id, item ? itemRejected(name, item.status_reason_code) : unanswered(name));
      }
    }
    return answers;
  },
};
