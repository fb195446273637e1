/** The partner sandbox: CRVS, IBR, DR and social registries that speak DCI over HTTP, for tests and demos. */
export { SandboxPortInUseError, startSandbox } from './server';
export type { Call, RegistryInfo, Sandbox, SandboxOptions } from './server';
export type { BirthRecord, DeathRecord, Disability, Enrolment, SandboxData } from './data';
export type { GatewayConfig } from './gateway';
export type { Delivery } from './registry';
export type { SocialHousehold, SocialPerson } from './social';
export type { RegistryName } from './envelope';
