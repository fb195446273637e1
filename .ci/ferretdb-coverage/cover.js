#!/usr/bin/env node
/**
 * Chooses the test files the FerretDB half of .ci/run can leave out: those whose every feature of
 * every command is also sent by a file that stays. A feature is what FerretDB must support to answer:
 * a command with the options it was given; each query operator with the type of its operand, the kind
 * of path it applies to (top-level, dotted, array index) and the logical operators around it; each
 * update operator likewise; each aggregation stage; each sort and index key pattern. Field and
 * collection names and values are left out: FerretDB treats them alike.
 *
 * Files in .ci/ferretdb-keep stay whatever they send. The others stay when they are the only sender
 * of a feature, then greedily by new features per second of their run time, until every feature seen
 * is sent by a file that stays.
 *
 *   node .ci/ferretdb-coverage/cover.js <shapes dir> <jest --json output of that run>
 *
 * prints the files to leave out, as .ci/ferretdb-covered-tests lists them;
 *
 *   node .ci/ferretdb-coverage/cover.js --check <shapes dir>
 *
 * fails when a file .ci/ferretdb-covered-tests lists sent a feature that no file of the FerretDB half
 * sent in that recording (watch.js): .ci/run's check that the list still holds after a change.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { shapesFileOf } = require('./shape');

const LOGICAL = new Set(['$and', '$or', '$nor']);
/** Command fields that hold a query (a map of field paths to conditions) or a projection. */
const QUERIES = new Set(['filter', 'query', 'q', 'projection', 'fields']);
/** Command fields whose order of keys is what they ask. */
const KEY_PATTERNS = new Set(['sort', 'key', 'hint']);

/** `_id` (which FerretDB treats apart), else top-level `p`, dotted `p.p`, with `N` for an array index. */
function pathKind(field) {
  return field === '_id' ? '_id' : field.split('.').map((part) => (/^\d+$/.test(part) ? 'N' : 'p')).join('.');
}

const isOperators = (value) => typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0 && Object.keys(value).every((key) => key.startsWith('$'));

/** A query's features under `context`: each path kind with its condition, inside logical operators. */
function query(value, context, out) {
  if (typeof value === 'string' || Array.isArray(value)) return void out.add(`${context} ${typeof value === 'string' ? value : 'array'}`);
  if (Object.keys(value).length === 0) out.add(`${context} {}`);
  for (const [key, inner] of Object.entries(value)) {
    if (LOGICAL.has(key)) for (const clause of [inner].flat()) query(clause, `${context} ${key}`, out);
    else condition(inner, `${context} ${key.startsWith('$') ? key : pathKind(key)}`, out);
  }
}

/** A value compared with, or an operator expression: `$gte date`, `$in [string]`, `$elemMatch …`. */
function condition(value, context, out) {
  if (typeof value === 'string') return void out.add(`${context} =${value}`);
  if (Array.isArray(value)) return void out.add(`${context} =[${[...new Set(value.map((e) => (typeof e === 'string' ? e : 'object')))].sort().join('|')}]`);
  if (!isOperators(value)) return void out.add(`${context} =object`);
  for (const [operator, operand] of Object.entries(value)) {
    if (operator === '$elemMatch' || operator === '$not') query(operand, `${context} ${operator}`, out);
    else if (LOGICAL.has(operator)) for (const clause of [operand].flat()) query(clause, `${context} ${operator}`, out);
    else condition(operand, `${context} ${operator}`, out);
  }
}

function keyPattern(value, context, out) {
  out.add(`${context} [${Object.entries(value).map(([field, order]) => `${pathKind(field)}:${typeof order === 'string' ? order : 'object'}`).join(',')}]`);
}

function update(value, context, out) {
  if (typeof value === 'string') return void out.add(`${context} ${value}`); // a replacement document
  if (Array.isArray(value)) return value.forEach((s) => stage(s, `${context} pipeline`, out));
  for (const [operator, fields] of Object.entries(value)) query(fields, `${context} ${operator}`, out);
}

function stage(value, context, out) {
  const [operator] = Object.keys(value);
  const operand = value[operator];
  if (operator === '$sort') keyPattern(operand, `${context} $sort`, out);
  else if (typeof operand === 'string' || Array.isArray(operand)) out.add(`${context} ${operator} ${typeof operand === 'string' ? operand : 'array'}`);
  else query(operand, `${context} ${operator}`, out);
}

