/**
 * The DR registry (dr_api, SPEC-NOTES 2.10 and 4.5): `sync/disabled` answers yes/no per person,
 * `sync/get-disability-details` returns the person's DisabledPerson records.
 */
import type { Disability, SandboxData } from './data';
import { BadRequest, callbackHeader, dateTime, isObject, Json, now, textOf } from './envelope';
import { Attributes, identifierQuery, Rejection, Vocabulary } from './query';
import type { Inbound, Operation, RegistryContext, Reply } from './registry';

const VOCABULARY: Vocabulary = {
  attributes: {
    UIN: 'text',
    disability_status: 'text',
    disability_status_level: 'text',
    impairment_type: 'text',
    impairment_level: 'text',
    registration_date: 'date',
    assessment_date: 'date',
  },
  aliases: {
    'personal_details.member_identifier': 'UIN',
    'member.member_identifier': 'UIN',
    member_identifier: 'UIN',
    person_identifier: 'UIN',
    'disability_details.impairment_type': 'impairment_type',
    'disability_details.impairment_level': 'impairment_level',
  },
  identifierTypes: { UIN: 'UIN' },
};

function attributesOf(d: Disability): Attributes {
  const values: Record<string, string> = {
    UIN: d.uin,
    disability_status: d.disabilityStatus,
    disability_status_level: d.severity,
    impairment_type: d.impairmentType,
    impairment_level: d.impairmentLevel,
    registration_date: d.registrationDate,
    assessment_date: d.assessmentDate,
  };
  return (name) => values[name];
}

/** `assessment_date` inside `disability_details` is a sandbox extension: DisabledPerson has no field for it. */
function disabledPersonOf(d: Disability): Json {
  return {
    '@type': 'DisabledPerson',
    personal_details: { '@type': 'Member', member_identifier: [{ '@type': 'Identifier', identifier_type: 'UIN', identifier_value: d.uin }] },
    disability_status: d.disabilityStatus,
    disability_status_level: d.severity,
    disability_details: [{ impairment_type: d.impairmentType, impairment_level: d.impairmentLevel, impairment_cause: d.impairmentCause, assessment_date: dateTime(d.assessmentDate) }],
    registration_date: dateTime(d.registrationDate),
    last_updated: dateTime(d.assessmentDate),
  };
}

export class Dr {
  constructor(
    private readonly ctx: RegistryContext,
    private readonly data: SandboxData,
  ) {}

  operations(): Operation[] {
    return [
      { path: '/registry/sync/disabled', action: 'search', mode: 'sync', reply: (m) => this.disabled(m) },
      { path: '/registry/sync/get-disability-details', action: 'search', mode: 'sync', reply: (m) => this.details(m) },
    ];
  }

  private asked(m: Inbound) {
    textOf(m.message, 'transaction_id');
    const criteria = m.message.disabled_criteria;
    if (!isObject(criteria)) throw new BadRequest('message.disabled_criteria must be an object');
    try {
      return identifierQuery(VOCABULARY, criteria.query);
    } catch (error) {
      throw error instanceof Rejection ? new BadRequest(error.message) : error;
    }
  }

  private reply(m: Inbound, list: string, answers: Json[]): Reply {
    return {
      header: callbackHeader({ senderId: this.ctx.senderId, receiverId: m.senderId, action: 'on-search', status: 'succ', totalCount: answers.length }),
      message: { transaction_id: m.message.transaction_id, correlation_id: m.correlationId, [list]: answers },
    };
  }

  /** "Disabled" means an approved registration unless the query asks about disability_status itself. */
  private disabled(m: Inbound): Reply {
    const { uins, rest } = this.asked(m);
    const query = (m.message.disabled_criteria as Json).query as Json;
    const statusAsked = Object.keys(query).some((key) => (VOCABULARY.aliases[key] ?? key) === 'disability_status');
    const counts = (d: Disability) => (statusAsked || d.disabilityStatus === 'Approved') && rest(attributesOf(d));
    // The request carries no reference ids, so each answer is referenced by the UIN it is about.
    const answers = uins.map((uin) => ({
      reference_id: uin,
      timestamp: now(),
      status: 'succ',
      disabled_status: this.data.disabilities.some((d) => d.uin === uin && counts(d)) ? 'yes' : 'no',
    }));
    return this.reply(m, 'disabled_response', answers);
  }

  private details(m: Inbound): Reply {
    const { uins, rest } = this.asked(m);
    const answers = uins.map((uin) => {
      const records = this.data.disabilities.filter((d) => d.uin === uin && rest(attributesOf(d))).map(disabledPersonOf);
      return {
        reference_id: uin,
        timestamp: now(),
        status: 'succ',
        data: { version: '1.0.0', reg_records: records },
        pagination: { page_size: Math.max(records.length, 1), page_number: 1, total_count: records.length },
      };
    });
    return this.reply(m, 'search_response', answers);
  }
}
