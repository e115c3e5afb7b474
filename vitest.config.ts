import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // onnxruntime-node and the native addon misbehave inside the vm-based pools; forks give each
    // test file a real process.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
