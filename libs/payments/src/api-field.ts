/**
 * What the DTOs tell @nestjs/swagger about a field beyond its TypeScript type. The limits themselves are enforced by
 * class-validator; the description repeats them in words for the client reading the OpenAPI document.
 */
export interface ApiFieldOptions {
  description: string;
  /** Needed where the emitted design type says less than the rule: 'integer' for KRW, arrays, free-form objects. */
  type?: 'string' | 'integer' | 'boolean' | 'object' | (abstract new () => unknown);
  isArray?: boolean;
  format?: 'uuid' | 'email' | 'uri' | 'date' | 'date-time';
  enum?: readonly string[];
  example?: unknown;
}

type SwaggerDecorators = Pick<typeof import('@nestjs/swagger'), 'ApiProperty'>;
type SwaggerPropertyOptions = NonNullable<Parameters<SwaggerDecorators['ApiProperty']>[0]>;

let swagger: SwaggerDecorators | null | undefined;

/**
 * @nestjs/swagger is an optional peer: a host that documents its API gets every DTO field in its OpenAPI document,
 * and a host without it loads the library unchanged (the decorators do nothing). It is loaded on first use, not at
 * the top, because the DTOs are part of the library's entry point; a decorator runs synchronously, hence require
 * (the package is ESM; Node >= 20.19, the supported floor, loads it with require).
 */
function loadSwagger(): SwaggerDecorators | null {
  if (swagger !== undefined) return swagger;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    swagger = require('@nestjs/swagger') as SwaggerDecorators;
  } catch (error) {
    // Only the package's own absence means "no OpenAPI"; a broken install must still fail loudly.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'MODULE_NOT_FOUND' || !(error as Error).message.includes(`'@nestjs/swagger'`)) throw error;
    swagger = null;
  }
  return swagger;
}

/** A field the caller must send (no `@IsOptional()`). */
export function ApiField(options: ApiFieldOptions): PropertyDecorator {
  return property(options, true);
}

/** A field with `@IsOptional()`. */
export function ApiOptionalField(options: ApiFieldOptions): PropertyDecorator {
  return property(options, false);
}

function property(options: ApiFieldOptions, required: boolean): PropertyDecorator {
  const loaded = loadSwagger();
  if (!loaded) return noop;
  const { enum: values, ...rest } = options;
  // Swagger's option type is a union keyed on `type` that a plain options object does not narrow to; the shapes
  // built here (a free-form object allows any property) are ones it accepts.
  const swaggerOptions = {
    ...rest,
    ...(values ? { enum: [...values] } : {}),
    ...(options.type === 'object' ? { additionalProperties: true } : {}),
    required,
  } as SwaggerPropertyOptions;
  return loaded.ApiProperty(swaggerOptions);
}

function noop(): void {
  // @nestjs/swagger is not installed: nothing reads the documentation.
}
