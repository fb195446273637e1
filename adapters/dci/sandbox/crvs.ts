/**
 * The CRVS registry (crvs_api, SPEC-NOTES 4.2): births and deaths as CRVS Person records, searched
 * sync or async, transaction status, and subscriptions to LiveBirth / Death events with `notify`.
 */
import { randomUUID } from 'node:crypto';
import { AREAS, BirthRecord, COUNTRY, DeathRecord, SandboxData } from './data';
import { BadRequest, callbackHeader, dateTime, isObject, Json, listOf, now, textOf, unsubscribeFrom } from './envelope';
import { Attributes, compileQuery, Matcher, paginate, Rejection, sortRecords, Vocabulary } from './query';
import type { Inbound, Operation, RegistryContext, Reply } from './registry';

const REG_TYPE = 'ns:org:RegistryType:Civil';
const RECORD_TYPE = 'spdci-extensions-dci:Person';
const EVENT_TYPES = { LiveBirth: 'spdci-common:RegistryEventType:LiveBirth', Death: 'spdci-common:RegistryEventType:Death' } as const;
type CrvsEvent = keyof typeof EVENT_TYPES;

const VOCABULARY: Vocabulary = {
  attributes: {
    birth_date: 'date',
    death_date: 'date',
    registration_date: 'date',
    sex: 'text',
    location: 'text',
    region: 'text',
    given_name: 'text',
    surname: 'text',
    UIN: 'text',
    BRN: 'text',
    DRN: 'text',
    parent1_identifier: 'text',
  },
  aliases: {
    DOB: 'birth_date',
    DOD: 'death_date',
    area: 'location',
    area_code: 'location',
    'area-code': 'location',
    sub_region_code: 'location',
    'address.sub_region_code': 'location',
    'birth_place.sub_region_code': 'location',
    'death_place.sub_region_code': 'location',
    region_code: 'region',
    'address.region_code': 'region',
    mother_uin: 'parent1_identifier',
    'parent1_identifier.identifier_value': 'parent1_identifier',
    'name.given_name': 'given_name',
    'name.surname': 'surname',
  },
  identifierTypes: { UIN: 'UIN', BRN: 'BRN', DRN: 'DRN' },
};

type Entry = { event: 'LiveBirth'; record: BirthRecord } | { event: 'Death'; record: DeathRecord };

function attributesOf(entry: Entry): Attributes {
  if (entry.event === 'LiveBirth') {
    const b = entry.record;
    const values: Record<string, string> = {
      birth_date: b.birthDate,
      registration_date: b.registrationDate,
      sex: b.sex,
      location: b.area.areaCode,
      region: b.area.regionCode,
      given_name: b.givenName,
      surname: b.surname,
      BRN: b.brn,
      parent1_identifier: b.motherUin,
    };
    return (name) => values[name];
  }
  const d = entry.record;
  const values: Record<string, string> = {
    death_date: d.deathDate,
    registration_date: d.registrationDate,
    location: d.area.areaCode,
    region: d.area.regionCode,
    UIN: d.uin,
    DRN: d.drn,
  };
  return (name) => values[name];
}

const identifier = (type: string, value: string) => ({ '@type': 'Identifier', identifier_type: type, identifier_value: value });

function place(area: (typeof AREAS)[number], name: string) {
  return {
    '@type': 'Place',
    name,
    address_line: `${area.locality}, ${area.areaCode}`,
    sub_region_code: area.areaCode,
    region_code: area.regionCode,
    country_code: COUNTRY,
  };
}

/**
 * Deaths carry no name, sex or birth date: the sandbox does not know how the demo registry describes
 * its people, so the gateway links a death by UIN and keeps its own data.
 */
