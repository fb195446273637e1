import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('defaults the notification give-up age to a week', () => {
    expect(loadConfig({}).notifyGiveUpMs).toBe(168 * 3_600_000);
    expect(loadConfig({ DCI_NOTIFY_GIVE_UP_HOURS: '0' }).notifyGiveUpMs).toBe(0);
    expect(loadConfig({ DCI_NOTIFY_GIVE_UP_HOURS: '24' }).notifyGiveUpMs).toBe(86_400_000);
  });

  it('keeps disclosure records five years unless told otherwise', () => {
    expect(loadConfig({}).disclosureRetentionDays).toBe(1826);
    expect(loadConfig({ DISCLOSURE_RETENTION_DAYS: '3650' }).disclosureRetentionDays).toBe(3650);
    for (const bad of ['0', '-1', '1.5', 'ten']) expect(() => loadConfig({ DISCLOSURE_RETENTION_DAYS: bad })).toThrow(`DISCLOSURE_RETENTION_DAYS must be a whole number of days (1 or more), got "${bad}"`);
  });

  it('keeps the indicators\' fetch audit a year unless told otherwise', () => {
    expect(loadConfig({}).indicatorFetchRetentionDays).toBe(365);
    expect(loadConfig({ INDICATOR_FETCH_RETENTION_DAYS: '30' }).indicatorFetchRetentionDays).toBe(30);
    for (const bad of ['0', '-1', '1.5', 'ten']) expect(() => loadConfig({ INDICATOR_FETCH_RETENTION_DAYS: bad })).toThrow(`INDICATOR_FETCH_RETENTION_DAYS must be a whole number of days (1 or more), got "${bad}"`);
  });

  it('leases jobs for 60 s unless told otherwise, from 5 s to an hour', () => {
    expect(loadConfig({}).jobLeaseMs).toBe(60_000);
    expect(loadConfig({ JOB_LEASE_SECONDS: '10' }).jobLeaseMs).toBe(10_000);
    for (const bad of ['4', '3601', '0', '7.5', 'ten']) expect(() => loadConfig({ JOB_LEASE_SECONDS: bad })).toThrow(`JOB_LEASE_SECONDS must be a whole number of seconds from 5 to 3600, got "${bad}"`);
  });

  it('serves on port 4000 unless PORT says otherwise, trimmed, empty counting as unset (docs/configuration.md)', () => {
    expect(loadConfig({}).port).toBe(4000);
    expect(loadConfig({ PORT: '' }).port).toBe(4000);
    expect(loadConfig({ PORT: '  ' }).port).toBe(4000);
    expect(loadConfig({ PORT: ' 4300 ' }).port).toBe(4300);
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    for (const bad of ['x', '-1', '65536', '4.5']) expect(() => loadConfig({ PORT: bad })).toThrow(`PORT must be an integer between 0 and 65535, got "${bad}"`);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'x', DCI_NOTIFY_GIVE_UP_HOURS: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT must be an integer between 0 and 65535, got "x"',
      'DCI_NOTIFY_GIVE_UP_HOURS must be a whole number of hours (0 or more), got "-1"',
    ]);
  });

  it('takes a code or an http(s) URL as DCI_SENDER_ID (OpenCRVS finds keys under the sender id)', () => {
    expect(loadConfig({}).dciSenderId).toBe('dci-gateway');
    expect(loadConfig({ DCI_SENDER_ID: 'registry.example.org' }).dciSenderId).toBe('registry.example.org');
    expect(loadConfig({ DCI_SENDER_ID: 'https://registry.example.org' }).dciSenderId).toBe('https://registry.example.org');
    expect(loadConfig({ DCI_SENDER_ID: 'https://registry.example.org/sr' }).dciSenderId).toBe('https://registry.example.org/sr');
    for (const bad of ['a|b', 'https://registry.example.org/a|b', 'https://registry.example.org/?x=1', 'https://u:p@registry.example.org', 'ftp://registry.example.org', 'has space']) {
      expect(() => loadConfig({ DCI_SENDER_ID: bad })).toThrow(/DCI_SENDER_ID must be a code of letters, digits and \. _ : -, or an http\(s\) URL/);
    }
  });
});
