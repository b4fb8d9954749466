/**
 * What kube-apiserver does to a custom resource with its CRD's structural schema: unknown
 * fields are pruned (except under x-kubernetes-preserve-unknown-fields), `default`s are filled,
 * and the object is validated (type, required, enum, nullable, pattern, minimum/maximum,
 * minLength/maxLength, minItems/maxItems), each problem reported as upstream words it
 * ("spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer:
 * "string""). CEL rules (x-kubernetes-validations) and formats are not checked.
 */
type Json = any;
type Schema = Record<string, any>;
export type Cause = { field: string; message: string; reason?: string };

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Removes the fields the schema does not know, in place. */
export function prune(value: Json, schema: Schema | undefined, root = true): void {
  if (!schema || (schema['x-kubernetes-preserve-unknown-fields'] === true && !schema.properties && !schema.additionalProperties && !schema.items)) return;
  if (Array.isArray(value)) {
    for (const item of value) prune(item, schema.items, false);
    return;
  }
  if (!isObject(value)) return;
  const props: Record<string, Schema> | undefined = schema.properties;
  for (const key of Object.keys(value)) {
    if (root && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
    const sub = props?.[key] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (sub) prune(value[key], sub, false);
    else if (schema.additionalProperties === true || schema['x-kubernetes-preserve-unknown-fields'] === true) continue;
    else delete value[key];
  }
}

/** Fills the schema's defaults, in place (a default applies where the field is missing). */
export function applySchemaDefaults(value: Json, schema: Schema | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    for (const item of value) applySchemaDefaults(item, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    if (value[key] === undefined && sub.default !== undefined) value[key] = structuredClone(sub.default);
    if (value[key] !== undefined) applySchemaDefaults(value[key], sub);
  }
  if (isObject(schema.additionalProperties)) for (const k of Object.keys(value)) if (!schema.properties?.[k]) applySchemaDefaults(value[k], schema.additionalProperties);
}

const goValue = (v: Json): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === null ? 'null' : `"${typeof v}"`);
const typeName = (v: Json): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v === 'number' ? 'number' : typeof v);

/** The problems of `value` against `schema`; `path` is the field path ("spec.replicas"). */
export function validateSchema(value: Json, schema: Schema | undefined, path: string, out: Cause[] = []): Cause[] {
  if (!schema) return out;
  if (value === null) {
    if (!schema.nullable && schema.type) out.push({ field: path, message: `Invalid value: "null": ${path} in body must be of type ${schema.type}: "null"`, reason: 'FieldValueTypeInvalid' });
    return out;
  }
  const t = typeName(value);
  const want = schema.type;
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const okType =
    !want || intOrString ? !intOrString || t === 'integer' || t === 'string' : want === t || (want === 'number' && t === 'integer');
  if (!okType) {
    const expected = intOrString ? 'integer,string' : want;
    out.push({ field: path, message: `Invalid value: "${t}": ${path} in body must be of type ${expected}: "${t}"`, reason: 'FieldValueTypeInvalid' });
    return out;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e: Json) => JSON.stringify(e) === JSON.stringify(value))) {
    out.push({ field: path, message: `Unsupported value: ${goValue(value)}: supported values: ${schema.enum.map(goValue).join(', ')}`, reason: 'FieldValueNotSupported' });
  }
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && value.length > schema.maxLength) out.push({ field: path, message: `Too long: may not be more than ${schema.maxLength} bytes`, reason: 'FieldValueTooLong' });
    if (schema.minLength !== undefined && value.length < schema.minLength) out.push({ field: path, message: `Invalid value: ${goValue(value)}: ${path} in body should be at least ${schema.minLength} chars long` });
    if (schema.pattern !== undefined) {
      let re: RegExp | undefined;
      try {
        re = new RegExp(schema.pattern, 'u');
      } catch {
        re = undefined;
      }
      if (re && !re.test(value)) out.push({ field: path, message: `Invalid value: ${goValue(value)}: ${path} in body should match '${schema.pattern}'` });
    }
  }
  if (typeof value === 'number') {
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
      out.push({ field: path, message: `Invalid value: ${value}: ${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}` });
    }
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
      out.push({ field: path, message: `Invalid value: ${value}: ${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}` });
    }
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push({ field: path, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items`, reason: 'FieldValueTooMany' });
    if (schema.minItems !== undefined && value.length < schema.minItems) out.push({ field: path, message: `Invalid value: ${value.length}: ${path} in body should have at least ${schema.minItems} items` });
    value.forEach((item, i) => validateSchema(item, schema.items, `${path}[${i}]`, out));
  }
  if (isObject(value)) {
    for (const req of (schema.required ?? []) as string[]) {
      if (value[req] === undefined) out.push({ field: path ? `${path}.${req}` : req, message: 'Required value', reason: 'FieldValueRequired' });
    }
    for (const [k, v] of Object.entries(value)) {
      if (path === '' && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      const sub = schema.properties?.[k] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      validateSchema(v, sub, path ? `${path}.${k}` : k, out);
    }
  }
  return out;
}
