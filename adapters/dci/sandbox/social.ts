/**
 * The social registry (social_api, SPEC-NOTES 4.1, 4.3): households of its own people, answered as
 * DCI Group records (or their people as Member records), searched sync or async, and subscriptions
 * to REGISTER events with `notify` when a household is registered. Its people are not the demo
 * registry's: their UINs start at 70,000,000 (births' unknown mothers start at 90,000,000), so an
 * import of them creates people rather than matching the demo's.
 */
import { randomUUID } from 'node:crypto';
import { Area, AREAS, COUNTRY, demoUin, FAMILY, GIVEN } from './data';
import { BadRequest, callbackHeader, dateTime, isObject, Json, listOf, now, textOf, unsubscribeFrom } from './envelope';
import { Attributes, compileQuery, Matcher, paginate, Rejection, sortRecords, Vocabulary } from './query';
import { mulberry32, Random } from './random';
import type { Inbound, Operation, RegistryContext, Reply } from './registry';

const REG_TYPE = 'ns:org:RegistryType:Social';
const EVENT_TYPES = ['REGISTER', 'NewHouseHoldMember'] as const;
type SocialEvent = (typeof EVENT_TYPES)[number];
const FIRST_UIN = 70_000_000;
const HOUSEHOLD_STREAM = 5;

export interface SocialPerson {
  uin: string;
  givenName: string;
  surname: string;
  sex: 'male' | 'female';
  /** Calendar day, YYYY-MM-DD. */
  birthDate: string;
  role: 'head' | 'spouse' | 'child';
}

export interface SocialHousehold {
  /** The registry's household number, its group identifier (HOUSEHOLD_ID). */
  id: string;
  area: Area;
  povertyScore: number;
  registrationDate: string;
  /** The head first. */
  members: SocialPerson[];
}

const VOCABULARY: Vocabulary = {
  attributes: {
    UIN: 'text',
    household_id: 'text',
    given_name: 'text',
    surname: 'text',
    sex: 'text',
    birth_date: 'date',
    location: 'text',
    region: 'text',
    registration_date: 'date',
  },
  aliases: {
    HOUSEHOLD_ID: 'household_id',
    DOB: 'birth_date',
    area: 'location',
    area_code: 'location',
    sub_region_code: 'location',
    'address.sub_region_code': 'location',
    region_code: 'region',
    'name.given_name': 'given_name',
    'name.surname': 'surname',
  },
  identifierTypes: { UIN: 'UIN', HOUSEHOLD_ID: 'household_id' },
};

const DAY_MS = 86_400_000;
const day = (asOf: Date, daysBefore: number) => new Date(asOf.getTime() - daysBefore * DAY_MS).toISOString().slice(0, 10);

/** Household `n` (1-based): a head, often a spouse, then children; every draw from `rng`, in order. */
function household(rng: Random, seed: number, n: number, asOf: Date, nextPerson: () => number): SocialHousehold {
  const area = rng.pick(AREAS);
  const surname = rng.pick(FAMILY);
  const size = rng.int(1, 6);
  const headSex = rng.chance(0.4) ? 'female' : 'male';
  const roles: { role: SocialPerson['role']; sex: SocialPerson['sex']; age: number }[] = [{ role: 'head', sex: headSex, age: rng.int(22, 70) }];
  if (size > 1 && rng.chance(0.7)) roles.push({ role: 'spouse', sex: headSex === 'male' ? 'female' : 'male', age: rng.int(20, 65) });
  while (roles.length < size) roles.push({ role: 'child', sex: rng.chance(0.5) ? 'female' : 'male', age: rng.int(0, 17) });
  const members = roles.map(({ role, sex, age }) => ({
    uin: demoUin(seed, FIRST_UIN + nextPerson()),
    givenName: rng.pick(GIVEN[sex]),
    surname,
    sex,
    birthDate: day(asOf, age * 365 + rng.int(1, 364)),
    role,
  }));
  return { id: `HH-SR-${seed}-${String(n).padStart(6, '0')}`, area, povertyScore: rng.int(5, 95), registrationDate: day(asOf, rng.int(0, 3 * 365)), members };
}

/** Generates households one after another: the same seed and day always give the same ones, in the same order. */
export class HouseholdSource {
  private readonly rng: Random;
  private people = 0;
  private count = 0;

  constructor(
    private readonly seed: number,
    private readonly asOf: Date,
  ) {
    this.rng = mulberry32(seed * 0x9e3779b1 + HOUSEHOLD_STREAM * 0x85ebca6b);
  }

  next(): SocialHousehold {
    return household(this.rng, this.seed, ++this.count, this.asOf, () => ++this.people);
  }
}

