// Lets a child `node` process run the repo's TypeScript as the jest run does (SWC, legacy decorators with metadata),
// so a script or a spec's child process runs the sources without a build: `node -r ./scripts/ts-register.cjs x.ts`.
// The two package self-names resolve to their sources, like jest's moduleNameMapper.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '..');
const aliases = {
  'nestjs-kr-payments': path.join(root, 'libs/payments/src'),
  'nestjs-kr-payments/testing': path.join(root, 'libs/testing/src'),
};
const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, aliases[request] ?? request, ...rest);
};
Module._extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