/** The features of one recorded shape (shape.js): a command's first key is its name. */
function features(shape) {
  const [command, ...fields] = Object.keys(shape);
  const out = new Set([[command, ...fields.sort()].join(' ')]);
  for (const field of fields) {
    const value = shape[field];
    const context = `${command} ${field}`;
    if (QUERIES.has(field)) query(value, context, out);
    else if (KEY_PATTERNS.has(field)) keyPattern(value, context, out);
    else if (field === 'u' || field === 'update') update(value, context, out);
    else if (field === 'pipeline') value.forEach((s) => stage(s, context, out));
    else if (field === 'indexes') {
      for (const { key, name: _name, background: _background, ...options } of value) {
        keyPattern(key, `${context} key`, out);
        out.add(`${context} ${Object.keys(options).sort().join(',')}`);
        if (options.partialFilterExpression) query(options.partialFilterExpression, `${context} partialFilterExpression`, out);
      }
    } else out.add(`${context} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  return out;
}

const CI = path.join(__dirname, '..');
/** The test files a list in .ci names, one per line, with comments after `#` or a space. */
const listed = (name) =>
  fs
    .readFileSync(path.join(CI, name), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(/\s/)[0]);
const relative = (testPath) => testPath.replace(/^.*?\/test\//, 'test/');

/** The features a test file sent, from its shapes file (shape.js names it). */
function featuresOf(shapesDir, shapesFile) {
  const file = path.join(shapesDir, shapesFile);
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  return new Set(lines.flatMap((line) => [...features(JSON.parse(line))]));
}

/** Every feature of a left-out file must be sent by a file that runs on FerretDB. */
function check(shapesDir) {
  const leftOut = listed('ferretdb-covered-tests');
  const leftOutFiles = new Set(leftOut.map(shapesFileOf));
  const engineFreeFiles = new Set(listed('engine-free-tests').map(shapesFileOf));
  const sentOnFerretdb = new Set();
  for (const name of fs.readdirSync(shapesDir)) {
    if (leftOutFiles.has(name) || name === shapesFileOf('untagged')) continue;
    if (engineFreeFiles.has(name)) console.error(`warning: ${name} is listed as engine-free but sent commands`);
    for (const feature of featuresOf(shapesDir, name)) sentOnFerretdb.add(feature);
  }
  const missing = leftOut.flatMap((file) => [...featuresOf(shapesDir, shapesFileOf(file))].filter((f) => !sentOnFerretdb.has(f)).map((f) => `${file}: ${f}`));
  if (missing.length) {
    console.error(
      'These features are sent only by files the FerretDB half leaves out; take the files out of ' +
        '.ci/ferretdb-covered-tests, or make the list again (.ci/ferretdb-coverage/record):\n  ' +
        missing.join('\n  '),
    );
    process.exit(1);
  }
  console.error(`${leftOut.length} files left out of the FerretDB half send no feature that the files it runs do not send (${sentOnFerretdb.size} features)`);
}

/** The files the FerretDB half can leave out, from one recorded run. */
function choose(shapesDir, jestJson) {
  const keep = new Set(listed('ferretdb-keep'));
  const run = JSON.parse(fs.readFileSync(jestJson, 'utf8'));
  const failed = run.testResults.filter((result) => result.status === 'failed').map((result) => relative(result.name));
  if (failed.length) {
    console.error(`these files failed in the recorded run, record it again: ${failed.join(', ')}`);
    process.exit(1);
  }
  const files = run.testResults.map((result) => {
    const file = relative(result.name);
    return { file, features: featuresOf(shapesDir, shapesFileOf(file)), seconds: (result.endTime - result.startTime) / 1000 };
  });
  for (const name of keep) if (!files.some((f) => f.file === name)) console.error(`warning: ${name} in .ci/ferretdb-keep did not run`);

  const staying = new Set();
  const covered = new Set();
  const stay = (f) => {
    staying.add(f);
    for (const feature of f.features) covered.add(feature);
  };
  for (const f of files) if (keep.has(f.file)) stay(f);
  const senders = new Map();
  for (const f of files) for (const feature of f.features) senders.set(feature, [...(senders.get(feature) ?? []), f]);
  for (const [feature, by] of senders) if (by.length === 1 && !covered.has(feature)) stay(by[0]);
  for (;;) {
    const gain = (f) => [...f.features].filter((feature) => !covered.has(feature)).length;
    const best = files
      .filter((f) => !staying.has(f) && gain(f) > 0)
      .sort((a, b) => gain(b) / Math.max(b.seconds, 1) - gain(a) / Math.max(a.seconds, 1) || a.file.localeCompare(b.file))[0];
    if (!best) break;
    stay(best);
  }

  // Files that send nothing are the engine-free ones, which .ci/engine-free-tests lists apart.
  const leftOut = files.filter((f) => !staying.has(f) && f.features.size > 0).sort((a, b) => a.file.localeCompare(b.file));
  const seconds = (list) => list.reduce((n, f) => n + f.seconds, 0).toFixed(0);
  console.error(
    `${senders.size} features from ${files.filter((f) => f.features.size > 0).length} files; ${staying.size} files (${seconds([...staying])} s) send them all; ` +
      `${leftOut.length} files (${seconds(leftOut)} s) can be left out`,
  );
  for (const f of leftOut) console.log(f.file);
}

const args = process.argv.slice(2);
if (args[0] === '--check' && args[1]) check(args[1]);
else if (args.length === 2) choose(args[0], args[1]);
else {
  console.error('usage: cover.js <shapes dir> <jest --json output> | cover.js --check <shapes dir>');
  process.exit(2);
}