/** One person's values, with their household's, by canonical attribute name. */
function attributesOf(h: SocialHousehold, p: SocialPerson): Attributes {
  const values: Record<string, string> = {
    UIN: p.uin,
    household_id: h.id,
    given_name: p.givenName,
    surname: p.surname,
    sex: p.sex,
    birth_date: p.birthDate,
    location: h.area.areaCode,
    region: h.area.regionCode,
    registration_date: h.registrationDate,
  };
  return (name) => values[name];
}

const identifier = (type: string, value: string) => ({ '@type': 'Identifier', identifier_type: type, identifier_value: value });
const address = (area: Area) => ({ '@type': 'Address', locality: area.locality, sub_region_code: area.areaCode, region_code: area.regionCode, country_code: COUNTRY });

function memberOf(h: SocialHousehold, p: SocialPerson): Json {
  const registered = dateTime(h.registrationDate);
  return {
    '@type': 'Member',
    member_identifier: [identifier('UIN', p.uin)],
    demographic_info: {
      '@type': 'SRPerson',
      identifier: [identifier('UIN', p.uin)],
      name: { '@type': 'Name', given_name: p.givenName, surname: p.surname },
      sex: p.sex,
      birth_date: dateTime(p.birthDate),
      address: [address(h.area)],
      registration_date: registered,
      last_updated: registered,
    },
    registration_date: registered,
    last_updated: registered,
  };
}

function groupOf(h: SocialHousehold): Json {
  const registered = dateTime(h.registrationDate);
  return {
    '@type': 'Group',
    group_identifier: [identifier('HOUSEHOLD_ID', h.id)],
    group_type: 'household',
    group_size: h.members.length,
    poverty_score: h.povertyScore,
    poverty_score_type: 'PMT',
    address: [address(h.area)],
    group_head_info: memberOf(h, h.members[0]),
    member_list: h.members.map((p) => ({ ...memberOf(h, p), relationship_head: p.role })),
    registration_date: registered,
    last_updated: registered,
  };
}

type RecordType = 'Group' | 'Member';

/** `response_entity` or `reg_record_type` ask for households (the default) or people. */
function recordTypeOf(criteria: Json): RecordType {
  const hint = [criteria.response_entity, criteria.reg_record_type].find((v) => typeof v === 'string');
  if (hint === undefined) return 'Group';
  const name = String(hint).split(':').pop()!.toLowerCase();
  if (name === 'group' || name === 'household') return 'Group';
  if (['member', 'person', 'srperson', 'individual'].includes(name)) return 'Member';
  throw new Rejection('rjct.search_criteria.invalid', `unsupported record type ${String(hint)}; use Group or Member`);
}

const validLocale = (item: Json) => (typeof item.locale === 'string' && /^[a-z]{3}$/.test(item.locale) ? { locale: item.locale } : {});

interface Subscription {
  code: string;
  subscriberId: string;
  notifyUrl: string;
  event: SocialEvent;
  matcher: Matcher;
  notified: number;
}

/** Notifications go where the subscribe call's callback went, its last path segment replaced by `notify`. */
function notifyUrlOf(callbackUrl: string): string {
  const url = new URL(callbackUrl);
  url.pathname = url.pathname.replace(/\/[^/]*$/, '/notify');
  return url.toString();
}

export class Social {
  private readonly subscriptions = new Map<string, Subscription>();
  private subscriptionSeq = 0;

  constructor(
    private readonly ctx: RegistryContext,
    readonly households: SocialHousehold[],
    private readonly source: HouseholdSource,
  ) {}

  operations(): Operation[] {
    return [
      { path: '/registry/sync/search', action: 'search', mode: 'sync', reply: (m) => this.search(m) },
      { path: '/registry/search', action: 'search', mode: 'async', accept: (m) => this.search(m) },
      { path: '/registry/subscribe', action: 'subscribe', mode: 'async', accept: (m, url) => this.subscribe(m, url) },
      { path: '/registry/unsubscribe', action: 'unsubscribe', mode: 'async', accept: (m) => this.unsubscribe(m) },
    ];
  }

  /** Registers the next household today and notifies every REGISTER subscription whose filter matches one of its people. */
  async registerHousehold(): Promise<SocialHousehold> {
    const h = { ...this.source.next(), registrationDate: now().slice(0, 10) };
    this.households.push(h);
    const subscribers = [...this.subscriptions.values()].filter((s) => s.event === 'REGISTER' && h.members.some((p) => s.matcher(attributesOf(h, p))));
    const results = await Promise.allSettled(subscribers.map((s) => this.ctx.send(s.notifyUrl, this.notification(s, h))));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw new Error(`notify failed: ${failed.map((f) => (f.reason as Error).message).join('; ')}`);
    return h;
  }

  private notification(subscription: Subscription, h: SocialHousehold): Reply {
    subscription.notified++;
    return {
      header: callbackHeader({ senderId: this.ctx.senderId, receiverId: subscription.subscriberId, action: 'notify', status: 'succ', totalCount: 1 }),
      message: {
        transaction_id: `SR-NOTIFY-${randomUUID()}`,
        notify_event: [
          {
            reference_id: `${subscription.code}:${String(subscription.notified).padStart(4, '0')}`,
            timestamp: now(),
            data: { version: '1.0.0', reg_type: REG_TYPE, reg_event_type: subscription.event, reg_record_type: 'Group', reg_records: groupOf(h) },
          },
        ],
      },
    };
  }

