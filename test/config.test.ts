import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('defaults the notification give-up age to a week', () => {
    expect(loadConfig({}).notifyGiveUpMs).toBe(168 * 3_600_000);
    expect(loadConfig({ DCI_NOTIFY_GIVE_UP_HOURS: '0' }).notifyGiveUpMs).toBe(0);
    expect(loadConfig({ DCI_NOTIFY_GIVE_UP_HOURS: '24' }).notifyGiveUpMs).toBe(86_400_000);
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
});
