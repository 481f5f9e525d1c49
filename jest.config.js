/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/test/jest-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Run by npm run test:tensorrt-standin (scripts/dev/tensorrt-standin.js), which builds what it needs first.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/tensorrt-standin/suite/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  // Native suites share one ONNX Runtime env per process; keep CPU contention predictable on 2 cores.
  maxWorkers: 2,
  testTimeout: 60000,
};
