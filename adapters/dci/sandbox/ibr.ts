/**
 * The IBR registry (ibr_api, SPEC-NOTES 2.9 and 4.4): `sync/enrolled` answers yes/no per person
 * (optionally for one programme), `sync/search` returns Beneficiary records, one per enrolment.
 */
import type { Enrolment, SandboxData } from './data';
import { BadRequest, callbackHeader, dateTime, isObject, Json, listOf, now, textOf } from './envelope';
import { Attributes, compileQuery, identifierQuery, paginate, Rejection, sortRecords, Vocabulary } from './query';
import type { Inbound, Operation, RegistryContext, Reply } from './registry';

const REG_TYPE = 'ns:org:RegistryType:IBR';
const RECORD_TYPE = 'Beneficiary';

const VOCABULARY: Vocabulary = {
  attributes: { UIN: 'text', programme_identifier: 'text', programme_name: 'text', enrollment_status: 'text', enrollment_date: 'date' },
  aliases: {
    person_identifier: 'UIN',
    member_identifier: 'UIN',
    'member.member_identifier': 'UIN',
    'programme_identifier.programme.programme_identifier': 'programme_identifier',
    'programme_identifier.program.programme_identifier': 'programme_identifier',
    'programme_identifier.programme.programme_name': 'programme_name',
    enrolment_status: 'enrollment_status',
    enrolment_date: 'enrollment_date',
  },
  identifierTypes: { UIN: 'UIN' },
};

function attributesOf(e: Enrolment): Attributes {
  const values: Record<string, string> = {
    UIN: e.uin,
    programme_identifier: e.programmeIdentifier,
    programme_name: e.programmeName,
    enrollment_status: e.enrollmentStatus,
    enrollment_date: e.enrollmentDate,
  };
  return (name) => values[name];
}

function beneficiaryOf(e: Enrolment): Json {
  return {
    '@type': 'Beneficiary',
    assistance_unit: '1',
    member: { '@type': 'Member', member_identifier: [{ '@type': 'Identifier', identifier_type: 'UIN', identifier_value: e.uin }] },
    programme_identifier: [{ '@type': 'Programme', programme_identifier: e.programmeIdentifier, programme_name: e.programmeName }],
    enrollment_date: dateTime(e.enrollmentDate),
    enrollment_status: e.enrollmentStatus,
  };
}

export class Ibr {
  constructor(
    private readonly ctx: RegistryContext,
    private readonly data: SandboxData,
  ) {}

  operations(): Operation[] {
    return [
      { path: '/registry/sync/enrolled', action: 'search', mode: 'sync', reply: (m) => this.enrolled(m) },
      { path: '/registry/sync/search', action: 'search', mode: 'sync', reply: (m) => this.search(m) },
    ];
  }

  private enrolled(m: Inbound): Reply {
    const transactionId = textOf(m.message, 'transaction_id');
    const criteria = m.message.enrolled_criteria;
    if (!isObject(criteria)) throw new BadRequest('message.enrolled_criteria must be an object');
    let asked: ReturnType<typeof identifierQuery>;
    try {
      asked = identifierQuery(VOCABULARY, criteria.query);
    } catch (error) {
      throw error instanceof Rejection ? new BadRequest(error.message) : error;
    }
    // The request carries no reference ids, so each answer is referenced by the UIN it is about.
    const answers = asked.uins.map((uin) => ({
      reference_id: uin,
      timestamp: now(),
      status: 'succ',
      enrolled_status: this.data.enrolments.some((e) => e.uin === uin && asked.rest(attributesOf(e))) ? 'yes' : 'no',
    }));
    return {
      header: callbackHeader({ senderId: this.ctx.senderId, receiverId: m.senderId, action: 'on-search', status: 'succ', totalCount: answers.length }),
      message: { transaction_id: transactionId, correlation_id: m.correlationId, enrolled_response: answers },
    };
  }

  private searchItem(item: Json): Json {
    const reference = { reference_id: item.reference_id, timestamp: now() };
    try {
      const criteria = item.search_criteria as Json;
      const matcher = compileQuery(VOCABULARY, criteria.query);
      const matched = sortRecords(VOCABULARY, this.data.enrolments.filter((e) => matcher(attributesOf(e))), criteria.sort, attributesOf);
      const page = paginate(matched, criteria.pagination);
      return {
        ...reference,
        status: 'succ',
        data: { version: '1.0.0', reg_type: REG_TYPE, reg_record_type: RECORD_TYPE, reg_records: page.items.map(beneficiaryOf) },
        pagination: page.pagination,
      };
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      return { ...reference, status: 'rjct', status_reason_code: error.code, status_reason_message: error.message.slice(0, 999) };
    }
  }

  private search(m: Inbound): Reply {
    const transactionId = textOf(m.message, 'transaction_id');
    const items = listOf(m.message, 'search_request');
    for (const item of items) {
      textOf(item, 'reference_id', 'search_request[]');
      if (!isObject(item.search_criteria)) throw new BadRequest('search_request[].search_criteria must be an object');
    }
    const responses = items.map((item) => this.searchItem(item));
    const status = responses.every((r) => r.status === 'rjct') ? 'rjct' : 'succ';
    return {
      header: callbackHeader({ senderId: this.ctx.senderId, receiverId: m.senderId, action: 'on-search', status, totalCount: items.length }),
      message: { transaction_id: transactionId, correlation_id: m.correlationId, search_response: responses },
    };
  }
}
