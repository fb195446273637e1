import { validatorFor } from '../../adapters/dci/protocol/openapi';
import type { SearchResponseItem } from '../../adapters/dci/protocol/envelope';
import type { GroupNode, IndividualNode } from '../../adapters/dci/server/operations';
import { FULL_DISCLOSURE } from '../../adapters/dci/server/disclosure';
import { rejectedItem, searchResponseItem, toDciGroup, toDciMember } from '../../adapters/dci/server/records';

const NOW = new Date('2025-03-02T10:00:00Z');

const amina: IndividualNode = {
  id: '65f000000000000000000001',
  name: { given: 'Amina', family: 'Okafor', middle: 'Ngozi' },
  sex: 'female',
  birthDate: '1988-07-14',
  deathDate: null,
  status: 'active',
  addresses: [{ line: '12 Market Road', locality: 'Kinta', areaCode: 'NR-01', regionCode: 'NR', country: 'NG' }],
  phoneNumbers: ['+2348012345678'],
  emails: ['amina@example.org'],
  registrationDate: '2024-01-10T08:00:00.000Z',
  lastUpdated: '2024-06-15T10:00:00.000Z',
  identifiers: [{ type: 'UIN', value: '8479516320' }],
  indicators: [],
};

/** What a partner without registry:pii receives: masked strings, no birth date. */
const maskedChild: IndividualNode = {
  id: '65f000000000000000000002',
  name: { given: 'T***', family: 'O***', middle: null },
  sex: 'male',
  birthDate: null,
  deathDate: null,
  status: 'active',
  addresses: [{ line: null, locality: 'Kinta', areaCode: 'NR-01', regionCode: 'NR', country: null }],
  phoneNumbers: [],
  emails: [],
  registrationDate: '2024-01-10T08:00:00.000Z',
  lastUpdated: '2024-01-10T08:00:00.000Z',
  identifiers: [{ type: 'BRN', value: 'B***' }],
  indicators: [],
};

const deceased: IndividualNode = { ...amina, id: '65f000000000000000000003', status: 'deceased', deathDate: '2024-11-02', identifiers: [], addresses: [] };

const household: GroupNode = {
  id: '65f0000000000000000000a1',
  kind: 'household',
  address: { line: '12 Market Road', locality: 'Kinta', areaCode: 'NR-01', regionCode: 'NR', country: 'NG' },
  povertyScore: 27.5,
  povertyScoreType: 'PMT',
  size: 2,
  registrationDate: '2024-01-10T08:00:00.000Z',
  lastUpdated: '2024-06-15T10:00:00.000Z',
  identifiers: [{ type: 'HOUSEHOLD_ID', value: 'HH-000123' }],
  head: amina,
  members: [
    { role: 'head', individual: amina },
    { role: 'child', individual: maskedChild },
  ],
};

const unscored: GroupNode = { ...household, id: '65f0000000000000000000a2', kind: 'family', address: null, povertyScore: null, povertyScoreType: null, size: 0, identifiers: [], head: null, members: [] };

const validateSyncReply = validatorFor('social', '/registry/sync/search', 'response');

/** A sync search reply around the items, as the sync endpoint sends it (MsgCallbackHeader + SearchResponse). */
function syncReply(items: SearchResponseItem[]) {
  return {
    header: {
      version: '1.0.0',
      message_id: '0b5c2f4e-8a1d-4c3e-9f70-5e2d1a6b7c88',
      message_ts: NOW.toISOString(),
      action: 'on-search',
      status: 'succ',
      total_count: items.length,
      completed_count: items.length,
      sender_id: 'sr.gov.example',
      receiver_id: 'spmis.gov.example',
      is_msg_encrypted: false,
      meta: {},
    },
    message: { transaction_id: 'TXN-2025-000200', correlation_id: 'COR-42', search_response: items },
  };
}

describe('toDciMember', () => {
  it('maps every field of an individual to the Member and Person records', () => {
    expect(toDciMember(amina, FULL_DISCLOSURE)).toEqual({
      member_identifier: [{ identifier_type: 'UIN', identifier_value: '8479516320' }],
      demographic_info: {
        identifier: [{ identifier_type: 'UIN', identifier_value: '8479516320' }],
        name: { given_name: 'Amina', surname: 'Okafor', second_name: 'Ngozi' },
        sex: 'female',
        birth_date: '1988-07-14T00:00:00Z',
        address: [{ address_line1: '12 Market Road', locality: 'Kinta', sub_region_code: 'NR-01', region_code: 'NR', country_code: 'NG' }],
        phone_number: ['+2348012345678'],
        email: ['amina@example.org'],
        registration_date: '2024-01-10T08:00:00.000Z',
        last_updated: '2024-06-15T10:00:00.000Z',
      },
      registration_date: '2024-01-10T08:00:00.000Z',
      last_updated: '2024-06-15T10:00:00.000Z',
    });
  });

  it('passes masked values through and leaves absent ones out', () => {
    expect(toDciMember(maskedChild, FULL_DISCLOSURE)).toEqual({
      member_identifier: [{ identifier_type: 'BRN', identifier_value: 'B***' }],
      demographic_info: {
        identifier: [{ identifier_type: 'BRN', identifier_value: 'B***' }],
        name: { given_name: 'T***', surname: 'O***' },
        sex: 'male',
        address: [{ locality: 'Kinta', sub_region_code: 'NR-01', region_code: 'NR' }],
        registration_date: '2024-01-10T08:00:00.000Z',
        last_updated: '2024-01-10T08:00:00.000Z',
      },
      registration_date: '2024-01-10T08:00:00.000Z',
      last_updated: '2024-01-10T08:00:00.000Z',
    });
  });

  it('carries the death date and omits empty identifier and address lists', () => {
    const member = toDciMember(deceased, FULL_DISCLOSURE);
    expect(member.demographic_info.death_date).toBe('2024-11-02T00:00:00Z');
    expect(member).not.toHaveProperty('member_identifier');
    expect(member.demographic_info).not.toHaveProperty('identifier');
    expect(member.demographic_info).not.toHaveProperty('address');
  });

  it('never leaks internal ids or null values', () => {
    const text = JSON.stringify([toDciMember(maskedChild, FULL_DISCLOSURE), toDciGroup(unscored, FULL_DISCLOSURE)]);
    expect(text).not.toContain('65f0');
    expect(text).not.toContain('null');
  });
});