function personOf(entry: Entry): Json {
  if (entry.event === 'LiveBirth') {
    const b = entry.record;
    return {
      '@type': 'CRVS_Person',
      identifier: [identifier('BRN', b.brn)],
      name: { '@type': 'Name', given_name: b.givenName, surname: b.surname },
      sex: b.sex,
      birth_date: dateTime(b.birthDate),
      birth_place: place(b.area, b.placeName),
      address: [{ '@type': 'Address', locality: b.area.locality, sub_region_code: b.area.areaCode, region_code: b.area.regionCode, country_code: COUNTRY }],
      parent1_identifier: identifier('UIN', b.motherUin),
      registration_date: dateTime(b.registrationDate),
    };
  }
  const d = entry.record;
  return {
    '@type': 'CRVS_Person',
    identifier: [identifier('UIN', d.uin), identifier('DRN', d.drn)],
    death_date: dateTime(d.deathDate),
    death_place: place(d.area, d.area.locality),
    registration_date: dateTime(d.registrationDate),
  };
}

/** `reg_event_type` (or a `reg_record_type` naming one) picks births or deaths; a generic Person type searches both. */
function eventsOf(criteria: Json): CrvsEvent[] {
  const hint = [criteria.reg_event_type, criteria.reg_record_type].find((v) => typeof v === 'string' && !/(^|:)(CRVS_)?Person$/i.test(v));
  if (hint === undefined) return ['LiveBirth', 'Death'];
  const name = String(hint).split(':').pop()!.toLowerCase();
  if (name === 'livebirth' || name === 'birth') return ['LiveBirth'];
  if (name === 'death') return ['Death'];
  throw new Rejection('rjct.search_criteria.invalid', `unsupported event or record type ${String(hint)}; use LiveBirth or Death`);
}

function eventOfSubscription(value: unknown): CrvsEvent {
  const name = typeof value === 'string' ? value.split(':').pop() : undefined;
  if (name === 'LiveBirth' || name === 'Death') return name;
  throw new Rejection('rjct.notify_types.invalid', 'reg_event_type must be LiveBirth or Death');
}

const validLocale = (item: Json) => (typeof item.locale === 'string' && /^[a-z]{3}$/.test(item.locale) ? { locale: item.locale } : {});

interface StoredTxn {
  type: 'search' | 'subscribe' | 'unsubscribe';
  correlationId: string;
  response: Json;
}

interface Subscription {
  code: string;
  subscriberId: string;
  notifyUrl: string;
  event: CrvsEvent;
  matcher: Matcher;
  notified: number;
}

/** Notifications go where the subscribe call's callback went, its last path segment replaced by `notify`. */
function notifyUrlOf(callbackUrl: string): string {
  const url = new URL(callbackUrl);
  url.pathname = url.pathname.replace(/\/[^/]*$/, '/notify');
  return url.toString();
}

export class Crvs {
  private readonly transactions = new Map<string, StoredTxn>();
  private readonly subscriptions = new Map<string, Subscription>();
  private subscriptionSeq = 0;

  constructor(
    private readonly ctx: RegistryContext,
    private readonly data: SandboxData,
    private readonly seed: number,
  ) {}

  operations(): Operation[] {
    return [
      { path: '/registry/sync/search', action: 'search', mode: 'sync', reply: (m) => this.search(m) },
      { path: '/registry/search', action: 'search', mode: 'async', accept: (m) => this.search(m) },
      { path: '/registry/subscribe', action: 'subscribe', mode: 'async', accept: (m, url) => this.subscribe(m, url) },
      { path: '/registry/unsubscribe', action: 'unsubscribe', mode: 'async', accept: (m) => this.unsubscribe(m) },
      { path: '/registry/sync/txn/status', action: 'txn-status', mode: 'sync', reply: (m) => this.txnStatus(m) },
      { path: '/registry/txn/status', action: 'txn-status', mode: 'async', accept: (m) => this.txnStatus(m) },
    ];
  }

