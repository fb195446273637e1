/** Jest's node environment that names the test file in SHAPES_TAG, for the engines it starts. */
'use strict';
const { TestEnvironment } = require('jest-environment-node');

module.exports = class TaggedEnvironment extends TestEnvironment {
  constructor(config, context) {
    // The worker's own environment, which engine processes started by this file inherit.
    process.env.SHAPES_TAG = context.testPath;
    super(config, context);
  }
};
