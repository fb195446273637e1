/**
 * What the gateway learns of its own database commands from the connection pool's events, instead of
 * the driver's command monitoring: that monitoring deserialises every reply a second time for its
 * event and copies every command, about a tenth of the gateway's CPU on a request that reads 200
 * documents (bench/README.md, 2026-12-07).
 *
 * A command holds a pooled connection from check-out to check-in, so check-outs count round trips,
 * and a check-in means the database answered (an error reply is an answer too), unless the pool was
 * cleared meanwhile: the driver interrupts the commands in flight on a server that stopped answering,
 * and those check-ins must not count as answers.
 */
import type mongoose from 'mongoose';

export interface PoolWatch {
  /** Commands sent so far on the pool (round trips). */
  commands(): number;
}

export function watchPool(client: mongoose.mongo.MongoClient, onAnswer: () => void): PoolWatch {
  let commands = 0;
  let clears = 0;
  const clearsAtCheckOut = new Map<string, number>();
  // Connection ids are unique within one server's pool; with a replica set there is a pool per server.
  const connection = (event: mongoose.mongo.ConnectionCheckedInEvent | mongoose.mongo.ConnectionCheckedOutEvent) => `${event.address}/${event.connectionId}`;
  client.on('connectionCheckedOut', (event) => {
    commands += 1;
    clearsAtCheckOut.set(connection(event), clears);
  });
  client.on('connectionPoolCleared', () => {
    clears += 1;
  });
  client.on('connectionCheckedIn', (event) => {
    const clearsBefore = clearsAtCheckOut.get(connection(event));
    clearsAtCheckOut.delete(connection(event));
    if (clearsBefore === clears) onAnswer();
  });
  return { commands: () => commands };
}
