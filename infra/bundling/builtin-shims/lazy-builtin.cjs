// A Node builtin module for bundled code that imports it at load but uses it only on paths a Flywheel
// handler never takes (an ES import of a builtin loads it before the bundle runs). The exports are the
// builtin's `names`, each read from the builtin when first read; the builtin is loaded then. Objects that
// the importing code reads at load and uses later (`lazyObjects`) are views whose first property read loads
// the builtin. test/unit/bundling/lazy-builtins.test.ts checks the names against the running Node.
module.exports = function lazyBuiltin(id, names, lazyObjects = []) {
  let builtin;
  const load = () => {
    builtin ??= process.getBuiltinModule(id);
    return builtin;
  };
  const exports = {};
  for (const name of names) {
    const view = lazyObjects.includes(name) ? lazyObjectView(() => load()[name]) : undefined;
    Object.defineProperty(exports, name, {
      enumerable: true,
      get: view === undefined ? () => load()[name] : () => view,
    });
  }
  return exports;
};

function lazyObjectView(target) {
  return new Proxy(
    {},
    {
      get: (_, key) => target()[key],
      has: (_, key) => key in target(),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
        // A proxy may not report a property it does not hold as non-configurable.
        return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
      },
    },
  );
}