describe('toDciGroup', () => {
  it('maps a household with its head and members (role as relationship_head)', () => {
    expect(toDciGroup(household, FULL_DISCLOSURE)).toEqual({
      group_identifier: [{ identifier_type: 'HOUSEHOLD_ID', identifier_value: 'HH-000123' }],
      group_type: 'household',
      group_size: 2,
      poverty_score: 27.5,
      poverty_score_type: 'PMT',
      address: [{ address_line1: '12 Market Road', locality: 'Kinta', sub_region_code: 'NR-01', region_code: 'NR', country_code: 'NG' }],
      group_head_info: toDciMember(amina, FULL_DISCLOSURE),
      member_list: [
        { ...toDciMember(amina, FULL_DISCLOSURE), relationship_head: 'head' },
        { ...toDciMember(maskedChild, FULL_DISCLOSURE), relationship_head: 'child' },
      ],
      registration_date: '2024-01-10T08:00:00.000Z',
      last_updated: '2024-06-15T10:00:00.000Z',
    });
  });

  it('leaves out what a group does not have', () => {
    expect(toDciGroup(unscored, FULL_DISCLOSURE)).toEqual({
      group_type: 'family',
      group_size: 0,
      registration_date: '2024-01-10T08:00:00.000Z',
      last_updated: '2024-06-15T10:00:00.000Z',
    });
  });
});

describe('search_response items', () => {
  it('builds a successful Member item with data and pagination', () => {
    const item = searchResponseItem('REF-1', 'individual', [amina, maskedChild], { size: 2, number: 3 }, 17, FULL_DISCLOSURE, NOW);
    expect(item).toEqual({
      reference_id: 'REF-1',
      timestamp: '2025-03-02T10:00:00.000Z',
      status: 'succ',
      data: { version: '1.0.0', reg_type: 'ns:org:RegistryType:Social', reg_record_type: 'Member', reg_records: [toDciMember(amina, FULL_DISCLOSURE), toDciMember(maskedChild, FULL_DISCLOSURE)] },
      pagination: { page_size: 2, page_number: 3, total_count: 17 },
    });
  });

  it('builds a Group item', () => {
    const item = searchResponseItem('REF-SR-1', 'group', [household, unscored], { size: 50, number: 1 }, 2, FULL_DISCLOSURE, NOW);
    expect(item.data).toEqual({ version: '1.0.0', reg_type: 'ns:org:RegistryType:Social', reg_record_type: 'Group', reg_records: [toDciGroup(household, FULL_DISCLOSURE), toDciGroup(unscored, FULL_DISCLOSURE)] });
  });

  it('builds a rejected item without data, the message capped at 999 characters', () => {
    expect(rejectedItem('REF-2', 'rjct.filter.invalid', 'attribute "mobile" is not searchable', NOW)).toEqual({
      reference_id: 'REF-2',
      timestamp: '2025-03-02T10:00:00.000Z',
      status: 'rjct',
      status_reason_code: 'rjct.filter.invalid',
      status_reason_message: 'attribute "mobile" is not searchable',
    });
    expect(rejectedItem('REF-3', 'rjct.pagination.invalid', 'x'.repeat(2000), NOW).status_reason_message).toHaveLength(999);
  });
});

describe('against the official social_api sync search response schema', () => {
  const items = [
    searchResponseItem('REF-1', 'individual', [amina, maskedChild, deceased], { size: 20, number: 1 }, 3, FULL_DISCLOSURE, NOW),
    searchResponseItem('REF-SR-1', 'group', [household, unscored], { size: 50, number: 1 }, 2, FULL_DISCLOSURE, NOW),
    searchResponseItem('REF-EMPTY', 'individual', [], { size: 20, number: 4 }, 61, FULL_DISCLOSURE, NOW),
    rejectedItem('REF-2', 'rjct.sort.invalid', 'cannot sort members by "mobile"', NOW),
  ];

  it('accepts a reply holding Member, Group, empty and rejected items', () => {
    expect(validateSyncReply(syncReply(items))).toEqual({ ok: true });
  });

  it('is a real check: it refuses items the schema does not allow', () => {
    const [first] = items;
    const noTotal = { ...first!, pagination: { page_size: 20, page_number: 1 } } as unknown as SearchResponseItem;
    expect(validateSyncReply(syncReply([noTotal])).ok).toBe(false);
    expect(validateSyncReply(syncReply([{ ...first!, status: 'ok' as never }])).ok).toBe(false);
    expect(validateSyncReply(syncReply([{ ...first!, status_reason_code: 'rjct.unknown' as never }])).ok).toBe(false);
    expect(validateSyncReply(syncReply([{ ...first!, data: { ...first!.data!, reg_records: {} } }])).ok).toBe(false);
  });
});