  /** Records a death of `uin` and notifies every Death subscription whose filter matches it. */
  async emitDeath(uin: string, deathDate: string): Promise<void> {
    if (!/^\d{4}-\d{2}-\d{2}/.test(deathDate)) throw new Error('deathDate must be YYYY-MM-DD or an ISO DateTime');
    const record: DeathRecord = {
      drn: `DRN-CR-${this.seed}-${String(this.data.deaths.length + 1).padStart(7, '0')}`,
      uin,
      deathDate: deathDate.slice(0, 10),
      area: AREAS[[...uin].reduce((sum, c) => sum + c.charCodeAt(0), 0) % AREAS.length],
      registrationDate: now().slice(0, 10),
    };
    this.data.deaths.push(record);
    const entry: Entry = { event: 'Death', record };
    const subscribers = [...this.subscriptions.values()].filter((s) => s.event === 'Death' && s.matcher(attributesOf(entry)));
    const results = await Promise.allSettled(subscribers.map((s) => this.ctx.send(s.notifyUrl, this.notification(s, entry))));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw new Error(`notify failed: ${failed.map((f) => (f.reason as Error).message).join('; ')}`);
  }

  private notification(subscription: Subscription, entry: Entry): Reply {
    subscription.notified++;
    return {
      header: callbackHeader({ senderId: this.ctx.senderId, receiverId: subscription.subscriberId, action: 'notify', status: 'succ', totalCount: 1 }),
      message: {
        transaction_id: `CRVS-NOTIFY-${randomUUID()}`,
        notify_event: [
          {
            // Nothing in the body names the subscription; the code in reference_id is the project's convention (SPEC-NOTES 2.6).
            reference_id: `${subscription.code}:${String(subscription.notified).padStart(4, '0')}`,
            timestamp: now(),
            data: { version: '1.0.0', reg_type: REG_TYPE, reg_event_type: EVENT_TYPES[entry.event], reg_record_type: RECORD_TYPE, reg_records: personOf(entry) },
          },
        ],
      },
    };
  }

  private entries(events: CrvsEvent[]): Entry[] {
    const entries: Entry[] = [];
    if (events.includes('LiveBirth')) for (const record of this.data.births) entries.push({ event: 'LiveBirth', record });
    if (events.includes('Death')) for (const record of this.data.deaths) entries.push({ event: 'Death', record });
    return entries;
  }

