/** Per-partner departures from the spec (OPENSPP-NOTES 6.3), applied to search items before they are sent. */
import type { SearchRequest } from '../protocol';
import type { Quirks } from './dataSource';

type SearchItem = SearchRequest['search_request'][number];

export function applyQuirks(item: SearchItem, quirks: Quirks, now: Date): SearchItem {
  const criteria = { ...item.search_criteria };
  if (quirks.consent && !criteria.consent) {
    const { purposeText, purposeCode, purposeRefUri } = quirks.consent;
    criteria.consent = {
      '@type': 'Consent',
      ts: now.toISOString(),
      purpose: { text: purposeText, code: purposeCode, ...(purposeRefUri && { ref_uri: purposeRefUri }) },
    };
  }
  if (quirks.lowerCaseEventTypes && criteria.reg_event_type) criteria.reg_event_type = criteria.reg_event_type.toLowerCase();
  return { ...item, search_criteria: criteria, ...(quirks.locale && !item.locale && { locale: quirks.locale }) };
}
