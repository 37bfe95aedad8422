/**
 * `npm run test:browser`: the click-through checkout in headless Chromium (test/browser/*.browser.ts). Kept out of
 * `npm test` (whose testMatch is *.spec.ts) because it needs the Debian `chromium` package.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/browser/**/*.browser.ts'],
  testTimeout: 60000,
};
