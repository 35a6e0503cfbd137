// Rows as plain data: what a service hands to a flow travels in `msg` and through Bull as JSON,
// so a store row's Date fields become ISO 8601 strings.

/** `V` with a Date as its ISO 8601 string (`Date | null` becomes `string | null`). */
export type IsoDate<V> = V extends Date ? string : V;

/** The row `T` with each Date field as its ISO 8601 string. */
export type WithIsoDates<T> = { readonly [K in keyof T]: IsoDate<T[K]> };
