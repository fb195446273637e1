/** The names of the fields an update input gives (null included: it removes), for logs that must not hold the values. */
export const givenFields = (input: object): string[] => Object.entries(input).flatMap(([field, value]) => (value === undefined ? [] : [field]));
