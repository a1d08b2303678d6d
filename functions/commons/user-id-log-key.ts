/**
 * The key user ids are hashed with in log lines. Fixed (FLYWHEEL_LOG_HASH_SALT, or the default) outside a
 * deployment; a deployment's own, kept in Secrets Manager, is read once per cold start: the read starts at
 * init, alongside the module loading, and the first invocation waits for it (observability middleware), so
 * every line about a request is hashed under the deployment's key. Until the key is known, and if it
 * cannot be read, ids are left out of log lines (UNHASHED_USER_ID); a failed read is reported once per
 * attempt and tried again by the next invocation.
 */
export class UserIdLogKey {
  private salt: string | undefined;
  private readonly load: (() => Promise<string>) | undefined;
  private readonly onFailure: (error: unknown) => void;
  private loading: Promise<void> | undefined;

  private constructor(
    salt: string | undefined,
    load: (() => Promise<string>) | undefined,
    onFailure: (error: unknown) => void,
  ) {
    this.salt = salt;
    this.load = load;
    this.onFailure = onFailure;
  }

  /** A key known now. */
  static fixed(salt: string): UserIdLogKey {
    return new UserIdLogKey(salt, undefined, () => {});
  }

  /** A key read by `load` (the secret), first when `ready` is called. */
  static loadedBy(load: () => Promise<string>, onFailure: (error: unknown) => void): UserIdLogKey {
    return new UserIdLogKey(undefined, load, onFailure);
  }

  /** The key, or undefined while it is not known. */
  current(): string | undefined {
    return this.salt;
  }

  /**
   * Resolves once the key is known, or once this attempt to read it failed (never rejects: logging must not
   * fail a request). Cheap after the key is known.
   */
  ready(): Promise<void> {
    const load = this.load;
    if (this.salt !== undefined || load === undefined) return Promise.resolve();
    this.loading ??= load().then(
      (salt) => {
        this.salt = salt;
      },
      (error: unknown) => {
        this.loading = undefined;
        this.onFailure(error);
      },
    );
    return this.loading;
  }
}
