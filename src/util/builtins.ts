// Keeps a library from replacing the runtime's own built-ins. Some bundles carry polyfills
// (core-js) that, besides adding what an older runtime lacks, overwrite built-ins it already
// has with JavaScript versions — process-wide, for every other library too. `preserveBuiltins`
// records the built-ins as they are; `restore()` puts back any that were replaced since, and
// leaves additions (a polyfill for something missing) in place.

/** The objects whose own properties are watched: the language's built-ins and the global object. */
const watched = (): Array<[string, object]> => {
  const typedArray = Object.getPrototypeOf(Uint8Array.prototype) as object;
  return [
    ["globalThis", globalThis],
    ["Object", Object],
    ["Object.prototype", Object.prototype],
    ["Function.prototype", Function.prototype],
    ["Array", Array],
    ["Array.prototype", Array.prototype],
    ["TypedArray", Object.getPrototypeOf(Uint8Array) as object],
    ["TypedArray.prototype", typedArray],
    ["Uint8Array", Uint8Array],
    ["Uint8Array.prototype", Uint8Array.prototype],
    ["ArrayBuffer.prototype", ArrayBuffer.prototype],
    ["String", String],
    ["String.prototype", String.prototype],
    ["Number", Number],
    ["Number.prototype", Number.prototype],
    ["RegExp.prototype", RegExp.prototype],
    ["Promise", Promise],
    ["Promise.prototype", Promise.prototype],
    ["Map", Map],
    ["Map.prototype", Map.prototype],
    ["Set.prototype", Set.prototype],
    ["WeakMap.prototype", WeakMap.prototype],
    ["Symbol", Symbol],
    ["JSON", JSON],
    ["Math", Math],
    ["Reflect", Reflect],
    ["Error", Error],
    ["Date.prototype", Date.prototype],
  ];
};

const same = (a: PropertyDescriptor, b: PropertyDescriptor) =>
  Object.is(a.value, b.value) && a.get === b.get && a.set === b.set && a.writable === b.writable && a.enumerable === b.enumerable && a.configurable === b.configurable;

export interface PreservedBuiltins {
  /**
   * Puts back the recorded built-ins that were replaced — all, or only those named in `only` —
   * and returns their names ("Array.prototype.push"). A property that cannot be put back (its
   * object was frozen meanwhile) is left as it is.
   */
  restore(only?: ReadonlySet<string>): string[];
}

export function preserveBuiltins(): PreservedBuiltins {
  const saved = watched().map(([name, target]) => ({
    name,
    target,
    props: Reflect.ownKeys(target).flatMap((key) => {
      const d = Object.getOwnPropertyDescriptor(target, key);
      return d?.configurable ? [{ key, d }] : [];
    }),
  }));
  return {
    restore(only) {
      const restored: string[] = [];
      for (const { name, target, props } of saved)
        for (const { key, d } of props) {
          const label = `${name}.${String(key)}`;
          if (only && !only.has(label)) continue;
          const now = Object.getOwnPropertyDescriptor(target, key);
          if (now && same(now, d)) continue;
          try {
            // Node's lazily loaded globals (fetch, TextDecoder…) turn from getters into values
            // when first read: the same object, not a replacement.
            if (target === globalThis && now && d.get && "value" in now && d.get.call(target) === now.value) continue;
            Object.defineProperty(target, key, d);
            restored.push(label);
          } catch {
            // not restorable: left as it is
          }
        }
      return restored;
    },
  };
}
