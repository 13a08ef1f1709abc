// serverless-esbuild's `plugins` file (serverless.yml): the same plugins bundle.ts builds with.
require('tsx/cjs');
module.exports = require('./src/esbuild-plugins.ts').bundlePlugins();
