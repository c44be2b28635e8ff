import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { capMemories, wasmPageBytes } from './wasm.ts';
import { growableModule } from '../../../test/helpers/wasm.ts';

// Node's own WebAssembly (the host's types do not declare it).
const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: unknown }; validate(bytes: Uint8Array): boolean } }).WebAssembly;
const instantiate = (bytes: Uint8Array) => new wasm.Instance(new wasm.Module(bytes)).exports as { grow(n: number): number };

describe('capping the memories of a WebAssembly module', () => {
  it('gives a memory without a maximum the room, and V8 then refuses to grow it past that', () => {
    const capped = capMemories(growableModule([[1]]), 100);
    assert.equal(capped.memoryBytes, 100 * wasmPageBytes);
    const { grow } = instantiate(capped.bytes);
    assert.equal(grow(99), 1);
    assert.equal(grow(1), -1);
  });

  it('keeps a smaller declared maximum, lowers a larger one, and splits the room between memories', () => {
    assert.equal(capMemories(growableModule([[1, 10]]), 100).memoryBytes, 10 * wasmPageBytes);
    assert.equal(capMemories(growableModule([[1, 65536]]), 100).memoryBytes, 100 * wasmPageBytes);
    const two = capMemories(growableModule([[1], [2, 80]]), 100);
    assert.equal(two.memoryBytes, (50 + 50) * wasmPageBytes);
    assert.ok(wasm.validate(two.bytes));
  });

  it('refuses a memory whose initial size does not fit, 64-bit memories and odd flags', () => {
    assert.throws(() => capMemories(growableModule([[200]]), 100), RangeError);
    const m64 = growableModule([[1]]);
    const flagsAt = m64.indexOf(0x05, 8) + 3; // memory section: id, size, count, flags
    assert.equal(m64[flagsAt], 0x00);
    m64[flagsAt] = 0x04;
    assert.throws(() => capMemories(m64, 100), /64-bit/);
    m64[flagsAt] = 0x08;
    assert.throws(() => capMemories(m64, 100), /flags/);
  });

  it('leaves modules without memories, and bytes that are not wasm, as they are', () => {
    const noMemory = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    assert.deepEqual(capMemories(noMemory, 10), { bytes: noMemory, memoryBytes: 0 });
    assert.equal(capMemories(new Uint8Array([1, 2, 3]), 10).memoryBytes, 0);
  });

  it('rejects truncated and overlong sections instead of guessing', () => {
    const bytes = growableModule([[1]]);
    assert.throws(() => capMemories(bytes.subarray(0, bytes.indexOf(0x05, 8) + 2), 10), TypeError);
  });
});
