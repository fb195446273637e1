/**
 * Reads by key that callers share without ever getting an answer older than their call: a call
 * made while no read of its key is out starts one at once; calls made while one is out wait for it
 * to end and share the read that starts then. So a read a caller gets always started after it
 * asked, and under load one database command serves every message of a partner that arrived while
 * the previous read was out. A failed read fails the callers sharing it, as their own would have.
 */
/** Per key: the read out now, and the one its waiting callers will share. */
interface Lane<V> {
  out: Promise<V>;
  next?: Promise<V>;
}

export function freshReads<K, V>(read: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const lanes = new Map<K, Lane<V>>();

  const start = (key: K): Promise<V> => {
    const lane: Lane<V> = { out: read(key) };
    lanes.set(key, lane);
    const ended = () => {
      if (lanes.get(key) === lane && lane.next === undefined) lanes.delete(key);
    };
    lane.out.then(ended, ended);
    return lane.out;
  };

  return (key) => {
    const lane = lanes.get(key);
    if (!lane) return start(key);
    const settled = () => undefined;
    lane.next ??= lane.out.then(settled, settled).then(() => start(key));
    return lane.next;
  };
}
