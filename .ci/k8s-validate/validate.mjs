// Reads `helm template` output (YAML documents) on stdin and validates each object against its Kubernetes schema
// (kubernetes-models; prometheus-operator's for ServiceMonitor). The schemas allow unknown fields, as the API server
// does without strict validation, so built-in kinds are also walked against the API's field lists (the models of
// @kubernetes/client-node, generated from the Kubernetes OpenAPI spec) and an unknown field is an error, as with
// `kubectl apply --validate=strict`. Prints one line per object, "ok" or "invalid" with the errors, and exits 1
// when any object is invalid or of a kind it has no schema for.
import { parseAllDocuments } from "yaml";
import * as api from "@kubernetes/client-node/dist/gen/models/all.js";

// Fields of `value` that the API type `type` does not define, recursively ("Array<T>", "{ [key: string]: T; }").
function unknownFields(value, type, path, out) {
  if (value == null) return;
  let m = /^Array<(.+)>$/.exec(type);
  if (m) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, m[1], `${path}/${i}`, out));
    return;
  }
  m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (m) {
    if (typeof value === "object") for (const [k, v] of Object.entries(value)) unknownFields(v, m[1], `${path}/${k}`, out);
    return;
  }
  const model = api[type];
  // Primitives, IntOrString and free-form values have no field list; wrong types are the schema's to report.
  if (!model?.attributeTypeMap || typeof value !== "object" || Array.isArray(value)) return;
  const fields = new Map(model.attributeTypeMap.map(a => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!fields.has(k)) out.push(`${path}/${k} is not a field of ${type}`);
    else unknownFields(v, fields.get(k), `${path}/${k}`, out);
  }
}

const groups = {
  "v1": "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "rbac.authorization.k8s.io/v1": "kubernetes-models/rbac.authorization.k8s.io/v1",
  "autoscaling/v2": "kubernetes-models/autoscaling/v2",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

let input = "";
for await (const chunk of process.stdin) input += chunk;
let failed = 0, count = 0;
for (const doc of parseAllDocuments(input)) {
  if (doc.errors.length > 0) {
    console.log(`invalid YAML: ${doc.errors.map(e => e.message).join("; ")}`);
    failed++;
    continue;
  }
  const obj = doc.toJS();
  if (obj == null) continue;
  count++;
  const name = `${obj.kind}/${obj.metadata?.name}`;
  const base = groups[obj.apiVersion];
  if (!base) {
    console.log(`invalid ${name}: no schema for apiVersion ${obj.apiVersion}`);
    failed++;
    continue;
  }
  let Model;
  try {
    Model = (await import(`${base}/${obj.kind}`))[obj.kind];
  } catch (e) {
    console.log(`invalid ${name}: no schema for ${obj.apiVersion} ${obj.kind}`);
    failed++;
    continue;
  }
  const errors = [];
  try {
    new Model(obj).validate();
  } catch (e) {
    errors.push(e.message);
  }
  // Built-in kinds of a v1 API (V1Deployment, V1Role, ...); custom resources have no field list here.
  const apiType = `V1${obj.kind}`;
  if (base.startsWith("kubernetes-models/") && obj.apiVersion.endsWith("v1") && api[apiType]) unknownFields(obj, apiType, "", errors);
  else if (base.startsWith("kubernetes-models/")) errors.push(`no field list for ${obj.apiVersion} ${obj.kind}`);
  if (errors.length === 0) console.log(`ok ${name}`);
  else {
    console.log(`invalid ${name}: ${errors.join("; ")}`);
    failed++;
  }
}
console.log(`${count} objects, ${failed} invalid`);
process.exit(failed > 0 || count === 0 ? 1 : 0);
