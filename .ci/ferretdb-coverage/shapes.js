#!/usr/bin/env node
/**
 * Reads FerretDB's debug log (JSON lines) on stdin, writes the shape of every database command it
 * received to $SHAPES_DIR/<test file>.txt, one JSON document per line, and passes FerretDB's other
 * lines through to stderr, where the launcher reads the port it listens on.
 *
 * A shape is the command with every value replaced by its type name: its options, operators and field
 * paths, never the data. cover.js compares files by what their shapes ask of FerretDB.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

/** Commands that say nothing about the subset of the query language the gateway uses. */
const PLUMBING = new Set([
  'hello', 'ismaster', 'isMaster', 'ping', 'buildInfo', 'buildinfo', 'endSessions', 'getMore', 'killCursors',
  'saslStart', 'saslContinue', 'getParameter', 'listDatabases', 'serverStatus', 'connectionStatus',
]);
/** Fields of a command that carry session, transport or cursor details, not what is asked. */
const TRANSPORT = new Set(['lsid', '$db', '$clusterTime', 'txnNumber', '$readPreference', 'readConcern', 'writeConcern', 'ordered', 'cursor', 'batchSize', 'maxTimeMS', 'comment', 'apiVersion', 'bypassDocumentValidation', 'singleBatch', 'let']);

/** A parser for FerretDB's dump of a document: JSON-like, with bare dates, regexes and Type(...) values. */
function parse(text) {
  let i = 0;
  const space = () => {
    while (i < text.length && /[\s,]/.test(text[i])) i++;
  };
  function value() {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const object = {};
      for (space(); text[i] !== '}'; space()) {
        const key = string();
        space();
        i++; // ':'
        object[key] = value();
      }
      i++;
      return object;
    }
    if (c === '[') {
      i++;
      const array = [];
      for (space(); text[i] !== ']'; space()) array.push(value());
      i++;
      return array;
    }
    if (c === '"') return string();
    if (c === '/') {
      for (i++; text[i] !== '/'; i++) if (text[i] === '\\') i++;
      for (i++; /[a-z]/.test(text[i]); i++);
      return { $type: 'regex' };
    }
    const start = i;
    const typed = /^([A-Za-z0-9]+)\(/.exec(text.slice(i, i + 40));
    if (typed) {
      for (let depth = 0; ; i++) {
        if (text[i] === '(') depth++;
        else if (text[i] === ')' && --depth === 0) break;
      }
      i++;
      return { $type: typed[1] === 'int64' || typed[1] === 'int32' ? 'number' : typed[1] };
    }
    while (i < text.length && !/[\s,}\]]/.test(text[i])) i++;
    const bare = text.slice(start, i);
    if (bare === 'null') return null;
    if (bare === 'true' || bare === 'false') return true;
    if (/^\d{4}-\d\d-\d\dT/.test(bare)) return { $type: 'date' };
    return 0;
  }
  function string() {
    const start = i;
    for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    i++;
    return JSON.parse(text.slice(start, i));
  }
  return value();
}

/** The value with every leaf replaced by its type name; an array's elements become a set. */
function skeleton(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const elements = new Map(value.map((element) => skeleton(element)).map((element) => [JSON.stringify(element), element]));
    return [...elements.keys()].sort().map((key) => elements.get(key));
  }
  if (typeof value === 'object') {
    if (typeof value.$type === 'string' && Object.keys(value).length === 1) return value.$type;
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, skeleton(inner)]));
  }
  return typeof value;
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

/** The command of a request: its body section (the Node driver puts statements in the body, not in document sequences). */
function requestCommand(message) {
  const dump = parse(message.slice(message.indexOf('{')));
  const sections = dump.Sections ?? [];
  const body = sections.find((section) => section.Kind === 0)?.Document;
  return body && typeof body === 'object' ? body : undefined;
}

const tag = (process.env.SHAPES_TAG ?? 'untagged').replace(/^.*\/test\//, '').replace(/[^A-Za-z0-9._-]/g, '_');
const out = path.join(process.env.SHAPES_DIR, `${tag}.txt`);
const seen = new Set();
readline.createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    process.stderr.write(`${line}\n`);
    return;
  }
  if (entry.level !== 'DEBUG') {
    process.stderr.write(`${line}\n`);
    return;
  }
  if (!entry.msg.startsWith('Request message:')) return;
  const command = requestCommand(entry.msg);
  if (!command) return;
  for (const shape of commandShapes(command).map((asked) => JSON.stringify(asked))) {
    if (seen.has(shape)) continue;
    seen.add(shape);
    fs.appendFileSync(out, `${shape}\n`);
  }
});
