/**
 * Loads an optional peer dependency of the testing kit on first use. The kit's entry point must load without them
 * (`import { TossSimulator } from 'nestjs-kr-payments/testing'` in an app that never starts PostgreSQL or an mTLS
 * simulator), so each feature that needs one loads it here and, when it is missing, says which package to install.
 * `load` holds the literal `import('<name>')` so the compiler and test transformers see the specifier.
 */
export async function loadOptionalPeer<T>(
  name: string,
  range: string,
  feature: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissing(error, name)) {
      throw new Error(
        `${feature} needs the optional peer dependency ${name}, which is not installed: npm install --save-dev ${name}@"${range}"`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Node says MODULE_NOT_FOUND (require) or ERR_MODULE_NOT_FOUND (import); only a miss of `name` itself counts. */
function isMissing(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  return error.message.includes(`'${name}'`);
}
