/**
 * The environment an emulator process runs with: this process's, minus what must not leak into it, plus
 * its own settings. Real AWS credentials have no business in an emulator, and NODE_OPTIONS set for a test
 * runner (an inspector, a loader) would be applied to the Node-based emulators too.
 */
export function childEnvironment(own: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith("AWS_") || name === "NODE_OPTIONS" || name === "NODE_COMPILE_CACHE") continue;
    env[name] = value;
  }
  return { ...env, ...own };
}
