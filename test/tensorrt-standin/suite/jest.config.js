/**
 * The stand-in suite: run by scripts/dev/tensorrt-standin.js (npm run test:tensorrt-standin), which builds the
 * TensorRT addon and the stand-in libraries and sets DYNAMIC_OFA_BINARY and DYNAMIC_OFA_TENSORRT_LIBRARY_PATH.
 * The default jest run leaves this folder out.
 * @type {import('jest').Config}
 */
module.exports = {
  rootDir: '../../..',
  testEnvironment: '<rootDir>/test/jest-environment.js',
  roots: ['<rootDir>/test/tensorrt-standin/suite'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  testTimeout: 300000,
};
