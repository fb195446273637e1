/** Every root field of the built schema carries an auth rule: none can be added without one. */
import { getNamedType, GraphQLField, GraphQLFieldConfig, GraphQLSchema, isObjectType } from 'graphql';
import { buildSchema } from '../../src/graphql/schema';
import { declaredScopes } from '../../src/graphql/rules';
import { isScope } from '../../src/auth/scopes';

describe('declared auth rules', () => {
  let schema: GraphQLSchema;
  beforeAll(() => {
    schema = buildSchema();
  });

  /** The rule the gateway enforces for a root field (the same lookup applyRules makes). */
  const scopesOf = (field: GraphQLField<unknown, unknown>) =>
    declaredScopes(schema, field as unknown as GraphQLFieldConfig<unknown, unknown>, field.name);

  const rootFields = () =>
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
      .filter((type): type is NonNullable<typeof type> => Boolean(type))
      .flatMap((type) => Object.values(type.getFields()).map((field) => ({ type: type.name, field })));

  it('every Query and Mutation field declares the scopes it requires', () => {
    const fields = rootFields();
    expect(fields.length).toBeGreaterThanOrEqual(17);
    const missing = fields.filter(({ field }) => {
      const scopes = scopesOf(field);
      return !scopes || scopes.length === 0 || !scopes.every(isScope);
    });
    expect(missing.map(({ type, field }) => `${type}.${field.name}`)).toEqual([]);
  });

  it('registry reads need registry:read, registry writes registry:write, the schema schema:read', () => {
    const expected: Record<string, string[]> = {
      'Query.individual': ['registry:read'], 'Query.group': ['registry:read'], 'Query.registrantByIdentifier': ['registry:read'],
      'Query.individuals': ['registry:read'], 'Query.groups': ['registry:read'], 'Query.registryStats': ['registry:read'],
      'Query._entities': ['registry:read'], 'Query._service': ['schema:read'],
      'Mutation.createIndividual': ['registry:write'], 'Mutation.updateIndividual': ['registry:write'], 'Mutation.recordDeath': ['registry:write'],
      'Mutation.createGroup': ['registry:write'], 'Mutation.updateGroup': ['registry:write'], 'Mutation.addMember': ['registry:write'],
      'Mutation.endMembership': ['registry:write'], 'Mutation.addIdentifier': ['registry:write'], 'Mutation.removeIdentifier': ['registry:write'],
    };
    const actual = Object.fromEntries(
      rootFields()
        .filter(({ type, field }) => `${type}.${field.name}` in expected)
        .map(({ type, field }) => [`${type}.${field.name}`, scopesOf(field)]),
    );
    expect(actual).toEqual(expected);
  });

  it('covers the operations the SDL promises, and the federation fields', () => {
    const names = rootFields().map(({ type, field }) => `${type}.${field.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'Query.individual', 'Query.group', 'Query.registrantByIdentifier', 'Query.individuals', 'Query.groups', 'Query.registryStats',
        'Query._entities', 'Query._service',
        'Mutation.createIndividual', 'Mutation.updateIndividual', 'Mutation.recordDeath', 'Mutation.createGroup', 'Mutation.updateGroup',
        'Mutation.addMember', 'Mutation.endMembership', 'Mutation.addIdentifier', 'Mutation.removeIdentifier',
      ]),
    );
  });

  it('personal data fields are marked @pii', () => {
    const pii = (typeName: string, fieldName: string) => {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
      return Boolean(type.getFields()[fieldName].astNode?.directives?.some((d) => d.name.value === 'pii'));
    };
    for (const [type, field] of [
      ['PersonName', 'given'], ['PersonName', 'family'], ['PersonName', 'middle'], ['Individual', 'birthDate'],
      ['Individual', 'phoneNumbers'], ['Individual', 'emails'], ['Identifier', 'value'], ['Group', 'name'], ['Address', 'line'],
    ]) {
      expect(`${type}.${field}: ${pii(type, field)}`).toBe(`${type}.${field}: true`);
    }
    expect(getNamedType(schema.getQueryType()!.getFields().individual.type).name).toBe('Individual');
  });
});
