/**
 * Host resources that live as long as guest objects do (WebAssembly reservations, crypto keys).
 * Each is tracked with weak references to the objects that keep it alive; a sweep runs a full
 * collection and gives back every resource whose objects are all gone.
 *
 * The collector is V8's `gc()`, which the host exposes to every context (isolate.ts); it is taken
 * here, before user code runs, and the global left empty and read-only (V8 makes it
 * non-configurable). This code runs after user code may have replaced built-ins, so it uses only
 * what it captured when the bundle loaded.
 */
const g = globalThis as unknown as { gc?: () => void };
const collect = g.gc;
if (collect) Object.defineProperty(g, 'gc', { value: undefined, writable: false });

const ReflectApply = Reflect.apply;
const defineProperty = Object.defineProperty;
const mapSet = Map.prototype.set;
const mapDelete = Map.prototype.delete;
const mapForEach = Map.prototype.forEach;
const WeakRefCtor = WeakRef;
const deref = WeakRef.prototype.deref;

interface Tracked {
  refs: WeakRef<object>[];
  release: () => void;
}

const live = new Map<number, Tracked>();
let nextId = 1;

/** Calls `release` once every object in `objects` has been collected (found by a later sweep). */
export function track(objects: object[], release: () => void): void {
  const refs: WeakRef<object>[] = [];
  // defineProperty, not push or index assignment: a setter user code put on Array.prototype must not run.
  for (let i = 0; i < objects.length; i++) defineProperty(refs, i, { value: new WeakRefCtor(objects[i]!), enumerable: true });
  ReflectApply(mapSet, live, [nextId++, { refs, release }]);
}

/** Collects garbage, then releases what it took. */
export function sweep(): void {
  if (collect) collect();
  ReflectApply(mapForEach, live, [
    (entry: Tracked, id: number) => {
      const refs = entry.refs;
      for (let i = 0; i < refs.length; i++) if (ReflectApply(deref, refs[i]!, []) !== undefined) return;
      ReflectApply(mapDelete, live, [id]);
      entry.release();
    },
  ]);
}

/** A sweep, unless nothing is tracked (then a collection would give nothing back). */
export function sweepIfAny(): void {
  let any = false;
  ReflectApply(mapForEach, live, [() => (any = true)]);
  if (any) sweep();
}
