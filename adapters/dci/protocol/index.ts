/** The pure DCI protocol core shared by the server and client adapters. */
export * from './codes';
export * from './envelope';
export * from './openapi';
export * from './canonical';
export * from './signing';
export * from './keys';
export * from './encryption';
export * from './jwksCache';
export * from './replay';
