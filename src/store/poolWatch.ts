/**
 * What the gateway learns of its own database commands from the connection pool's events, instead of
 * the driver's command monitoring: that monitoring deserialises every reply a second time for its
 * event and copies every command, about a tenth of the gateway's CPU on a request that reads 200
 * documents (bench/README.md, 2026-12-07).
 *
 * A command holds a pooled connection from check-out to check-in, so check-outs count round trips,
 * and a check-in means the database answered (an error reply is an answer too), unless the pool was
 * cleared meanwhile: the driver interrupts the commands in flight on a server that stopped answering,
 * and those check-ins must not count as answers. An answer is dated by its command's check-out: a
 * reply read late (this process was busy) may have been written before the database stopped, and
 * only the check-out time proves the database was still running after it.
 */
import type mongoose from 'mongoose';

export interface PoolWatch {
  /** Commands sent so far on the pool (round trips). */
  commands(): number;
}

export function watchPool(client: mongoose.mongo.MongoClient, onAnswer: (sentAt: number) => void): PoolWatch {
  let commands = 0;
  let clears = 0;
  const checkOuts = new Map<string, { clears: number; at: number }>();
  // Connection ids are unique within one server's pool; with a replica set there is a pool per server.
  const connection = (event: mongoose.mongo.ConnectionCheckedInEvent | mongoose.mongo.ConnectionCheckedOutEvent) => `${event.address}/${event.connectionId}`;
  client.on('connectionCheckedOut', (event) => {
    commands += 1;
    checkOuts.set(connection(event), { clears, at: Date.now() });
  });
  client.on('connectionPoolCleared', () => {
    clears += 1;
  });
  client.on('connectionCheckedIn', (event) => {
    const checkOut = checkOuts.get(connection(event));
    checkOuts.delete(connection(event));
    if (checkOut?.clears === clears) onAnswer(checkOut.at);
  });
  return { commands: () => commands };
}
