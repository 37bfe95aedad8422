/**
 * A tiny JSON client for the shop's REST API (global fetch), used by the demo the way a front end or another
 * service would call it.
 */
export interface ShopResponse<T> {
  status: number;
  body: T;
}

/** Error body of the shop (PaymentsExceptionFilter). */
export interface ShopErrorBody {
  code: string;
  message: string;
  field: string | null;
  retryable: boolean;
  gatewayCode: string | null;
}

export class DemoFailure extends Error {}

export class ShopClient {
  constructor(readonly baseUrl: string) {}

  get<T>(path: string): Promise<ShopResponse<T>> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<ShopResponse<T>> {
    return this.request<T>('POST', path, body);
  }

  /** Calls the shop and insists on `expectedStatus`; anything else fails the step with the shop's error body. */
  async expect<T>(
    method: 'GET' | 'POST',
    path: string,
    expectedStatus: number,
    body?: unknown,
  ): Promise<ShopResponse<T>> {
    const response = await this.request<T>(method, path, body);
    if (response.status !== expectedStatus) {
      throw new DemoFailure(
        `${method} ${path}: expected HTTP ${expectedStatus}, got ${response.status} ${JSON.stringify(response.body)}`,
      );
    }
    return response;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<ShopResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    if (text.length > 0 && (response.headers.get('content-type') ?? '').includes('application/json')) {
      parsed = JSON.parse(text);
    }
    return { status: response.status, body: parsed as T };
  }
}

/** Fails the step unless `actual` equals `expected` (strict). */
export function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) {
    throw new DemoFailure(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}
