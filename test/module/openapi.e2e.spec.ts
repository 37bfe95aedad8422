import { randomBytes } from 'node:crypto';
import type { INestApplication, Type } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import {
  CUSTOM_ROUTE_ARGS_METADATA,
  METHOD_METADATA,
  MODULE_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import * as library from 'nestjs-kr-payments';
import { TOSS_TEST_CLIENT_KEY, TOSS_TEST_SECRET_KEY, TossSimulator } from 'nestjs-kr-payments/testing';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/postgres/test-database';
import { AppModule, setupApiDocs } from '../../src/app.module';
import type { BodyWithPathOptions } from '../../src/shop/body-with-path.decorator';
import { ShopModule } from '../../src/shop/shop.module';

type Schema = {
  $ref?: string;
  allOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
};
type Operation = {
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
};
type OpenApi = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

/** A route of the shop's controllers, with the DTO each of its body/query parameters is validated against. */
interface ShopRoute {
  method: string;
  path: string;
  inputs: { dto: Type; in: 'body' | 'query'; fromPath: string[]; leftOut: string[] }[];
}

/** What class-validator knows of a DTO: each property, and whether it is required (no `@IsOptional()`). */
function validatedFields(dto: Type): Map<string, { required: boolean; nested?: Type }> {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const fields = new Map<string, { required: boolean; nested?: Type }>();
  for (const { propertyName } of metadata) {
    const own = metadata.filter((m) => m.propertyName === propertyName);
    const optional = own.some((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION && m.name === 'isOptional');
    const designType = Reflect.getMetadata('design:type', dto.prototype, propertyName) as Type | undefined;
    const nested = designType && isDto(designType) ? designType : undefined;
    fields.set(propertyName, { required: !optional, nested });
  }
  return fields;
}

function isDto(candidate: unknown): candidate is Type {
  return (
    typeof candidate === 'function' &&
    getMetadataStorage().getTargetValidationMetadatas(candidate, '', true, false).length > 0
  );
}

/** The shop's routes, read from its controllers' Nest metadata: a new route or DTO is covered without editing this. */
function shopRoutes(): ShopRoute[] {
  const controllers = Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, ShopModule) as Type[];
  const routes: ShopRoute[] = [];
  for (const controller of controllers) {
    const base = (Reflect.getMetadata(PATH_METADATA, controller) as string) ?? '';
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const subPath = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (subPath === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number].toLowerCase();
      const path = `/${[base, subPath].filter((part) => part && part !== '/').join('/')}`.replace(/:(\w+)/g, '{$1}');
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<
        string,
        { index: number; data?: unknown }
      >;
      const paramTypes = Reflect.getMetadata('design:paramtypes', controller.prototype, name) as Type[];
      const inputs: ShopRoute['inputs'] = [];
      for (const [key, { index, data }] of Object.entries(args)) {
        const dto = paramTypes[index];
        if (!isDto(dto)) continue;
        if (key.includes(CUSTOM_ROUTE_ARGS_METADATA)) {
          const options = data as BodyWithPathOptions;
          const leftOut = [...options.fromPath, ...(options.refused ?? [])];
          inputs.push({ dto, in: 'body', fromPath: options.fromPath, leftOut });
        } else if (key.startsWith(`${RouteParamtypes.BODY}:`)) {
          inputs.push({ dto, in: 'body', fromPath: [], leftOut: [] });
        } else if (key.startsWith(`${RouteParamtypes.QUERY}:`)) {
          inputs.push({ dto, in: 'query', fromPath: [], leftOut: [] });
        }
      }
      routes.push({ method, path, inputs });
    }
  }
  return routes;
}

function resolve(document: OpenApi, schema: Schema | undefined): Schema | undefined {
  const ref = schema?.$ref ?? schema?.allOf?.[0]?.$ref ?? schema?.items?.$ref;
  return ref ? document.components.schemas[ref.replace('#/components/schemas/', '')] : schema;
}

/**
 * Every way `schema` differs from `dto` as class-validator sees it (minus `leftOut`): a missing or extra property, a
 * wrong required-ness, and the same for each nested DTO. Empty when the document describes the DTO exactly.
 */
function schemaProblems(document: OpenApi, schema: Schema | undefined, dto: Type, leftOut: string[] = []): string[] {
  const at = dto.name;
  if (!schema) return [`${at}: no schema`];
  const problems: string[] = [];
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const fields = [...validatedFields(dto)].filter(([name]) => !leftOut.includes(name));
  for (const [name, field] of fields) {
    if (!(name in properties)) {
      problems.push(`${at}.${name}: missing`);
      continue;
    }
    if (required.has(name) !== field.required) problems.push(`${at}.${name}: required should be ${field.required}`);
    if (field.nested) problems.push(...schemaProblems(document, resolve(document, properties[name]), field.nested));
  }
  for (const name of Object.keys(properties)) {
    if (!fields.some(([known]) => known === name)) problems.push(`${at}.${name}: not a field of the DTO`);
  }
  return problems;
}

function inputProblems(document: OpenApi, route: ShopRoute): string[] {
  const operation = document.paths[route.path]?.[route.method];
  if (!operation) return [`${route.method.toUpperCase()} ${route.path}: not in paths`];
  const problems: string[] = [];
  for (const input of route.inputs) {
    if (input.in === 'body') {
      const schema = resolve(document, operation.requestBody?.content['application/json']?.schema);
      problems.push(...schemaProblems(document, schema, input.dto, input.leftOut));
      for (const id of input.fromPath) {
        const param = operation.parameters?.find((p) => p.in === 'path' && p.name === id);
        if (!param?.required) problems.push(`${route.path}: path parameter ${id} not documented`);
      }
    } else {
      const query = operation.parameters?.filter((p) => p.in === 'query') ?? [];
      const asSchema: Schema = {
        properties: Object.fromEntries(query.map((p) => [p.name, {}])),
        required: query.filter((p) => p.required).map((p) => p.name),
      };
      problems.push(...schemaProblems(document, asSchema, input.dto));
    }
  }
  return problems;
}

