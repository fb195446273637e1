/**
 * Jest's node environment for recording command shapes: it names the test file in SHAPES_TAG and
 * loads watch.js into the processes the file starts (NODE_OPTIONS).
 */
'use strict';
const path = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

const preload = `--require ${path.join(__dirname, 'watch.js')}`;

module.exports = class TaggedEnvironment extends TestEnvironment {
  constructor(config, context) {
    // The worker's own environment, which the test file's process.env and the processes it starts copy.
    process.env.SHAPES_TAG = context.testPath;
    if (!(process.env.NODE_OPTIONS ?? '').includes(preload)) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} ${preload}`.trim();
    super(config, context);
  }
};
