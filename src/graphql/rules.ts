/**
 * The auth rules declared in the SDL, enforced here once for the whole schema:
 * `@auth(requires: [...])` on every root field, `@pii` on personal data (masked without registry:pii).
 */
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, GraphQLFieldConfig, GraphQLSchema } from 'graphql';
import { hasScope, requireScopes } from '../auth/principal';
import { isScope, Scope } from '../auth/scopes';
import type { Context } from './context';

/**
 * Federation adds these root fields itself; they get their rule here. The SDL goes only to the
 * composition tooling: with introspection off in production, nobody else gets the schema.
 */
const FEDERATION_RULES: Record<string, Scope[]> = { _entities: ['registry:read'], _service: ['schema:read'] };

export function declaredScopes(schema: GraphQLSchema, field: GraphQLFieldConfig<unknown, unknown>, name: string): Scope[] | undefined {
  const auth = getDirective(schema, field, 'auth')?.[0] as { requires: string[] } | undefined;
  if (!auth) return FEDERATION_RULES[name];
  const unknown = auth.requires.filter((s) => !isScope(s));
  if (unknown.length > 0) throw new Error(`@auth on ${name} names unknown scopes: ${unknown.join(', ')}`);
  return auth.requires as Scope[];
}

/** Masks what a caller without registry:pii may not read; null where a value cannot be partly shown. */
export function mask(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map(mask);
  if (typeof value === 'string') return value.length === 0 ? value : `${value[0]}***`;
  return null;
}

export function applyRules(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.ROOT_FIELD]: (field, fieldName) => {
      const scopes = declaredScopes(schema, field, fieldName);
      if (!scopes) throw new Error(`root field ${fieldName} declares no @auth rule`);
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        resolve(source, args, context: Context, info) {
          requireScopes(context.principal, ...scopes);
          return resolve(source, args, context, info);
        },
      };
    },
    [MapperKind.OBJECT_FIELD]: (field) => {
      if (!getDirective(schema, field, 'pii')) return field;
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        // Synchronous unless the field's own resolver is not: a promise per field of every record
        // would cost the dashboard query more than all its other work.
        resolve(source, args, context: Context, info) {
          const value = resolve(source, args, context, info);
          if (context.principal && hasScope(context.principal, 'registry:pii')) return value;
          return value instanceof Promise ? value.then(mask) : mask(value);
        },
      };
    },
  });
}
