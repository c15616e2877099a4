import { describe, expect, it } from 'vitest';
import { Catalog } from '../src/products/catalog.ts';
import type { Store } from '../src/store/store.ts';

/** A store whose product codes another instance may change, counting the loads. */
function storeWith(codes: string[]) {
  const state = { codes, loads: 0 };
  const store = { products: { codes: async () => (state.loads++, [...state.codes]) } } as unknown as Store;
  return { state, catalog: new Catalog(store) };
}

describe('the product codes the parser reads', () => {
  it('reads a code added elsewhere for an order that arrived after it, however recently the codes were loaded', async () => {
    const { state, catalog } = storeWith(['1']);
    expect((await catalog.codes()).has('N8')).toBe(false);
    // Another instance adds N8; a buyer orders it a moment later, well inside the recheck interval.
    state.codes.push('N8');
    const arrived = Date.now();
    expect((await catalog.recheck(arrived)).has('N8')).toBe(true);
  });

  it('keeps rechecking: each later message gets codes loaded after it, and a failed load is not kept', async () => {
    const { state, catalog } = storeWith(['1']);
    await catalog.codes();
    await new Promise((r) => setTimeout(r, 150));
    state.codes.push('N8');
    expect((await catalog.recheck(Date.now())).has('N8')).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    state.codes.push('N9');
    expect((await catalog.recheck(Date.now())).has('N9')).toBe(true);
    // The database away for one load: that message fails, the next one reads again.
    let away = true;
    const store = { products: { codes: async () => (away ? Promise.reject(new Error('database away')) : ['1', 'N7']) } } as unknown as Store;
    const flaky = new Catalog(store);
    await expect(flaky.recheck(Date.now())).rejects.toThrow('database away');
    away = false;
    await new Promise((r) => setTimeout(r, 150));
    expect((await flaky.recheck(Date.now())).has('N7')).toBe(true);
  });

  it('lets a burst of unknown codes wait for one reload, not one each', async () => {
    const { state, catalog } = storeWith(['1']);
    await catalog.codes();
    const before = state.loads;
    const arrived = Date.now();
    const all = await Promise.all(Array.from({ length: 50 }, () => catalog.recheck(arrived)));
    expect(all.every((codes) => !codes.has('X9'))).toBe(true);
    expect(state.loads - before).toBe(1);
    // Messages that arrived before the codes now held are answered from them at once.
    expect((await catalog.recheck(arrived - 1000)).has('1')).toBe(true);
    expect(state.loads - before).toBe(1);
  });
});
