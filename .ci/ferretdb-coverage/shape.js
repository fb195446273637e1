/**
 * The shape of a database command: the command with every value replaced by its type name. It keeps
 * the options, operators and field paths, never the data. cover.js compares test files by what their
 * shapes ask of an engine.
 */
'use strict';

/** Commands that say nothing about the subset of the query language the gateway uses. */
const PLUMBING = new Set([
  'hello', 'ismaster', 'isMaster', 'ping', 'buildInfo', 'buildinfo', 'endSessions', 'getMore', 'killCursors',
  'saslStart', 'saslContinue', 'getParameter', 'listDatabases', 'serverStatus', 'connectionStatus',
]);
/** Fields of a command that carry session, transport or cursor details, not what is asked. */
const TRANSPORT = new Set(['lsid', '$db', '$clusterTime', 'txnNumber', '$readPreference', 'readConcern', 'writeConcern', 'ordered', 'cursor', 'batchSize', 'maxTimeMS', 'comment', 'apiVersion', 'bypassDocumentValidation', 'singleBatch', 'let']);

/** BSON values by the driver's class names: numbers are one type to the query language. */
const BSON_TYPES = { Long: 'number', Int32: 'number', Double: 'number', ObjectId: 'objectId', Decimal128: 'decimal', Binary: 'binary', BSONRegExp: 'regex', Timestamp: 'timestamp', UUID: 'binary' };

/** The type name of a leaf, or undefined for a document or an array. Tags, not instanceof: values may come from another realm (jest). */
function leafType(value) {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value === 'bigint' ? 'number' : typeof value;
  if (typeof value._bsontype === 'string') return BSON_TYPES[value._bsontype] ?? value._bsontype;
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object Date]') return 'date';
  if (tag === '[object RegExp]') return 'regex';
  if (ArrayBuffer.isView(value)) return 'binary';
  return undefined;
}

/** The value with every leaf replaced by its type name; an array's elements become a set. */
function skeleton(value) {
  // What the driver sends for it: mongoose's arrays and subdocuments turn into plain ones this way.
  if (value !== null && typeof value === 'object' && typeof value.toBSON === 'function' && value._bsontype === undefined) return skeleton(value.toBSON());
  const leaf = leafType(value);
  if (leaf) return leaf;
  // The driver keeps key patterns and sorts in Maps, for their order.
  if (Object.prototype.toString.call(value) === '[object Map]') return skeleton(Object.fromEntries(value));
  if (Array.isArray(value)) {
    const elements = new Map(value.map((element) => skeleton(element)).map((element) => [JSON.stringify(element), element]));
    return [...elements.keys()].sort().map((key) => elements.get(key));
  }
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined).map(([key, inner]) => [key, skeleton(inner)]));
}

/** A pipeline's stages keep their order. */
const pipeline = (stages) => stages.map(skeleton);

/** A replacement document is data; an update with operators or a pipeline is what is asked. */
function updateSkeleton(update) {
  if (Array.isArray(update)) return pipeline(update);
  return Object.keys(update ?? {}).some((key) => key.startsWith('$')) ? skeleton(update) : 'replacement';
}

/** What the command asks, as skeletons: a write command's statements are each their own. */
function commandShapes(command) {
  const name = Object.keys(command)[0];
  if (PLUMBING.has(name)) return [];
  const asked = Object.fromEntries(Object.entries(command).filter(([key]) => !TRANSPORT.has(key)));
  switch (name) {
    case 'insert':
      return [{ insert: command.insert }];
    case 'update':
      return (command.updates ?? []).map(({ u, ...statement }) => ({ update: command.update, ...skeleton(statement), u: updateSkeleton(u) }));
    case 'delete':
      return (command.deletes ?? []).map((statement) => ({ delete: command.delete, ...skeleton(statement) }));
    case 'findAndModify':
    case 'findandmodify': {
      const { update, ...rest } = asked;
      return [{ ...skeleton(rest), [name]: command[name], ...(update === undefined ? {} : { update: updateSkeleton(update) }) }];
    }
    case 'aggregate':
      return [{ ...skeleton(asked), aggregate: command.aggregate, pipeline: pipeline(command.pipeline ?? []) }];
    default:
      return [{ ...skeleton(asked), [name]: command[name] }];
  }
}

/** The file, in the shapes directory, of a test file's shapes: its path under test/, flattened. */
const shapesFileOf = (testPath) => `${testPath.replace(/^(?:.*\/)?test\//, '').replace(/[^A-Za-z0-9._-]/g, '_')}.txt`;

module.exports = { commandShapes, shapesFileOf };