  private searchItem(item: Json): Json {
    const reference = { reference_id: item.reference_id, timestamp: now() };
    try {
      const criteria = item.search_criteria as Json;
      const events = eventsOf(criteria);
      const matcher = compileQuery(VOCABULARY, criteria.query);
      const matched = sortRecords(VOCABULARY, this.entries(events).filter((e) => matcher(attributesOf(e))), criteria.sort, attributesOf);
      const page = paginate(matched, criteria.pagination);
      return {
        ...reference,
        status: 'succ',
        data: {
          version: '1.0.0',
          reg_type: REG_TYPE,
          ...(events.length === 1 && { reg_event_type: EVENT_TYPES[events[0]] }),
          reg_record_type: RECORD_TYPE,
          reg_records: page.items.map(personOf),
        },
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
    this.remember(m, transactionId, 'search', message);
    const status = responses.every((r) => r.status === 'rjct') ? 'rjct' : 'succ';
    return { header: this.header(m, 'on-search', status, items.length), message };
  }

  private subscribeItem(m: Inbound, item: Json, notifyUrl: string): Json {
    const reference = { reference_id: item.reference_id, timestamp: now() };
    try {
      const criteria = item.subscribe_criteria as Json;
      const event = eventOfSubscription(criteria.reg_event_type);
      let matcher: Matcher;
      try {
        matcher = compileQuery(VOCABULARY, criteria.filter);
      } catch (error) {
        throw error instanceof Rejection ? new Rejection('rjct.notify_details.invalid', error.message) : error;
      }
      const code = `SUB-CRVS-${String(++this.subscriptionSeq).padStart(6, '0')}`;
      this.subscriptions.set(code, { code, subscriberId: m.senderId, notifyUrl, event, matcher, notified: 0 });
      const info = {
        version: '1.0.0',
        code,
        status: 'subscribe',
        timestamp: now(),
        reg_type: typeof criteria.reg_type === 'string' ? criteria.reg_type : REG_TYPE,
        reg_event_type: criteria.reg_event_type,
        ...(isObject(criteria.frequency) && { frequency: criteria.frequency }),
        ...(typeof criteria.filter_type === 'string' && { filter_type: criteria.filter_type }),
        filter: criteria.filter,
        notify_record_type: typeof criteria.notify_record_type === 'string' ? criteria.notify_record_type : RECORD_TYPE,
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
    this.remember(m, transactionId, 'subscribe', message);
    const status = responses.every((r) => r.status === 'rjct') ? 'rjct' : 'succ';
    return { header: this.header(m, 'on-subscribe', status, items.length), message };
  }

  private unsubscribe(m: Inbound): Reply {
    const { message, status, count } = unsubscribeFrom(this.subscriptions, m);
    this.remember(m, textOf(m.message, 'transaction_id'), 'unsubscribe', message);
    return { header: this.header(m, 'on-unsubscribe', status, count), message };
  }


  private txnStatus(m: Inbound): Reply {
    const request = m.message.txnstatus_request;
    textOf(m.message, 'transaction_id');
    if (!isObject(request)) throw new BadRequest('message.txnstatus_request must be an object');
    const txnType = request.txn_type;
    if (txnType !== 'search' && txnType !== 'subscribe' && txnType !== 'unsubscribe') throw new BadRequest('txn_type must be search, subscribe or unsubscribe');
    const status = this.lookup(m.senderId, txnType, request.attribute_type, request.attribute_value);
    if (!status) {
      return { header: this.header(m, 'txn-on-status', 'rjct', 1, 'no transaction of this sender matches the request') };
    }
    const message = {
      transaction_id: m.message.transaction_id,
      correlation_id: m.correlationId,
      txnstatus_response: { txn_type: txnType, txn_status: status },
    };
    return { header: this.header(m, 'txn-on-status', 'succ', 1), message };
  }

  private lookup(senderId: string, txnType: StoredTxn['type'], attributeType: unknown, value: unknown): Json | undefined {
    const own = [...this.transactions.entries()].filter(([key, t]) => key.startsWith(`${senderId}\n`) && t.type === txnType).map(([, t]) => t);
    const list = (Array.isArray(value) ? value : [value]).map(String);
    switch (attributeType) {
      case 'transaction_id':
        return own.find((t) => t.response.transaction_id === value)?.response;
      case 'correlation_id':
        return own.find((t) => t.correlationId === value)?.response;
      case 'reference_id_list': {
        // The answer covers only the items asked about.
        const txn = own.find((t) => ((t.response.search_response ?? t.response.subscribe_response) as Json[] | undefined)?.some((r) => list.includes(String(r.reference_id))));
        if (!txn) return undefined;
        const key = 'search_response' in txn.response ? 'search_response' : 'subscribe_response';
        return { ...txn.response, [key]: (txn.response[key] as Json[]).filter((r) => list.includes(String(r.reference_id))) };
      }
      case 'subscription_code_list':
        return own.find((t) =>
          (t.response.subscribe_response as Json[] | undefined)?.some((r) => (r.subscriptions as Json[] | undefined)?.some((s) => list.includes(String(s.code)))),
        )?.response;
      default:
        throw new BadRequest('attribute_type must be transaction_id, reference_id_list, correlation_id or subscription_code_list');
    }
  }

  private remember(m: Inbound, transactionId: string, type: StoredTxn['type'], response: Json): void {
    this.transactions.set(`${m.senderId}\n${transactionId}`, { type, correlationId: m.correlationId, response });
  }

  private header(m: Inbound, action: string, status: 'succ' | 'rjct', totalCount: number, reasonMessage?: string): Json {
    return callbackHeader({ senderId: this.ctx.senderId, receiverId: m.senderId, action, status, totalCount, reasonMessage });
  }
}
