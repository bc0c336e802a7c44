/** A JSON value, as the generated files hold them. */
export type Json = null | boolean | number | string | Json[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: Json;
}

/** True when `v` is a JSON object (not an array, not null). */
export const isJsonObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Renders a document the way every generated file is written: 2-space JSON, trailing newline. */
export const renderJson = (doc: Json): string => `${JSON.stringify(doc, null, 2)}\n`;