  private searchItem(item: Json): Json {
    const reference = { reference_id: item.reference_id, timestamp: now() };
    try {
      const criteria = item.search_criteria as Json;
      const type = recordTypeOf(criteria);
      const matcher = compileQuery(VOCABULARY, criteria.query);
      const people = this.households.flatMap((h) => h.members.map((p) => ({ h, p })));
      const records: { h: SocialHousehold; p: SocialPerson }[] =
        type === 'Member'
          ? people.filter(({ h, p }) => matcher(attributesOf(h, p)))
          : this.households.filter((h) => h.members.some((p) => matcher(attributesOf(h, p)))).map((h) => ({ h, p: h.members[0] }));
      const sorted = sortRecords(VOCABULARY, records, criteria.sort, ({ h, p }) => attributesOf(h, p));
      const page = paginate(sorted, criteria.pagination);
      return {
        ...reference,
        status: 'succ',
        data: { version: '1.0.0', reg_type: REG_TYPE, reg_record_type: type, reg_records: page.items.map(({ h, p }) => (type === 'Group' ? groupOf(h) : memberOf(h, p))) },
        pagination: page.pagination,
        ...validLocale(item),
      };
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      return { ...reference, status: 'rjct', status_reason_code: error.code, status_reason_message: error.message.slice(0, 999), ...validLocale(item) };
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
    const message = { transaction_id: transactionId, correlation_id: m.correlationId, search_response: responses };
    const status = responses.every((r) => r.status === 'rjct') ? 'rjct' : 'succ';
    return { header: this.header(m, 'on-search', status, items.length), message };
  }

  private subscribeItem(m: Inbound, item: Json, notifyUrl: string): Json {
    const reference = { reference_id: item.reference_id, timestamp: now() };
    try {
      const criteria = item.subscribe_criteria as Json;
      const event = EVENT_TYPES.find((e) => typeof criteria.reg_event_type === 'string' && criteria.reg_event_type.split(':').pop() === e);
      if (!event) throw new Rejection('rjct.notify_types.invalid', `reg_event_type must be one of ${EVENT_TYPES.join(', ')}`);
      let matcher: Matcher;
      try {
        matcher = criteria.filter === undefined ? () => true : compileQuery(VOCABULARY, criteria.filter);
      } catch (error) {
        throw error instanceof Rejection ? new Rejection('rjct.notify_details.invalid', error.message) : error;
      }
      const code = `SUB-SR-${String(++this.subscriptionSeq).padStart(6, '0')}`;
      this.subscriptions.set(code, { code, subscriberId: m.senderId, notifyUrl, event, matcher, notified: 0 });
      const info = {
        version: '1.0.0',
        code,
        status: 'subscribe',
        timestamp: now(),
        reg_type: REG_TYPE,
        reg_event_type: criteria.reg_event_type,
        ...(typeof criteria.filter_type === 'string' && { filter_type: criteria.filter_type }),
        ...(criteria.filter !== undefined && { filter: criteria.filter }),
        notify_record_type: 'Group',
      };
      return { ...reference, status: 'succ', subscriptions: [info], ...validLocale(item) };
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      return { ...reference, status: 'rjct', status_reason_code: error.code, status_reason_message: error.message.slice(0, 999), ...validLocale(item) };
    }
  }

  private subscribe(m: Inbound, callbackUrl: string): Reply {
    const transactionId = textOf(m.message, 'transaction_id');
    const items = listOf(m.message, 'subscribe_request');
    for (const item of items) {
      textOf(item, 'reference_id', 'subscribe_request[]');
      if (!isObject(item.subscribe_criteria)) throw new BadRequest('subscribe_request[].subscribe_criteria must be an object');
    }
    const notifyUrl = notifyUrlOf(callbackUrl);
    const responses = items.map((item) => this.subscribeItem(m, item, notifyUrl));
    const message = { transaction_id: transactionId, correlation_id: m.correlationId, subscribe_response: responses };
    const status = responses.every((r) => r.status === 'rjct') ? 'rjct' : 'succ';
    return { header: this.header(m, 'on-subscribe', status, items.length), message };
  }

  private unsubscribe(m: Inbound): Reply {
    const { message, status, count } = unsubscribeFrom(this.subscriptions, m);
    return { header: this.header(m, 'on-unsubscribe', status, count), message };
  }


  private header(m: Inbound, action: string, status: 'succ' | 'rjct', totalCount: number): Json {
    return callbackHeader({ senderId: this.ctx.senderId, receiverId: m.senderId, action, status, totalCount });
  }
}