/** Where @nestjs/swagger lists a class's documented properties (`:name` each). */
const SWAGGER_PROPERTIES = 'swagger/apiModelPropertiesArray';

/** The library's exported input DTOs (its gateway option classes are validated too, but are configuration). */
const LIBRARY_DTOS = Object.values(library).filter(
  (value): value is Type => isDto(value) && value.name.endsWith('Dto'),
);

/**
 * The example shop's OpenAPI document (issue 14): served at /docs and /docs-json, it lists every route, and for every
 * DTO a route accepts every field class-validator validates, required exactly when it has no `@IsOptional()`. The
 * expectations come from the controllers' and class-validator's metadata, so a new field or route is checked as is.
 */
describe('example shop: OpenAPI document at /docs', () => {
  let toss: TossSimulator;
  let database: TestDatabase;
  let app: INestApplication;
  let document: OpenApi;
  const environment = { ...process.env };

  beforeAll(async () => {
    toss = await TossSimulator.start({ port: 0 });
    database = await createTestDatabase();
    // The example app itself (AppModule, configured from the environment as .env.example describes), with the docs
    // set up the way src/main.ts does it: before listen, since routes added later sit behind Nest's not-found handler.
    Object.assign(process.env, {
      DATABASE_URL: database.url,
      TOSS_SECRET_KEY: TOSS_TEST_SECRET_KEY,
      TOSS_CLIENT_KEY: TOSS_TEST_CLIENT_KEY,
      TOSS_BASE_URL: toss.url,
      PAYMENTS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      PAYMENTS_ACTIVE_KEY_ID: 'k1',
    });
    app = await NestFactory.create(AppModule.forRoot(), { rawBody: true, logger: false, abortOnError: false });
    setupApiDocs(app);
    await app.listen(0, '127.0.0.1');
    const response = await fetch(`${await app.getUrl()}/docs-json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApi;
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
    process.env = environment;
    await toss?.stop();
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await fetch(`${await app.getUrl()}/docs`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('swagger-ui');
  });

  it('lists every shop route in paths', () => {
    const routes = shopRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const missing = routes.filter((r) => !document.paths[r.path]?.[r.method]).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });

  it('describes every field of every DTO a shop route accepts, with required matching @IsOptional', () => {
    const routes = shopRoutes();
    const accepted = new Set(routes.flatMap((r) => r.inputs.map((input) => input.dto.name)));
    // A sample of what the metadata walk must find: library DTOs (plain, with route ids merged in, as a query) and the
    // shop's own two. An empty walk would otherwise pass vacuously.
    for (const name of [
      'PrepareDto',
      'CancelDto',
      'ChargeBillingKeyDto',
      'CreateSubscriptionDto',
      'ListSubscriptionsDto',
      'IssueCashReceiptDto',
      'ConfirmCheckoutDto',
      'CancelCashReceiptDto',
    ]) {
      expect(accepted).toContain(name);
    }
    expect(routes.flatMap((route) => inputProblems(document, route))).toEqual([]);
  });

  it('documents every field of every DTO the library exports (ListPaymentsDto and SyncOptionsDto included)', () => {
    expect(LIBRARY_DTOS.map((dto) => dto.name)).toEqual(expect.arrayContaining(['ListPaymentsDto', 'SyncOptionsDto']));
    const full = SwaggerModule.createDocument(app, new DocumentBuilder().build(), {
      extraModels: LIBRARY_DTOS,
    }) as unknown as OpenApi;
    const problems = LIBRARY_DTOS.flatMap((dto) => schemaProblems(full, full.components.schemas[dto.name], dto));
    expect(problems).toEqual([]);
    // Amounts are integer KRW in the schema too, not just "number".
    expect(full.components.schemas.PrepareDto.properties?.amount).toMatchObject({ type: 'integer' });
  });

  it('fails when the document leaves out a field or gets required-ness wrong', () => {
    const broken = structuredClone(document);
    delete broken.components.schemas.PrepareDto.properties?.orderName;
    broken.components.schemas.CustomerDto.required = ['email'];
    const checkout = shopRoutes().find((r) => r.method === 'post' && r.path === '/checkout') as ShopRoute;
    expect(inputProblems(broken, checkout)).toEqual([
      'PrepareDto.orderName: missing',
      'CustomerDto.email: required should be false',
    ]);
  });
});

describe('DTOs without @nestjs/swagger installed', () => {
  it('load and validate as before, and the documentation decorators do nothing', () => {
    // With the package present the decorators record swagger metadata; the isolated copy below must record none.
    expect(Reflect.getMetadata(SWAGGER_PROPERTIES, library.PrepareDto.prototype)).toContain(':amount');
    jest.isolateModules(() => {
      jest.doMock('@nestjs/swagger', () => {
        throw Object.assign(new Error("Cannot find module '@nestjs/swagger' from 'api-field.ts'"), {
          code: 'MODULE_NOT_FOUND',
        });
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const isolated = require('nestjs-kr-payments') as typeof library;
      expect(isolated.PrepareDto).not.toBe(library.PrepareDto);
      expect(Reflect.getMetadata(SWAGGER_PROPERTIES, isolated.PrepareDto.prototype)).toBeUndefined();
      expect(() =>
        isolated.validateDto(isolated.PrepareDto, { gateway: 'toss', amount: 1.5, orderName: 'Book' }),
      ).toThrow(isolated.InvalidInputError);
    });
  });
});
