/**
 * Records the shape (shape.js) of every command the MongoDB driver sends, to
 * $SHAPES_DIR/<test file>.txt, one JSON document per line. Loaded by jest in each test file
 * (`--setupFiles`) and, through NODE_OPTIONS (environment.js), in the processes tests start: the
 * gateway, the CLI. The test file comes from SHAPES_TAG, which environment.js sets.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { commandShapes, shapesFileOf } = require('./shape');

const WATCHED = Symbol.for('dci-gateway.ferretdb-coverage.watched');
const seen = new Set();

function record(command) {
  const file = shapesFileOf(process.env.SHAPES_TAG ?? 'untagged');
  for (const shape of commandShapes(command).map((asked) => JSON.stringify(asked))) {
    const key = `${file} ${shape}`;
    if (seen.has(key)) continue;
    seen.add(key);
    fs.appendFileSync(path.join(process.env.SHAPES_DIR, file), `${shape}\n`);
  }
}

/** Every client this MongoClient class connects reports the commands it starts. */
function watch(MongoClient) {
  if (!MongoClient || MongoClient.prototype[WATCHED]) return;
  Object.defineProperty(MongoClient.prototype, WATCHED, { value: true });
  const connect = MongoClient.prototype.connect;
  MongoClient.prototype.connect = function connectWatched(...args) {
    if (!this.listeners('commandStarted').includes(started)) {
      this.monitorCommands = true;
      this.on('commandStarted', started);
    }
    return connect.apply(this, args);
  };
}
const started = (event) => {
  try {
    record(event.command);
  } catch (error) {
    // A listener that throws would fail the command it watches.
    console.error('watch.js could not record a command:', error);
  }
};

if (!process.env.SHAPES_DIR) {
  // Not recording.
} else if (typeof jest !== 'undefined') {
  // A test file: jest gives it its own module registry, so its mongodb is patched here.
  watch(require('mongodb').MongoClient);
} else {
  // A process a test started: mongodb is patched when something loads it, so processes that never do pay nothing.
  const load = Module._load;
  Module._load = function loadWatched(request, ...rest) {
    const exported = load.call(this, request, ...rest);
    if (request === 'mongodb') watch(exported.MongoClient);
    return exported;
  };
}
